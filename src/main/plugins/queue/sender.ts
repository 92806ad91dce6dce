import type { Database, Transaction } from 'better-sqlite3'
import { QueueErr } from '../../../shared/gen/parigot/queue/v1/queue_pb'
import { formatId } from '../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import { fail, ok } from './backend'
import type { AnyBytes, OutgoingMessage, StoreResult } from './backend'
import { messageId } from './message-ids'
import { messageRow, signed } from './rows'
import { INSERT_CHUNK } from './statements'
import type { QueueStatements } from './statements'

export function notFound<T>(id: QueueId): StoreResult<T> {
  return fail(QueueErr.NotFound, `no queue with id ${formatId(id)}`)
}

/** `send`: new messages, their ids made of their seq and a random high half, all of a call or none. */
export class Sender {
  private readonly sendTx: Transaction<
    (id: QueueId, messages: readonly OutgoingMessage[]) => StoreResult<QueueMsgId[]>
  >

  constructor(
    db: Database,
    private readonly st: QueueStatements,
    private readonly now: () => number,
    private readonly newIdHigh: () => bigint,
  ) {
    // Built once: better-sqlite3 transaction wrappers are not free to create on every call.
    this.sendTx = db.transaction((id: QueueId, messages: readonly OutgoingMessage[]) =>
      this.sendInTx(id, messages),
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
   * is atomic), so no BEGIN and COMMIT round trips. SQLite picks the seq.
   */
  private sendOne(id: QueueId, m: OutgoingMessage): StoreResult<QueueMsgId[]> {
    const now = this.now()
    const high = this.newIdHigh()
    const payload = m.payload as AnyBytes
    const inserted = this.st.sendOne.run(
      signed(high),
      now,
      now,
      m.sender?.typeUrl ?? null,
      m.sender?.value ?? null,
      payload.typeUrl,
      payload.value,
      signed(id.high),
      signed(id.low),
    )
    if (inserted.changes === 0) return notFound(id)
    return ok([messageId(high, BigInt(inserted.lastInsertRowid))])
  }

  /**
   * Several messages: the transaction holds the write lock, so the seqs after the largest are
   * free and the batch takes them in order, whole chunks in one multi-row INSERT each (a
   * statement per row costs more than the row).
   */
  private sendInTx(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    const key = this.st.queueKeyById.get(signed(id.high), signed(id.low)) as number | undefined
    if (key === undefined) return notFound(id)
    const now = this.now()
    let seq = (this.st.lastSeq.get() as bigint) + 1n
    const ids: QueueMsgId[] = []
    const values: unknown[] = []
    let next = 0
    for (; messages.length - next >= INSERT_CHUNK; next += INSERT_CHUNK) {
      values.length = 0
      for (let i = next; i < next + INSERT_CHUNK; i++) {
        const high = this.newIdHigh()
        values.push(...messageRow(seq, key, now, messages[i] as OutgoingMessage, high))
        ids.push(messageId(high, seq++))
      }
      this.st.insertChunk.run(...values)
    }
    for (; next < messages.length; next++) {
      const high = this.newIdHigh()
      this.st.insertMessage.run(
        ...messageRow(seq, key, now, messages[next] as OutgoingMessage, high),
      )
      ids.push(messageId(high, seq++))
    }
    return ok(ids)
  }
}
