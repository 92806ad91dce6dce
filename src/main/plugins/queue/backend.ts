// What the host functions need from a queue store, and the values that cross it. SQLite
// (store.ts) is the default backend; JetStream (jetstream/backend.ts) implements QueueBackend
// beside it.
import type { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import type { QueueId, QueueMsgId } from '../../../shared/id'

/** A message's stored state (SQLite column `state`; JetStream messages are all pending). */
export const MessageState = { pending: 0, done: 1, dead: 2 } as const
export type MessageState = (typeof MessageState)[keyof typeof MessageState]

export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RECEIVES = 5
export const DEFAULT_MAX_RECEIVE_BATCH = 100

/** The reference's rule, kept: a letter, then letters, digits, '_', '-' or '.'. */
const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_\-.]*$/
const MAX_NAME_LENGTH = 200

export type StoreResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false
      readonly code: QueueErr
      readonly error: string
      /**
       * A send that stored only some of its messages (the JetStream backend: nats-server 2.9
       * has no atomic batch publish): the stored ones' ids and the indexes of the others.
       */
      readonly partial?: SendPartial
    }

export interface SendPartial {
  readonly stored: readonly QueueMsgId[]
  readonly notStored: readonly number[]
}

/** An `Any` as stored: the type URL and the serialised message. */
export interface AnyBytes {
  readonly typeUrl: string
  readonly value: Uint8Array
}

export interface QueueInfo {
  readonly key: number
  readonly id: QueueId
  readonly name: string
  readonly createdMs: number
}

export interface OutgoingMessage {
  readonly sender?: AnyBytes | undefined
  readonly payload?: AnyBytes | undefined
}

export interface StoredMessage {
  readonly seq: number
  readonly queueId: QueueId
  readonly msgId: QueueMsgId
  readonly state: MessageState
  /** Deliveries so far (for a received message: before this delivery). */
  readonly receiveCount: number
  /** The last delivery (for a received message: the one before this delivery). */
  readonly lastReceivedMs: number | undefined
  readonly sentMs: number
  readonly visibleAtMs: number
  readonly doneMs: number | undefined
  readonly deadMs: number | undefined
  readonly sender: AnyBytes | undefined
  readonly payload: AnyBytes
}

/** What `markDoneAndReceive` did: as `markDone`'s and `receive`'s results. */
export interface DoneThenReceived {
  /** The ids that are not messages of the queue (as `markDone` returns them). */
  readonly unmodified: QueueMsgId[]
  readonly messages: StoredMessage[]
}

/**
 * The queue operations guests reach through the host functions (semantics: docs/queue.md
 * section 4). Every write is durable when it returns success (section 5).
 */
export interface QueueBackend {
  createQueue(name: string): StoreResult<QueueInfo>
  locate(name: string): StoreResult<QueueInfo>
  deleteQueue(id: QueueId): StoreResult<QueueInfo>
  /** Messages not done and not dead-lettered (ready or in flight). */
  length(id: QueueId): StoreResult<number>
  /** Adds the messages in one transaction: all are stored, or (on any error) none. */
  send(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]>
  /** Delivers up to `limit` visible messages, oldest first, and hides them for a while. */
  receive(id: QueueId, limit: number): StoreResult<StoredMessage[]>
  /** Marks messages done in one transaction; returns the ids that are not of this queue. */
  markDone(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]>
  /**
   * `markDone(done)` then `receive(limit)` in one transaction: the acknowledgement of the last
   * batch rides on the claim of the next, one commit instead of two, and is as durable.
   */
  markDoneAndReceive(
    id: QueueId,
    done: readonly QueueMsgId[],
    limit: number,
  ): StoreResult<DoneThenReceived>
  close(): void
}

export function fail<T>(code: QueueErr, error: string): StoreResult<T> {
  return { ok: false, code, error }
}

export function ok<T>(value: T): StoreResult<T> {
  return { ok: true, value }
}

/** Why a queue name is refused, or undefined if it is fine. */
export function queueNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'queue name is empty'
  if (name.length > MAX_NAME_LENGTH) {
    return `queue name is ${name.length} characters, over the limit of ${MAX_NAME_LENGTH}`
  }
  if (!QUEUE_NAME.test(name)) {
    return (
      `invalid queue name ${JSON.stringify(name)}: it must be a letter followed by letters, ` +
      `digits, '_', '-' or '.'`
    )
  }
  return undefined
}
