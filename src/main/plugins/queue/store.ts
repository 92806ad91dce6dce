import type { Database } from 'better-sqlite3'
import { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { newQueueId } from '../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import {
  DEFAULT_MAX_RECEIVE_BATCH,
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  fail,
  ok,
  queueNameProblem,
} from './backend'
import type {
  DoneThenReceived,
  OutgoingMessage,
  QueueBackend,
  QueueInfo,
  StoredMessage,
  StoreResult,
} from './backend'
import { Delivery } from './delivery'
import { randomMessageIdHigh } from './message-ids'
import { signed, toMessage, toQueueInfo } from './rows'
import type { MessageRow, QueueRow } from './rows'
import { MessageState } from './schema'
import { notFound, Sender } from './sender'
import { prepareStatements } from './statements'
import type { QueueStatements } from './statements'

export {
  DEFAULT_MAX_RECEIVE_BATCH,
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  queueNameProblem,
} from './backend'
export type {
  AnyBytes,
  DoneThenReceived,
  OutgoingMessage,
  QueueBackend,
  QueueInfo,
  StoredMessage,
  StoreResult,
} from './backend'
export { messageId, randomMessageIdHigh } from './message-ids'

export interface StoreOptions {
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly now?: () => number
  /** How long a received, unacknowledged message stays invisible. */
  readonly visibilityTimeoutMs?: number
  /** Deliveries after which an unacknowledged message is dead-lettered instead. */
  readonly maxReceives?: number
  /** Upper bound on one receive's batch, whatever the caller asks for. */
  readonly maxReceiveBatch?: number
  /** Source of message ids' random high halves (tests inject repeats); default: crypto-random. */
  readonly newMessageIdHigh?: () => bigint
}

export interface QueueCounts {
  readonly ready: number
  readonly inFlight: number
  readonly done: number
  readonly dead: number
}

export interface PeekOptions {
  /** Which states to include (default: pending and dead). */
  readonly states?: readonly MessageState[]
  /** Only messages sent after this sequence number (for paging). */
  readonly afterSeq?: number
  readonly limit?: number
}

/**
 * All SQL of the queue plugin, over one better-sqlite3 connection. Every write runs in an
 * IMMEDIATE transaction: other guest workers hold their own connections to the same file, and a
 * deferred read-then-write transaction could fail to upgrade its lock instead of waiting.
 */
export class QueueStore implements QueueBackend {
  readonly now: () => number
  readonly visibilityTimeoutMs: number
  readonly maxReceives: number
  readonly maxReceiveBatch: number
  private readonly st: QueueStatements
  private readonly sender: Sender
  private readonly delivery: Delivery

  constructor(
    readonly db: Database,
    options: StoreOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES
    this.maxReceiveBatch = options.maxReceiveBatch ?? DEFAULT_MAX_RECEIVE_BATCH
    this.st = prepareStatements(db)
    this.sender = new Sender(db, this.st, this.now, options.newMessageIdHigh ?? randomMessageIdHigh)
    this.delivery = new Delivery(db, this.st, this)
  }

  /** Creates a queue with a fresh id (a re-created name gets a new id). */
  createQueue(name: string): StoreResult<QueueInfo> {
    const problem = queueNameProblem(name)
    if (problem !== undefined) return fail(QueueErr.InvalidName, problem)
    return this.db
      .transaction((): StoreResult<QueueInfo> => {
        if (this.st.queueByName.get(name) !== undefined) {
          return fail(QueueErr.AlreadyExists, `queue ${JSON.stringify(name)} already exists`)
        }
        const id = newQueueId()
        const createdMs = this.now()
        const key = this.st.insertQueue
          .pluck()
          .get(signed(id.high), signed(id.low), name, createdMs) as bigint
        return ok({ key: Number(key), id, name, createdMs })
      })
      .immediate()
  }

  locate(name: string): StoreResult<QueueInfo> {
    const problem = queueNameProblem(name)
    if (problem !== undefined) return fail(QueueErr.InvalidName, problem)
    const row = this.st.queueByName.get(name) as QueueRow | undefined
    if (row === undefined) return fail(QueueErr.NotFound, `no queue named ${JSON.stringify(name)}`)
    return ok(toQueueInfo(row))
  }

  queueById(id: QueueId): QueueInfo | undefined {
    const row = this.st.queueById.get(signed(id.high), signed(id.low)) as QueueRow | undefined
    return row === undefined ? undefined : toQueueInfo(row)
  }

  /** The key of the queue with this id, if there is one (the hot paths' existence check). */
  private queueKey(id: QueueId): number | undefined {
    return this.st.queueKeyById.get(signed(id.high), signed(id.low)) as number | undefined
  }

  queueByKey(key: number): QueueInfo | undefined {
    const row = this.st.queueByKey.get(key) as QueueRow | undefined
    return row === undefined ? undefined : toQueueInfo(row)
  }

  listQueues(): QueueInfo[] {
    return (this.st.allQueues.all() as QueueRow[]).map(toQueueInfo)
  }

