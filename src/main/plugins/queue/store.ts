import type { Database, Statement, Transaction } from 'better-sqlite3'
import { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { formatId, newQueueId } from '../../../shared/id'
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
  OutgoingMessage,
  QueueBackend,
  QueueInfo,
  StoredMessage,
  StoreResult,
} from './backend'
import { timeOrderedIds } from './message-ids'
import { messageRow, rawToMessage, signed, toMessage, toQueueInfo } from './rows'
import type { MessageRow, QueueRow, RawMessageRow } from './rows'
import { MessageState } from './schema'
import { INSERT_CHUNK, prepareStatements, prepareVisible } from './statements'
import type { QueueStatements } from './statements'

export {
  DEFAULT_MAX_RECEIVE_BATCH,
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  queueNameProblem,
} from './backend'
export type {
  AnyBytes,
  OutgoingMessage,
  QueueBackend,
  QueueInfo,
  StoredMessage,
  StoreResult,
} from './backend'
export { timeOrderedIds } from './message-ids'

export interface StoreOptions {
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly now?: () => number
  /** How long a received, unacknowledged message stays invisible. */
  readonly visibilityTimeoutMs?: number
  /** Deliveries after which an unacknowledged message is dead-lettered instead. */
  readonly maxReceives?: number
  /** Upper bound on one receive's batch, whatever the caller asks for. */
  readonly maxReceiveBatch?: number
  /** Message id source (tests inject collisions); default: time-ordered ids (timeOrderedIds). */
  readonly newMessageId?: () => QueueMsgId
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

/** A chunk's insert found an id's low half taken (thrown to undo the chunk's savepoint). */
class IdTaken extends Error {}

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
  private readonly newMessageId: () => QueueMsgId

  // Built once: better-sqlite3 transaction wrappers are not free to create on every call.
  private readonly tx: {
    send: Transaction<
      (id: QueueId, messages: readonly OutgoingMessage[]) => StoreResult<QueueMsgId[]>
    >
    receive: Transaction<(id: QueueId, wanted: number) => StoreResult<StoredMessage[]>>
    markDone: Transaction<(id: QueueId, msgIds: readonly QueueMsgId[]) => StoreResult<QueueMsgId[]>>
    insertChunk: Transaction<
      (
        key: number,
        now: number,
        chunk: readonly OutgoingMessage[],
        ids: readonly QueueMsgId[],
      ) => void
    >
  }

  /** The receive query, one per batch size (see visibleStatement). */
  private readonly visibleByLimit = new Map<number, Statement>()

  private readonly st: QueueStatements

  constructor(
    readonly db: Database,
    options: StoreOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES
    this.maxReceiveBatch = options.maxReceiveBatch ?? DEFAULT_MAX_RECEIVE_BATCH
    this.newMessageId = options.newMessageId ?? timeOrderedIds(this.now)
    this.st = prepareStatements(db)
    this.tx = {
      send: db.transaction((id: QueueId, messages: readonly OutgoingMessage[]) =>
        this.sendInTx(id, messages),
      ),
      receive: db.transaction((id: QueueId, wanted: number) => this.receiveInTx(id, wanted)),
      markDone: db.transaction((id: QueueId, msgIds: readonly QueueMsgId[]) =>
        this.markDoneInTx(id, msgIds),
      ),
      // Called inside send's transaction, so better-sqlite3 runs it as a savepoint.
      insertChunk: db.transaction(
        (key: number, now: number, chunk: readonly OutgoingMessage[], ids: readonly QueueMsgId[]) =>
          this.insertChunkInTx(key, now, chunk, ids),
      ),
    }
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
    for (const [i, m] of messages.entries()) {
      if (m.payload === undefined) {
        return fail(QueueErr.NoPayload, `message ${i} sent to ${formatId(id)} has no payload`)
      }
    }
    return this.tx.send.immediate(id, messages)
  }

  private sendInTx(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    const now = this.now()
    const ids: QueueMsgId[] = []
    let next = 0
    // Whole chunks in one multi-row INSERT each (a statement per row costs more than the row);
    // a chunk where an id's low half was taken is undone and sent row by row instead.
    while (messages.length - next >= INSERT_CHUNK) {
      const chunk = messages.slice(next, next + INSERT_CHUNK)
      const chunkIds = chunk.map(() => this.newMessageId())
      try {
        this.tx.insertChunk(key, now, chunk, chunkIds)
        ids.push(...chunkIds)
      } catch (err) {
        if (!(err instanceof IdTaken)) throw err
        for (const m of chunk) ids.push(this.insertOne(key, now, m))
      }
      next += INSERT_CHUNK
    }
    for (; next < messages.length; next++) {
      ids.push(this.insertOne(key, now, messages[next] as OutgoingMessage))
    }
    return ok(ids)
  }

