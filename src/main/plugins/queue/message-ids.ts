import { randomFillSync } from 'node:crypto'
import { fromRaw, HIGH_DATA_MASK } from '../../../shared/id'
import type { QueueMsgId } from '../../../shared/id'

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
