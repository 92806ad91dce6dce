import { fromBinary, toJson } from '@bufbuild/protobuf'
import type { JsonValue, Registry } from '@bufbuild/protobuf'
import { formatId } from '../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import { MessageState, openQueueDatabase } from './schema'
import type { SynchronousMode } from './schema'
import { QueueStore } from './store'
import type { AnyBytes, QueueCounts, QueueInfo, StoredMessage } from './store'

export type MessageStateName = 'ready' | 'in-flight' | 'done' | 'dead'

export interface QueueSummary extends QueueCounts {
  readonly id: QueueId
  readonly name: string
  readonly createdMs: number
}

/** An `Any` rendered for people: JSON when its type is registered, hex otherwise. */
export interface DecodedAny {
  readonly typeUrl: string
  readonly typeName: string
  /** The message as protobuf JSON, when the type is in the registry and the bytes decode. */
  readonly json?: JsonValue
  /** The raw bytes in hex, when they could not be decoded. */
  readonly hex?: string
  /** Why decoding failed (unknown type, or bytes that are not that type). */
  readonly problem?: string
}

export interface InspectedMessage {
  readonly seq: number
  readonly msgId: QueueMsgId
  readonly state: MessageStateName
  readonly receiveCount: number
  readonly lastReceivedMs: number | undefined
  readonly sentMs: number
  /** For an in-flight message, when it becomes visible again. */
  readonly visibleAtMs: number
  readonly doneMs: number | undefined
  readonly deadMs: number | undefined
  readonly sender: DecodedAny | undefined
  readonly payload: DecodedAny
}

export type InspectorEvent =
  | {
      readonly kind: 'message-deleted'
      readonly queue: string
      readonly queueId: QueueId
      readonly msgId: QueueMsgId
    }
  | {
      readonly kind: 'queue-purged'
      readonly queue: string
      readonly queueId: QueueId
      /** The state purged, or undefined for every message. */
      readonly state: MessageStateName | undefined
      readonly removed: number
    }
  | {
      readonly kind: 'message-sent'
      readonly queue: string
      readonly queueId: QueueId
      readonly msgId: QueueMsgId
    }
  | {
      readonly kind: 'dead-letters-redriven'
      readonly queue: string
      readonly queueId: QueueId
      readonly moved: number
    }

export interface InspectorOptions {
  /** Message types that payloads and senders are decoded with. */
  readonly registry?: Registry
  /** Receives every change the inspector makes. */
  readonly onEvent?: (event: InspectorEvent) => void
  readonly now?: () => number
  readonly synchronous?: SynchronousMode
  readonly busyTimeoutMs?: number
}

export interface InspectorPeekOptions {
  /** Default: ready, in-flight and dead (not done). */
  readonly states?: readonly MessageStateName[]
  /** Paging: only messages after this sequence number. */
  readonly afterSeq?: number
  /** Default 100. */
  readonly limit?: number
}

export class InspectorError extends Error {
  override readonly name = 'InspectorError'
}