  /** Inserts one message; a fresh id whose low half is taken is redrawn. */
  private insertOne(key: number, now: number, m: OutgoingMessage): QueueMsgId {
    for (;;) {
      const msgId = this.newMessageId()
      const inserted = this.st.insertMessage.run(...messageRow(key, now, m, msgId))
      // No row: another message already has this low half (odds about n / 2^64). Redraw.
      if (inserted.changes > 0) return msgId
    }
  }

  /** Inside a savepoint: INSERT_CHUNK messages in one statement, or IdTaken (and undone). */
  private insertChunkInTx(
    key: number,
    now: number,
    chunk: readonly OutgoingMessage[],
    chunkIds: readonly QueueMsgId[],
  ): void {
    const values: unknown[] = []
    for (let i = 0; i < chunk.length; i++) {
      values.push(...messageRow(key, now, chunk[i] as OutgoingMessage, chunkIds[i] as QueueMsgId))
    }
    if (this.st.insertChunk.run(...values).changes !== chunk.length) throw new IdTaken()
  }

  /**
   * Delivers up to `limit` visible messages, oldest first, and hides them for the visibility
   * timeout. A message already delivered maxReceives times is dead-lettered instead. The
   * returned records carry the count and time of the delivery *before* this one.
   */
  receive(id: QueueId, limit: number): StoreResult<StoredMessage[]> {
    const wanted = Math.max(1, Math.min(Math.trunc(limit) || 1, this.maxReceiveBatch))
    return this.tx.receive.immediate(id, wanted)
  }

  private receiveInTx(id: QueueId, wanted: number): StoreResult<StoredMessage[]> {
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    const now = this.now()
    const hiddenUntil = now + this.visibilityTimeoutMs
    const out: StoredMessage[] = []
    for (;;) {
      const need = wanted - out.length
      const rows = this.visibleStatement(need).all(key, now) as RawMessageRow[]
      let killed = 0
      for (const row of rows) {
        const seq = row[0]
        if (Number(row[5]) >= this.maxReceives) {
          this.st.kill.run(now, seq)
          killed++
          continue
        }
        this.st.deliver.run(hiddenUntil, now, seq)
        out.push(rawToMessage(row, id))
      }
      // Dead-lettered rows left gaps in the batch; look further down the queue.
      if (killed === 0 || rows.length < need) break
    }
    return ok(out)
  }

  /** The receive query for this batch size, prepared on first use (see prepareVisible). */
  private visibleStatement(limit: number): Statement {
    let statement = this.visibleByLimit.get(limit)
    if (statement === undefined) {
      statement = prepareVisible(this.db, limit)
      this.visibleByLimit.set(limit, statement)
    }
    return statement
  }

  /**
   * Marks messages done in one transaction. Already-done messages are accepted; ids that are
   * not messages of this queue come back as `unmodified`.
   */
  markDone(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]> {
    return this.tx.markDone.immediate(id, msgIds)
  }

  private markDoneInTx(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]> {
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    const now = this.now()
    const unmodified: QueueMsgId[] = []
    for (const msgId of msgIds) {
      const h = signed(msgId.high)
      const l = signed(msgId.low)
      if (this.st.markDone.run(now, h, l, key).changes > 0) continue
      if (this.st.messageExists.get(h, l, key) === undefined) unmodified.push(msgId)
    }
    return ok(unmodified)
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

  counts(queueKey: number): QueueCounts {
    const row = this.st.counts.get({ now: this.now(), key: queueKey }) as {
      ready: bigint
      in_flight: bigint
      done: bigint
      dead: bigint
    }
    return {
      ready: Number(row.ready),
      inFlight: Number(row.in_flight),
      done: Number(row.done),
      dead: Number(row.dead),
    }
  }

  /** Reads messages without changing anything (no receive count, no visibility change). */
  peek(queue: QueueInfo, options: PeekOptions = {}): StoredMessage[] {
    const states = options.states ?? [MessageState.pending, MessageState.dead]
    const rows = this.st.peek.all(
      queue.key,
      options.afterSeq ?? 0,
      JSON.stringify(states),
      options.limit ?? 100,
    ) as MessageRow[]
    return rows.map((row) => toMessage(row, queue.id))
  }

  /** A message anywhere in the database, with its queue. */
  messageById(msgId: QueueMsgId): { queue: QueueInfo; message: StoredMessage } | undefined {
    const row = this.st.messageById.get(signed(msgId.high), signed(msgId.low)) as
      (MessageRow & { queue_key: bigint }) | undefined
    if (row === undefined) return undefined
    const queue = this.queueByKey(Number(row.queue_key))
    if (queue === undefined) return undefined
    return { queue, message: toMessage(row, queue.id) }
  }

  deleteMessage(msgId: QueueMsgId): boolean {
    return this.st.deleteMessage.run(signed(msgId.high), signed(msgId.low)).changes > 0
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

  close(): void {
    if (this.db.open) this.db.close()
  }
}

function notFound<T>(id: QueueId): StoreResult<T> {
  return fail(QueueErr.NotFound, `no queue with id ${formatId(id)}`)
}
