import { randomFillSync } from 'node:crypto'
import { fromRaw, HIGH_DATA_MASK } from '../../../shared/id'
import type { QueueMsgId } from '../../../shared/id'

// Message ids (docs/queue.md section 3): `low` is the message's `seq` (the table's rowid, given
// by SQLite at the insert), `high` is the kind letter and 56 crypto-random bits, stored with the
// row and compared on every lookup, so an id cannot be guessed from its neighbour's, and the id
// of a deleted message does not name a later message that reuses its seq.
const QUEUE_MSG_LETTER = fromRaw('queueMsg', { high: 0n, low: 1n }).high
// One getRandomValues call per id costs more than the SQLite insert it feeds; draw the random
// halves from a pool refilled from the same crypto source.
const ID_POOL = new BigUint64Array(512)
let idPoolNext = ID_POOL.length

/** A fresh high half of a message id: the kind letter and 56 random bits. */
export function randomMessageIdHigh(): bigint {
  if (idPoolNext >= ID_POOL.length) {
    randomFillSync(ID_POOL)
    idPoolNext = 0
  }
  return QUEUE_MSG_LETTER | ((ID_POOL[idPoolNext++] ?? 0n) & HIGH_DATA_MASK)
}

/**
 * The id of the message with this high half and seq. Built as fromRaw builds it, without its
 * range checks (which cost more than the insert): the high half comes from randomMessageIdHigh
 * or from a stored row, and a seq is a positive rowid.
 */
export function messageId(high: bigint, seq: bigint): QueueMsgId {
  return Object.freeze({ kind: 'queueMsg' as const, high, low: seq })
}
