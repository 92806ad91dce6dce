import type { Database, Statement, Transaction } from 'better-sqlite3'
import type { QueueId, QueueMsgId } from '../../../shared/id'
import { ok } from './backend'
import type { DoneThenReceived, StoredMessage, StoreResult } from './backend'
import { rawToMessage, signed } from './rows'
import type { RawMessageRow } from './rows'
import { notFound } from './sender'
import { ACK_SWEEP_BATCH, prepareVisible } from './statements'
import type { QueueStatements } from './statements'

export interface DeliverySettings {
  readonly now: () => number
  readonly visibilityTimeoutMs: number
  readonly maxReceives: number
  readonly maxReceiveBatch: number
}

/** `receive` and `mark_done`, alone or folded into one transaction. */
export class Delivery {
  // Built once: better-sqlite3 transaction wrappers are not free to create on every call.
  private readonly receiveTx: Transaction<
    (id: QueueId, done: readonly QueueMsgId[], wanted: number) => StoreResult<DoneThenReceived>
  >
  private readonly markDoneTx: Transaction<
    (id: QueueId, msgIds: readonly QueueMsgId[]) => StoreResult<QueueMsgId[]>
  >

  /** The receive query, one per batch size (see prepareVisible). */
  private readonly visibleByLimit = new Map<number, Statement>()

  /** Seqs acknowledged by this connection's receives whose index entries are not yet swept. */
  private readonly acked: bigint[] = []
  private readonly sweepArgs: bigint[] = new Array<bigint>(ACK_SWEEP_BATCH).fill(0n)

  constructor(
    private readonly db: Database,
    private readonly st: QueueStatements,
    private readonly settings: DeliverySettings,
  ) {
    this.receiveTx = db.transaction(
      (id: QueueId, done: readonly QueueMsgId[], wanted: number): StoreResult<DoneThenReceived> =>
        this.receiveInTx(id, done, wanted),
    )
    this.markDoneTx = db.transaction((id: QueueId, msgIds: readonly QueueMsgId[]) => {
      const key = this.queueKey(id)
      return key === undefined ? notFound<QueueMsgId[]>(id) : ok(this.markDoneWithKey(key, msgIds))
    })
  }

  receive(id: QueueId, limit: number): StoreResult<StoredMessage[]> {
    const result = this.receiveTx.immediate(id, [], this.batchSize(limit))
    return result.ok ? ok(result.value.messages) : result
  }

  markDoneAndReceive(
    id: QueueId,
    done: readonly QueueMsgId[],
    limit: number,
  ): StoreResult<DoneThenReceived> {
    return this.receiveTx.immediate(id, done, this.batchSize(limit))
  }

  markDone(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]> {
    if (msgIds.length === 1) return this.markOneDone(id, msgIds[0] as QueueMsgId)
    return this.markDoneTx.immediate(id, msgIds)
  }

  /** How many of this connection's acknowledgements await their sweep. */
  get unsweptCount(): number {
    return this.acked.length
  }

  /**
   * Removes the index entries of the acknowledgements not yet swept (schema.ts, ACKED), in the
   * caller's write transaction (or as its own autocommit statements).
   */
  sweepAcked(): void {
    while (this.acked.length > 0) this.sweep(this.acked.splice(0, ACK_SWEEP_BATCH))
  }

  private sweep(seqs: readonly bigint[]): void {
    // Unused places repeat the first seq: sweeping an acknowledged message twice changes nothing.
    for (let i = 0; i < ACK_SWEEP_BATCH; i++) this.sweepArgs[i] = seqs[i] ?? (seqs[0] as bigint)
    this.st.sweepAcked.run(...this.sweepArgs)
  }

