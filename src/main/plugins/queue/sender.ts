import type { Database, Transaction } from 'better-sqlite3'
import { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { formatId } from '../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import { fail, ok } from './backend'
import type { AnyBytes, OutgoingMessage, StoreResult } from './backend'
import { messageRow, signed } from './rows'
import { INSERT_CHUNK } from './statements'
import type { QueueStatements } from './statements'

/** A chunk's insert found an id's low half taken (thrown to undo the chunk's savepoint). */
class IdTaken extends Error {}

export function notFound<T>(id: QueueId): StoreResult<T> {
  return fail(QueueErr.NotFound, `no queue with id ${formatId(id)}`)
}

/** `send`: new messages with fresh time-ordered ids, all of a call or none. */
export class Sender {
  private readonly sendTx: Transaction<
    (id: QueueId, messages: readonly OutgoingMessage[]) => StoreResult<QueueMsgId[]>
  >
  private readonly insertChunkTx: Transaction<
    (
      key: number,
      now: number,
      chunk: readonly OutgoingMessage[],
      ids: readonly QueueMsgId[],
    ) => void
  >

  constructor(
    db: Database,
    private readonly st: QueueStatements,
    private readonly now: () => number,
    private readonly newMessageId: () => QueueMsgId,
  ) {
    // Built once: better-sqlite3 transaction wrappers are not free to create on every call.
    this.sendTx = db.transaction((id: QueueId, messages: readonly OutgoingMessage[]) =>
      this.sendInTx(id, messages),
    )
    // Called inside send's transaction, so better-sqlite3 runs it as a savepoint.
    this.insertChunkTx = db.transaction(
      (key: number, now: number, chunk: readonly OutgoingMessage[], ids: readonly QueueMsgId[]) =>
        this.insertChunkInTx(key, now, chunk, ids),
    )
  }

  send(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    for (const [i, m] of messages.entries()) {
      if (m.payload === undefined) {
        return fail(QueueErr.NoPayload, `message ${i} sent to ${formatId(id)} has no payload`)
      }
    }
    if (messages.length === 1) return this.sendOne(id, messages[0] as OutgoingMessage)
    return this.sendTx.immediate(id, messages)
  }

  /**
   * One message: one statement that finds the queue and inserts, committed on its own (an
   * autocommit write statement takes the write lock before it reads, like BEGIN IMMEDIATE, and
   * is atomic), so no BEGIN and COMMIT round trips.
   */
  private sendOne(id: QueueId, m: OutgoingMessage): StoreResult<QueueMsgId[]> {
    const high = signed(id.high)
    const low = signed(id.low)
    const now = this.now()
    for (;;) {
      const msgId = this.newMessageId()
      const payload = m.payload as AnyBytes
      const inserted = this.st.sendOne.run(
        signed(msgId.high),
        signed(msgId.low),
        now,
        now,
        m.sender?.typeUrl ?? null,
        m.sender?.value ?? null,
        payload.typeUrl,
        payload.value,
        high,
        low,
      )
      if (inserted.changes > 0) return ok([msgId])
      // No row: no such queue, or (odds about n / 2^64) the id's low half is taken: redraw.
      if (this.st.queueKeyById.get(high, low) === undefined) return notFound(id)
    }
  }

  private sendInTx(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    const key = this.st.queueKeyById.get(signed(id.high), signed(id.low)) as number | undefined
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
        this.insertChunkTx(key, now, chunk, chunkIds)
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
}
