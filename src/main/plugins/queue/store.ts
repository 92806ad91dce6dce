import type { Database, Statement, Transaction } from 'better-sqlite3'
import { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { randomFillSync } from 'node:crypto'
import { formatId, fromRaw, HIGH_DATA_MASK, newQueueId } from '../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import { MessageState } from './schema'

export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RECEIVES = 5
export const DEFAULT_MAX_RECEIVE_BATCH = 100

/** The reference's rule, kept: a letter, then letters, digits, '_', '-' or '.'. */
const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_\-.]*$/
const MAX_NAME_LENGTH = 200

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

export type StoreResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: QueueErr; readonly error: string }

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

interface MessageRow {
  seq: bigint
  id_high: bigint
  id_low: bigint
  state: bigint
  visible_at_ms: bigint
  receive_count: bigint
  last_received_ms: bigint | null
  sent_ms: bigint
  done_ms: bigint | null
  dead_ms: bigint | null
  sender_type: string | null
  sender: Uint8Array | null
  payload_type: string
  payload: Uint8Array
}

/** A MessageRow as an array, in MESSAGE_COLUMNS order (the receive query's raw mode). */
type RawMessageRow = [
  seq: bigint,
  id_high: bigint,
  id_low: bigint,
  state: bigint,
  visible_at_ms: bigint,
  receive_count: bigint,
  last_received_ms: bigint | null,
  sent_ms: bigint,
  done_ms: bigint | null,
  dead_ms: bigint | null,
  sender_type: string | null,
  sender: Uint8Array | null,
  payload_type: string,
  payload: Uint8Array,
]

interface QueueRow {
  key: bigint
  id_high: bigint
  id_low: bigint
  name: string
  created_ms: bigint
}

const MESSAGE_COLUMNS = `seq, id_high, id_low, state, visible_at_ms, receive_count, last_received_ms,
  sent_ms, done_ms, dead_ms, sender_type, sender, payload_type, payload`

const signed = (u: bigint): bigint => BigInt.asIntN(64, u)
const unsigned = (s: bigint): bigint => BigInt.asUintN(64, s)
const optNumber = (v: bigint | null): number | undefined => (v === null ? undefined : Number(v))

// Message ids (docs/queue.md section 3): `high` is the kind letter and 56 crypto-random bits,
// `low` is time-ordered: the store clock's millisecond in bits 21..62 (bit 63 stays clear until
// the year 2109, so the signed value SQLite stores orders the same way) and a 21-bit sequence
// within that millisecond. New ids therefore land at the end of the UNIQUE id_low index (an
// append, not a write into a random page), which is most of what a batched send commits.
const SEQUENCE_BITS = 21n
const SEQUENCE_LIMIT = 1 << 21
const QUEUE_MSG_LETTER = fromRaw('queueMsg', { high: 0n, low: 1n }).high
// One getRandomValues call per id costs more than the SQLite insert it feeds; draw the random
// halves from a pool refilled from the same crypto source.
const ID_POOL = new BigUint64Array(512)
let idPoolNext = ID_POOL.length

function randomHigh(): bigint {
  if (idPoolNext >= ID_POOL.length) {
    randomFillSync(ID_POOL)
    idPoolNext = 0
  }
  return ID_POOL[idPoolNext++] ?? 0n
}

/**
 * Time-ordered message ids: strictly increasing for one generator (a clock that steps back is
 * ignored; more than 2^21 ids in one millisecond borrow the next one). Generators in other
 * workers start each millisecond's sequence at a random point, so two of them rarely pick the
 * same low half; when they do, the insert finds it taken and `send` draws the next id.
 */
export function timeOrderedIds(now: () => number): () => QueueMsgId {
  let lastMs = -1
  let sequence = 0
  return () => {
    const ms = Math.max(Math.trunc(now()), 0)
    if (ms > lastMs) {
      lastMs = ms
      sequence = Math.floor(Math.random() * (SEQUENCE_LIMIT / 2))
    } else if (++sequence >= SEQUENCE_LIMIT) {
      lastMs++
      sequence = 0
    }
    const low = (BigInt(lastMs) << SEQUENCE_BITS) | BigInt(sequence)
    // Built as fromRaw builds it, without its range checks (which cost more than the insert):
    // both halves are in range by construction.
    return Object.freeze({
      kind: 'queueMsg' as const,
      high: QUEUE_MSG_LETTER | (randomHigh() & HIGH_DATA_MASK),
      low,
    })
  }
}

