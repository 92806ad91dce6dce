/**
 * The notice ring's cell format, in one place: workers write a notice for every direct call
 * they start or answer (runner/worker/direct-path.ts), the kernel thread reads them back
 * (kernel-server.ts drainNotices) to keep its books. Layout of a cell (bytes): kind (u32),
 * writer's slot (u32), time (f64, monoNs), call id, then the service and method ids of a
 * STARTED notice or the result error (i32) of a RETURNED one. Ids are IdRaw bytes (writeRawId).
 * A STARTED notice ends with the caller's parent call as four words (trace-words.ts).
 */
import {
  Cell,
  consumeCell,
  freeCell,
  lockRing,
  monoNs,
  oldestCell,
  publishCell,
  RAW_ID_BYTES,
  readRawId,
  unlockRing,
  writeRawId,
} from './switchboard'
import type { Switchboard } from './switchboard'
import { NOTICE_PARENT, TRACE_WORDS } from './trace-words'

const CALL_ID = 16
const SERVICE = CALL_ID + RAW_ID_BYTES
const METHOD = SERVICE + RAW_ID_BYTES
const RESULT_ERROR = SERVICE

/** A notice as the kernel reads it. */
export type Notice =
  | {
      readonly kind: typeof Cell.STARTED
      readonly slot: number
      readonly atNs: number
      readonly callId: Uint8Array
      readonly serviceId: Uint8Array
      readonly methodId: Uint8Array
      /** The caller's parent call as trace words (all 0: none). */
      readonly parent: readonly [number, number, number, number]
    }
  | {
      readonly kind: typeof Cell.RETURNED
      readonly slot: number
      readonly atNs: number
      readonly callId: Uint8Array
      readonly resultError: number
    }

/**
 * Writes one notice (ids as IdRaw bytes, each shorter than RAW_ID_BYTES); false when the ring is
 * full, so the caller sends its syscall through the kernel instead. A STARTED notice copies the
 * parent's trace words from `parentWords` at word index `parentAt` (the caller's channel header).
 */
export function writeNotice(
  board: Switchboard,
  slot: number,
  callId: Uint8Array,
  what:
    | {
        readonly serviceId: Uint8Array
        readonly methodId: Uint8Array
        readonly parentWords?: Int32Array
        readonly parentAt?: number
      }
    | { readonly resultError: number },
): boolean {
  const ring = board.notices
  lockRing(board, ring, slot)
  try {
    const cell = freeCell(ring)
    if (cell < 0) return false
    const v = ring.view
    v.setUint32(cell + 4, slot, true)
    v.setFloat64(cell + 8, monoNs(), true)
    writeRawId(ring.cells, cell + CALL_ID, callId)
    if ('serviceId' in what) {
      v.setUint32(cell, Cell.STARTED, true)
      writeRawId(ring.cells, cell + SERVICE, what.serviceId)
      writeRawId(ring.cells, cell + METHOD, what.methodId)
      const words = what.parentWords
      const at = what.parentAt ?? 0
      for (let i = 0; i < TRACE_WORDS; i++) {
        v.setInt32(
          cell + NOTICE_PARENT + 4 * i,
          words === undefined ? 0 : (words[at + i] ?? 0),
          true,
        )
      }
    } else {
      v.setUint32(cell, Cell.RETURNED, true)
      v.setInt32(cell + RESULT_ERROR, what.resultError, true)
    }
    publishCell(ring)
    return true
  } finally {
    unlockRing(ring)
  }
}

/** Hands every notice in the ring to `visit`, oldest first, and consumes it (kernel side). */
export function readNotices(board: Switchboard, visit: (notice: Notice) => void): void {
  const ring = board.notices
  for (let cell = oldestCell(ring); cell >= 0; cell = oldestCell(ring)) {
    const v = ring.view
    const kind = v.getUint32(cell, true)
    const slot = v.getUint32(cell + 4, true)
    const atNs = v.getFloat64(cell + 8, true)
    const callId = readRawId(ring.cells, cell + CALL_ID)
    // Consumed before the visit: a visitor that throws must not leave the cell to be read again.
    if (kind === Cell.STARTED) {
      const serviceId = readRawId(ring.cells, cell + SERVICE)
      const methodId = readRawId(ring.cells, cell + METHOD)
      const word = (i: number): number => v.getUint32(cell + NOTICE_PARENT + 4 * i, true)
      const parent = [word(0), word(1), word(2), word(3)] as const
      consumeCell(ring)
      visit({ kind, slot, atNs, callId, serviceId, methodId, parent })
    } else if (kind === Cell.RETURNED) {
      const resultError = v.getInt32(cell + RESULT_ERROR, true)
      consumeCell(ring)
      visit({ kind, slot, atNs, callId, resultError })
    } else {
      consumeCell(ring)
    }
  }
}