  /** Deletes the queue and all its messages. */
  deleteQueue(id: QueueId): StoreResult<QueueInfo> {
    return this.db
      .transaction((): StoreResult<QueueInfo> => {
        const queue = this.queueById(id)
        if (queue === undefined) return notFound(id)
        this.st.deleteQueueMessages.run(queue.key)
        this.st.deleteQueue.run(queue.key)
        return ok(queue)
      })
      .immediate()
  }

  /** Messages not done and not dead-lettered (ready or in flight). */
  length(id: QueueId): StoreResult<number> {
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    return ok(Number(this.st.length.get(key) as bigint))
  }

  /** Adds the messages in one transaction: all are stored, or (on any error) none. */
  send(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    return this.sender.send(id, messages)
  }

  /**
   * Delivers up to `limit` visible messages, oldest first, and hides them for the visibility
   * timeout. A message already delivered maxReceives times is dead-lettered instead. The
   * returned records carry the count and time of the delivery *before* this one.
   */
  receive(id: QueueId, limit: number): StoreResult<StoredMessage[]> {
    return this.delivery.receive(id, limit)
  }

  /**
   * Marks messages done in one transaction. Already-done messages are accepted; ids that are
   * not messages of this queue come back as `unmodified`.
   */
  markDone(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]> {
    return this.delivery.markDone(id, msgIds)
  }

  /** markDone(done), then receive(limit), in one transaction (QueueBackend). */
  markDoneAndReceive(
    id: QueueId,
    done: readonly QueueMsgId[],
    limit: number,
  ): StoreResult<DoneThenReceived> {
    return this.delivery.markDoneAndReceive(id, done, limit)
  }

  /** Moves the queue's dead letters back to ready with a fresh receive count. */
  redrive(id: QueueId): StoreResult<number> {
    return this.db
      .transaction((): StoreResult<number> => {
        const queue = this.queueById(id)
        if (queue === undefined) return notFound(id)
        return ok(this.st.redrive.run(this.now(), queue.key).changes)
      })
      .immediate()
  }

  /**
   * The queue's messages per state. Done messages are not indexed: counting them scans the
   * table, unless the caller passes their count (from doneCounts, one scan for all queues).
   */
  counts(queueKey: number, done?: number): QueueCounts {
    const row = this.st.liveCounts.get({ now: this.now(), key: queueKey }) as {
      ready: bigint
      in_flight: bigint
      dead: bigint
    }
    return {
      ready: Number(row.ready),
      inFlight: Number(row.in_flight),
      done: done ?? Number(this.st.doneCount.get(queueKey) as bigint),
      dead: Number(row.dead),
    }
  }

  /** The number of done messages of every queue that has some, by queue key (one scan). */
  doneCounts(): Map<number, number> {
    const rows = this.st.doneCounts.all() as [bigint, bigint][]
    return new Map(rows.map(([key, n]) => [Number(key), Number(n)]))
  }

  /** Reads messages without changing anything (no receive count, no visibility change). */
  peek(queue: QueueInfo, options: PeekOptions = {}): StoredMessage[] {
    const states = options.states ?? [MessageState.pending, MessageState.dead]
    // Without done messages the index finds them; with, the queue's rows are read in seq order.
    const peek = states.includes(MessageState.done) ? this.st.peekAny : this.st.peekLive
    const rows = peek.all(
      queue.key,
      options.afterSeq ?? 0,
      JSON.stringify(states),
      options.limit ?? 100,
    ) as MessageRow[]
    return rows.map((row) => toMessage(row, queue.id))
  }

  /** A message anywhere in the database, with its queue. */
  messageById(msgId: QueueMsgId): { queue: QueueInfo; message: StoredMessage } | undefined {
    const row = this.st.messageById.get(signed(msgId.low), signed(msgId.high)) as
      (MessageRow & { queue_key: bigint }) | undefined
    if (row === undefined) return undefined
    const queue = this.queueByKey(Number(row.queue_key))
    if (queue === undefined) return undefined
    return { queue, message: toMessage(row, queue.id) }
  }

  deleteMessage(msgId: QueueMsgId): boolean {
    return this.st.deleteMessage.run(signed(msgId.low), signed(msgId.high)).changes > 0
  }

  /** Deletes the queue's ready messages (pending and visible, not in flight); how many. */
  purgeReady(queue: QueueInfo): number {
    return this.st.purgeReady.run(queue.key, this.now()).changes
  }

  /** Deletes the queue's messages (all, or those in one state); returns how many. */
  purge(queue: QueueInfo, state?: MessageState): number {
    const result =
      state === undefined
        ? this.st.purgeAll.run(queue.key)
        : this.st.purgeState.run(queue.key, state)
    return result.changes
  }

  /**
   * Sweeps this connection's acknowledgements not yet swept (schema.ts, ACKED), then closes. If
   * the sweep cannot take the write lock, the messages stay done all the same, and the first
   * receive that meets them visible again sweeps them.
   */
  close(): void {
    if (!this.db.open) return
    try {
      // Only a connection that acknowledged something writes here (not the inspector's).
      if (this.delivery.unsweptCount > 0) {
        this.db.transaction(() => this.delivery.sweepAcked()).immediate()
      }
    } finally {
      this.db.close()
    }
  }
}
