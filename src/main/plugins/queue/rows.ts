// How queue and message rows look to better-sqlite3 (safe integers: every INTEGER is a bigint)
// and their conversion to the store's values. Ids are stored as the signed 64-bit bit-casts of
// their unsigned halves; a message id's low half is its seq (docs/queue.md section 3).
import { fromRaw } from '../../../shared/id'
import type { QueueId } from '../../../shared/id'
import type { AnyBytes, OutgoingMessage, QueueInfo, StoredMessage } from './backend'
import { messageId } from './message-ids'
import type { MessageState } from './schema'

export interface MessageRow {
  seq: bigint
  id_high: bigint
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
export type RawMessageRow = [
  seq: bigint,
  id_high: bigint,
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

export interface QueueRow {
  key: bigint
  id_high: bigint
  id_low: bigint
  name: string
  created_ms: bigint
}

/**
 * A message's state as the store reports it: an acknowledged message whose index entry is not
 * yet swept (state 0, done_ms set: schema.ts, ACKED) is done.
 */
export const MESSAGE_STATE = 'iif(done_ms IS NULL, state, 1)'

export const MESSAGE_COLUMNS = `seq, id_high, ${MESSAGE_STATE} AS state, visible_at_ms, receive_count,
  last_received_ms, sent_ms, done_ms, dead_ms, sender_type, sender, payload_type, payload`

export const QUEUE_COLUMNS = 'key, id_high, id_low, name, created_ms'

export const signed = (u: bigint): bigint => BigInt.asIntN(64, u)
const unsigned = (s: bigint): bigint => BigInt.asUintN(64, s)
const optNumber = (v: bigint | null): number | undefined => (v === null ? undefined : Number(v))

export function toQueueInfo(row: QueueRow): QueueInfo {
  return {
    key: Number(row.key),
    id: fromRaw('queue', { high: unsigned(row.id_high), low: unsigned(row.id_low) }),
    name: row.name,
    createdMs: Number(row.created_ms),
  }
}

export function toMessage(row: MessageRow, queueId: QueueId): StoredMessage {
  return {
    seq: Number(row.seq),
    queueId,
    msgId: messageId(unsigned(row.id_high), row.seq),
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

export function rawToMessage(row: RawMessageRow, queueId: QueueId): StoredMessage {
  const senderType = row[9]
  return {
    seq: Number(row[0]),
    queueId,
    msgId: messageId(unsigned(row[1]), row[0]),
    state: Number(row[2]) as MessageState,
    receiveCount: Number(row[4]),
    lastReceivedMs: optNumber(row[5]),
    sentMs: Number(row[6]),
    visibleAtMs: Number(row[3]),
    doneMs: optNumber(row[7]),
    deadMs: optNumber(row[8]),
    sender:
      senderType === null
        ? undefined
        : { typeUrl: senderType, value: row[10] ?? new Uint8Array(0) },
    payload: { typeUrl: row[11], value: row[12] },
  }
}

/** The bound values of one message row, in the column order of the insert statements. */
export function messageRow(
  seq: bigint,
  key: number,
  now: number,
  m: OutgoingMessage,
  idHigh: bigint,
): unknown[] {
  const payload = m.payload as AnyBytes
  return [
    seq,
    signed(idHigh),
    key,
    now,
    now,
    m.sender?.typeUrl ?? null,
    m.sender?.value ?? null,
    payload.typeUrl,
    payload.value,
  ]
}