/** Rows per multi-row INSERT of a batched send (9 parameters each, far below SQLite's limit). */
const INSERT_CHUNK = 50

/** A chunk's insert found an id's low half taken (thrown to undo the chunk's savepoint). */
class IdTaken extends Error {}

function fail<T>(code: QueueErr, error: string): StoreResult<T> {
  return { ok: false, code, error }
}

function ok<T>(value: T): StoreResult<T> {
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

/**
 * All SQL of the queue plugin, over one better-sqlite3 connection. Every write runs in an
 * IMMEDIATE transaction: other guest workers hold their own connections to the same file, and a
 * deferred read-then-write transaction could fail to upgrade its lock instead of waiting.
 */
export class QueueStore {
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

  private readonly st: {
    queueById: Statement
    queueKeyById: Statement
    queueByName: Statement
    queueByKey: Statement
    allQueues: Statement
    insertQueue: Statement
    deleteQueueMessages: Statement
    deleteQueue: Statement
    length: Statement
    insertMessage: Statement
    insertChunk: Statement
    deliver: Statement
    kill: Statement
    markDone: Statement
    messageExists: Statement
    redrive: Statement
    counts: Statement
    peek: Statement
    messageById: Statement
    deleteMessage: Statement
    purgeAll: Statement
    purgeState: Statement
    purgeReady: Statement
  }

  constructor(
    readonly db: Database,
    options: StoreOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS
    this.maxReceives = options.maxReceives ?? DEFAULT_MAX_RECEIVES
    this.maxReceiveBatch = options.maxReceiveBatch ?? DEFAULT_MAX_RECEIVE_BATCH
    this.newMessageId = options.newMessageId ?? timeOrderedIds(this.now)
    const q = (sql: string): Statement => db.prepare(sql).safeIntegers(true)
    const queueCols = 'key, id_high, id_low, name, created_ms'
    this.st = {
      queueById: q(`SELECT ${queueCols} FROM queue WHERE id_high = ? AND id_low = ?`),
      // The hot paths need only the key (a small rowid): no BigInt conversion.
      queueKeyById: db.prepare('SELECT key FROM queue WHERE id_high = ? AND id_low = ?').pluck(),
      queueByName: q(`SELECT ${queueCols} FROM queue WHERE name = ?`),
      queueByKey: q(`SELECT ${queueCols} FROM queue WHERE key = ?`),
      allQueues: q(`SELECT ${queueCols} FROM queue ORDER BY name`),
      insertQueue: q(
        `INSERT INTO queue (id_high, id_low, name, created_ms) VALUES (?, ?, ?, ?) RETURNING key`,
      ),
      deleteQueueMessages: q('DELETE FROM message WHERE queue_key = ?'),
      deleteQueue: q('DELETE FROM queue WHERE key = ?'),
      length: q('SELECT count(*) FROM message WHERE queue_key = ? AND state = 0').pluck(),
      insertMessage: q(
        `INSERT INTO message (id_high, id_low, queue_key, state, visible_at_ms, sent_ms,
           sender_type, sender, payload_type, payload) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id_low) DO NOTHING`,
      ),
      insertChunk: q(
        `INSERT INTO message (id_high, id_low, queue_key, state, visible_at_ms, sent_ms,
           sender_type, sender, payload_type, payload) VALUES
         ${Array.from({ length: INSERT_CHUNK }, () => '(?, ?, ?, 0, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (id_low) DO NOTHING`,
      ),
      deliver: q(
        `UPDATE message SET visible_at_ms = ?, receive_count = receive_count + 1,
           last_received_ms = ? WHERE seq = ?`,
      ),
      kill: q('UPDATE message SET state = 2, dead_ms = ? WHERE seq = ?'),
      markDone: q(
        `UPDATE message SET state = 1, done_ms = ?
         WHERE id_high = ? AND id_low = ? AND queue_key = ? AND state <> 1`,
      ),
      messageExists: q(
        'SELECT 1 FROM message WHERE id_high = ? AND id_low = ? AND queue_key = ?',
      ).pluck(),
      redrive: q(
        `UPDATE message SET state = 0, visible_at_ms = ?, receive_count = 0, dead_ms = NULL
         WHERE queue_key = ? AND state = 2`,
      ),
      counts: q(
        `SELECT
           coalesce(sum(state = 0 AND visible_at_ms <= @now), 0) AS ready,
           coalesce(sum(state = 0 AND visible_at_ms > @now), 0) AS in_flight,
           coalesce(sum(state = 1), 0) AS done,
           coalesce(sum(state = 2), 0) AS dead
         FROM message WHERE queue_key = @key`,
      ),
      peek: q(
        `SELECT ${MESSAGE_COLUMNS} FROM message
         WHERE queue_key = ? AND seq > ? AND state IN (SELECT value FROM json_each(?))
         ORDER BY seq LIMIT ?`,
      ),
      messageById: q(
        `SELECT ${MESSAGE_COLUMNS}, queue_key FROM message WHERE id_high = ? AND id_low = ?`,
      ),
      deleteMessage: q('DELETE FROM message WHERE id_high = ? AND id_low = ?'),
      purgeAll: q('DELETE FROM message WHERE queue_key = ?'),
      purgeState: q('DELETE FROM message WHERE queue_key = ? AND state = ?'),
      // Ready = pending and visible; a message in flight stays with its consumer.
      purgeReady: q('DELETE FROM message WHERE queue_key = ? AND state = 0 AND visible_at_ms <= ?'),
    }
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

  /**
   * The oldest visible pending messages of a queue, at most `limit`. The limit is part of the SQL
   * text, not a parameter: SQLite's planner takes a bound LIMIT into account, so re-binding it
   * expires the statement and every call re-prepared it (a parse and plan, about 12 us here).
   */
  private visibleStatement(limit: number): Statement {
    let statement = this.visibleByLimit.get(limit)
    if (statement === undefined) {
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`bad limit ${limit}`)
      statement = this.db
        .prepare(
          `SELECT ${MESSAGE_COLUMNS} FROM message
           WHERE queue_key = ? AND state = 0 AND visible_at_ms <= ? ORDER BY seq LIMIT ${limit}`,
        )
        .safeIntegers(true)
        // Arrays, not objects: building a 14-key object per row costs more than the query.
        .raw(true)
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

function toQueueInfo(row: QueueRow): QueueInfo {
  return {
    key: Number(row.key),
    id: fromRaw('queue', { high: unsigned(row.id_high), low: unsigned(row.id_low) }),
    name: row.name,
    createdMs: Number(row.created_ms),
  }
}

function toMessage(row: MessageRow, queueId: QueueId): StoredMessage {
  return {
    seq: Number(row.seq),
    queueId,
    msgId: fromRaw('queueMsg', { high: unsigned(row.id_high), low: unsigned(row.id_low) }),
    state: Number(row.state) as MessageState,
    receiveCount: Number(row.receive_count),
    lastReceivedMs: optNumber(row.last_received_ms),
    sentMs: Number(row.sent_ms),
    visibleAtMs: Number(row.visible_at_ms),
    doneMs: optNumber(row.done_ms),
    deadMs: optNumber(row.dead_ms),
    sender:
      row.sender_type === null
        ? undefined
        : { typeUrl: row.sender_type, value: row.sender ?? new Uint8Array(0) },
    payload: { typeUrl: row.payload_type, value: row.payload },
  }
}

function rawToMessage(row: RawMessageRow, queueId: QueueId): StoredMessage {
  const senderType = row[10]
  return {
    seq: Number(row[0]),
    queueId,
    msgId: fromRaw('queueMsg', { high: unsigned(row[1]), low: unsigned(row[2]) }),
    state: Number(row[3]) as MessageState,
    receiveCount: Number(row[5]),
    lastReceivedMs: optNumber(row[6]),
    sentMs: Number(row[7]),
    visibleAtMs: Number(row[4]),
    doneMs: optNumber(row[8]),
    deadMs: optNumber(row[9]),
    sender:
      senderType === null
        ? undefined
        : { typeUrl: senderType, value: row[11] ?? new Uint8Array(0) },
    payload: { typeUrl: row[12], value: row[13] },
  }
}

/** The bound values of one message row, in the column order of the insert statements. */
function messageRow(key: number, now: number, m: OutgoingMessage, msgId: QueueMsgId): unknown[] {
  const payload = m.payload as AnyBytes
  return [
    signed(msgId.high),
    signed(msgId.low),
    key,
    now,
    now,
    m.sender?.typeUrl ?? null,
    m.sender?.value ?? null,
    payload.typeUrl,
    payload.value,
  ]
}