const STORED_STATE: Record<MessageStateName, MessageState> = {
  ready: MessageState.pending,
  'in-flight': MessageState.pending,
  done: MessageState.done,
  dead: MessageState.dead,
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * The host-side view of the queue database for the Studio and the CLI, on its own connection.
 * Reading (list, peek, search) never changes a message; each change (delete, purge, redrive) is
 * published to `onEvent`.
 */
export class QueueInspector {
  private readonly store: QueueStore
  private readonly registry: Registry | undefined
  private readonly onEvent: ((event: InspectorEvent) => void) | undefined

  constructor(store: QueueStore, options: InspectorOptions = {}) {
    this.store = store
    this.registry = options.registry
    this.onEvent = options.onEvent
  }

  /** Opens `path` (the deployment's queues.sqlite) on a connection of its own. */
  static open(path: string, options: InspectorOptions = {}): QueueInspector {
    const db = openQueueDatabase(path, {
      synchronous: options.synchronous ?? 'NORMAL',
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    })
    return new QueueInspector(new QueueStore(db, { now: options.now }), options)
  }

  listQueues(): QueueSummary[] {
    // Done messages are not indexed (docs/queue.md section 3): count them in one scan for all.
    const done = this.store.doneCounts()
    return this.store.listQueues().map((q) => ({
      id: q.id,
      name: q.name,
      createdMs: q.createdMs,
      ...this.store.counts(q.key, done.get(q.key) ?? 0),
    }))
  }

  /** Messages in send order, without touching receive counts or visibility. */
  peek(queueName: string, options: InspectorPeekOptions = {}): InspectedMessage[] {
    const queue = this.queue(queueName)
    const wanted = new Set<MessageStateName>(options.states ?? ['ready', 'in-flight', 'dead'])
    const limit = options.limit ?? 100
    const out: InspectedMessage[] = []
    let afterSeq = options.afterSeq ?? 0
    // ready and in-flight share a stored state, so filter in pages until the limit is met.
    const stored = [...new Set([...wanted].map((s) => STORED_STATE[s]))]
    for (;;) {
      const page = this.store.peek(queue, { states: stored, afterSeq, limit })
      for (const m of page) {
        const view = this.view(m)
        if (wanted.has(view.state)) out.push(view)
        if (out.length === limit) return out
      }
      const last = page.at(-1)
      if (page.length < limit || last === undefined) return out
      afterSeq = last.seq
    }
  }

  /**
   * Messages of the queue (any state) whose decoded payload or sender text, type name or id
   * contains `text` (case-insensitive), or satisfies `text` when it is a matcher (the Studio
   * passes a linear-time RE2 matcher). Scans the queue; meant for people, not hot paths.
   */
  search(
    queueName: string,
    text: string | ((candidate: string) => boolean),
    limit = 100,
  ): InspectedMessage[] {
    return this.searchWithin(queueName, text, limit).messages
  }

  /** Like search, stopping after `budgetMs` of scanning; `incomplete` says it stopped early. */
  searchWithin(
    queueName: string,
    text: string | ((candidate: string) => boolean),
    limit = 100,
    budgetMs = Infinity,
  ): { messages: InspectedMessage[]; incomplete: boolean } {
    const deadline = performance.now() + budgetMs
    const queue = this.queue(queueName)
    const needle = typeof text === 'string' ? text.toLowerCase() : ''
    const matches =
      typeof text === 'string'
        ? (candidate: string): boolean => candidate.toLowerCase().includes(needle)
        : text
    const out: InspectedMessage[] = []
    let afterSeq = 0
    const all = [MessageState.pending, MessageState.done, MessageState.dead]
    for (;;) {
      const page = this.store.peek(queue, { states: all, afterSeq, limit: 100 })
      for (const m of page) {
        const view = this.view(m)
        if (matches(searchText(view))) out.push(view)
        if (out.length === limit) return { messages: out, incomplete: false }
      }
      const last = page.at(-1)
      if (page.length < 100 || last === undefined) return { messages: out, incomplete: false }
      if (performance.now() > deadline) return { messages: out, incomplete: true }
      afterSeq = last.seq
    }
  }

  /** Decodes an `Any` by its type URL with the registry; unknown types fall back to hex. */
  decode(any: AnyBytes): DecodedAny {
    return decodeAny(any, this.registry)
  }

  deleteMessage(msgId: QueueMsgId): boolean {
    const found = this.store.messageById(msgId)
    if (found === undefined) return false
    if (!this.store.deleteMessage(msgId)) return false
    this.onEvent?.({
      kind: 'message-deleted',
      queue: found.queue.name,
      queueId: found.queue.id,
      msgId,
    })
    return true
  }

  /**
   * Deletes every message of the queue, or those in one state (ready: pending and visible, so
   * messages in flight stay with their consumer); the queue itself stays.
   */
  purge(queueName: string, state?: Exclude<MessageStateName, 'in-flight'>): number {
    const queue = this.queue(queueName)
    const removed =
      state === 'ready'
        ? this.store.purgeReady(queue)
        : this.store.purge(queue, state === undefined ? undefined : STORED_STATE[state])
    this.onEvent?.({ kind: 'queue-purged', queue: queue.name, queueId: queue.id, state, removed })
    return removed
  }

  /** Puts one message (already encoded, with its type URL) on the queue; answers its id. */
  send(queueName: string, payload: { typeUrl: string; value: Uint8Array }): QueueMsgId {
    const queue = this.queue(queueName)
    const result = this.store.send(queue.id, [{ payload }])
    if (!result.ok) throw new InspectorError(result.error)
    const msgId = result.value[0] as QueueMsgId
    this.onEvent?.({ kind: 'message-sent', queue: queue.name, queueId: queue.id, msgId })
    return msgId
  }

  /** Moves the queue's dead letters back to ready (receive count reset). */
  redrive(queueName: string): number {
    const queue = this.queue(queueName)
    const result = this.store.redrive(queue.id)
    if (!result.ok) throw new InspectorError(result.error)
    this.onEvent?.({
      kind: 'dead-letters-redriven',
      queue: queue.name,
      queueId: queue.id,
      moved: result.value,
    })
    return result.value
  }

  close(): void {
    this.store.close()
  }

  private queue(name: string): QueueInfo {
    const result = this.store.locate(name)
    if (!result.ok) throw new InspectorError(`queue inspector: ${result.error}`)
    return result.value
  }

  private view(m: StoredMessage): InspectedMessage {
    const now = this.store.now()
    const state: MessageStateName =
      m.state === MessageState.done
        ? 'done'
        : m.state === MessageState.dead
          ? 'dead'
          : m.visibleAtMs > now
            ? 'in-flight'
            : 'ready'
    return {
      seq: m.seq,
      msgId: m.msgId,
      state,
      receiveCount: m.receiveCount,
      lastReceivedMs: m.lastReceivedMs,
      sentMs: m.sentMs,
      visibleAtMs: m.visibleAtMs,
      doneMs: m.doneMs,
      deadMs: m.deadMs,
      sender: m.sender === undefined ? undefined : this.decode(m.sender),
      payload: this.decode(m.payload),
    }
  }
}

/** Decodes an `Any` by its type URL with `registry`; unknown types fall back to hex. */
export function decodeAny(any: AnyBytes, registry: Registry | undefined): DecodedAny {
  const typeUrl = any.typeUrl
  const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1)
  const desc = registry?.getMessage(typeName)
  if (desc === undefined) {
    return { typeUrl, typeName, hex: hex(any.value), problem: `type ${typeName} not registered` }
  }
  try {
    const message = fromBinary(desc, any.value)
    const json = toJson(desc, message, registry ? { registry } : {})
    return { typeUrl, typeName, json }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    return { typeUrl, typeName, hex: hex(any.value), problem: `not a valid ${typeName}: ${why}` }
  }
}

/** What a search matches a message against: its id, and its payload's and sender's text. */
export function searchText(m: InspectedMessage): string {
  const part = (d: DecodedAny | undefined): string =>
    d === undefined
      ? ''
      : `${d.typeName} ${d.json === undefined ? undecodedText(d.hex ?? '') : JSON.stringify(d.json)}`
  return `${formatId(m.msgId)} ${part(m.payload)} ${part(m.sender)}`
}

/**
 * Bytes that could not be decoded are searchable both as hex and as text: payloads of an
 * unregistered type usually still carry readable strings (ids, names) people search for.
 */
function undecodedText(hexText: string): string {
  return `${hexText} ${Buffer.from(hexText, 'hex').toString('utf8')}`
}