  /**
   * The acknowledgements, then the receive, each statement finding the queue by its id: when
   * both change or find something the queue exists, and no statement is spent looking it up.
   * A pending message's acknowledgement sets only done_ms (schema.ts, ACKED); every
   * ACK_SWEEP_BATCH of them, one statement moves them out of the index.
   */
  private receiveInTx(
    id: QueueId,
    done: readonly QueueMsgId[],
    wanted: number,
  ): StoreResult<DoneThenReceived> {
    const qh = signed(id.high)
    const ql = signed(id.low)
    const now = this.settings.now()
    const unchanged: QueueMsgId[] = []
    for (const msgId of done) {
      const seq = signed(msgId.low)
      const high = signed(msgId.high)
      if (this.st.ackInQueue.run(now, seq, high, qh, ql).changes > 0) {
        this.acked.push(seq)
        continue
      }
      // Dead, already done, or not a message of this queue.
      if (this.st.markDoneInQueue.run(now, seq, high, qh, ql).changes === 0) unchanged.push(msgId)
    }
    if (this.acked.length >= ACK_SWEEP_BATCH) this.sweepAcked()
    const messages = this.receiveById(id, qh, ql, wanted)
    if (messages.length > 0 && unchanged.length === 0) return ok({ unmodified: [], messages })
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    // Not changed: already done (accepted), or not a message of this queue (reported).
    const unmodified = unchanged.filter(
      (m) => this.st.messageExists.get(signed(m.low), signed(m.high), key) === undefined,
    )
    return ok({ unmodified, messages })
  }

  /** The key of the queue with this id, if there is one (the hot paths' existence check). */
  private queueKey(id: QueueId): number | undefined {
    return this.st.queueKeyById.get(signed(id.high), signed(id.low)) as number | undefined
  }

  private batchSize(limit: number): number {
    return Math.max(1, Math.min(Math.trunc(limit) || 1, this.settings.maxReceiveBatch))
  }

  /**
   * One id: one statement that finds the queue and marks the message, committed on its own (an
   * autocommit write takes the write lock first, as BEGIN IMMEDIATE does). Only when it changes
   * nothing do two reads tell an unknown queue from an already-done or foreign message.
   */
  private markOneDone(id: QueueId, msgId: QueueMsgId): StoreResult<QueueMsgId[]> {
    const h = signed(msgId.high)
    const l = signed(msgId.low)
    const qh = signed(id.high)
    const ql = signed(id.low)
    if (this.st.markDoneInQueue.run(this.settings.now(), l, h, qh, ql).changes > 0) return ok([])
    const key = this.queueKey(id)
    if (key === undefined) return notFound(id)
    return ok(this.st.messageExists.get(l, h, key) === undefined ? [msgId] : [])
  }

  /** Already-done messages are accepted; ids that are not messages of the queue are returned. */
  private markDoneWithKey(key: number, msgIds: readonly QueueMsgId[]): QueueMsgId[] {
    const now = this.settings.now()
    const unmodified: QueueMsgId[] = []
    for (const msgId of msgIds) {
      const h = signed(msgId.high)
      const l = signed(msgId.low)
      if (this.st.markDone.run(now, l, h, key).changes > 0) continue
      if (this.st.messageExists.get(l, h, key) === undefined) unmodified.push(msgId)
    }
    return unmodified
  }

  /**
   * Delivers up to `wanted` visible messages, oldest first, and hides them for the visibility
   * timeout. A message already delivered maxReceives times is dead-lettered instead. The
   * returned records carry the count and time of the delivery *before* this one.
   */
  private receiveById(id: QueueId, qh: bigint, ql: bigint, wanted: number): StoredMessage[] {
    const { now: clock, visibilityTimeoutMs, maxReceives } = this.settings
    const now = clock()
    const hiddenUntil = now + visibilityTimeoutMs
    const out: StoredMessage[] = []
    for (;;) {
      const need = wanted - out.length
      const rows = this.visibleStatement(need).all(qh, ql, now) as RawMessageRow[]
      let killed = 0
      for (const row of rows) {
        const seq = row[0]
        if (row[7] !== null) {
          // Acknowledged, its sweep lost with the process that acknowledged it: sweep it now.
          this.sweep([seq])
          killed++
          continue
        }
        if (Number(row[4]) >= maxReceives) {
          this.st.kill.run(now, seq)
          killed++
          continue
        }
        this.st.deliver.run(hiddenUntil, now, seq)
        out.push(rawToMessage(row, id))
      }
      // Dead-lettered (or swept) rows left gaps in the batch; look further down the queue.
      if (killed === 0 || rows.length < need) break
    }
    return out
  }

  private visibleStatement(limit: number): Statement {
    let statement = this.visibleByLimit.get(limit)
    if (statement === undefined) {
      statement = prepareVisible(this.db, limit)
      this.visibleByLimit.set(limit, statement)
    }
    return statement
  }
}
