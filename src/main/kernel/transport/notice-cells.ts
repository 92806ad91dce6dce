/**
 * The notice ring's cell format, in one place: workers write a notice for every direct call
 * they start or answer (runner/worker/direct-path.ts), the kernel thread reads them back
 * (kernel-server.ts drainNotices) to keep its books. Layout of a cell (bytes): kind (u32),
 * writer's slot (u32), time (f64, monoNs), call id, then the service and method ids of a
 * STARTED notice or the result error (i32) of a RETURNED one. Ids are IdRaw bytes (writeRawId).
 * A STARTED notice ends with the caller's parent call as four words (trace-words.ts). A COMPLETED
 * notice (a call between guests of one worker, answered before its STARTED notice was written:
 * runner/worker/staged-notices.ts) is a STARTED notice followed by the callee's slot (u32), the
 * result error (i32) and the time of the answer (f64): one cell per call instead of two.
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
  unlockRing,
  writeRawId,
} from './switchboard'
import type { Switchboard } from './switchboard'
import { NOTICE_PARENT, TRACE_WORDS } from './trace-words'

const CALL_ID = 16
const SERVICE = CALL_ID + RAW_ID_BYTES
const METHOD = SERVICE + RAW_ID_BYTES
const RESULT_ERROR = SERVICE
/** COMPLETED only: after the parent's words. */
const CALLEE_SLOT = NOTICE_PARENT + 4 * TRACE_WORDS
const COMPLETED_ERROR = CALLEE_SLOT + 4
const FINISHED = COMPLETED_ERROR + 4
/** Bytes of a STARTED or COMPLETED notice (at most NOTICE_CELL_BYTES). */
export const NOTICE_BYTES = FINISHED + 8

/**
 * A notice as the kernel reads it (a COMPLETED cell is read as its STARTED and RETURNED
 * notices). Ids are their IdRaw bytes as text, one character per byte
 * (`latin1`): map keys on the kernel thread's per-call path, made without a byte array.
 */
export type Notice =
  | {
      readonly kind: typeof Cell.STARTED
      readonly slot: number
      readonly atNs: number
      readonly callId: string
      readonly serviceId: string
      readonly methodId: string
      /** The caller's parent call as trace words (all 0: none); read only when asked for. */
      readonly parent: readonly [number, number, number, number] | undefined
    }
  | {
      readonly kind: typeof Cell.RETURNED
      readonly slot: number
      readonly atNs: number
      readonly callId: string
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
    if ('serviceId' in what) {
      fillStarted(v, ring.cells, cell, slot, monoNs(), callId, what)
    } else {
      v.setUint32(cell, Cell.RETURNED, true)
      v.setUint32(cell + 4, slot, true)
      v.setFloat64(cell + 8, monoNs(), true)
      writeRawId(ring.cells, cell + CALL_ID, callId)
      v.setInt32(cell + RESULT_ERROR, what.resultError, true)
    }
    publishCell(ring)
    return true
  } finally {
    unlockRing(ring)
  }
}

/**
 * Writes a STARTED notice at byte `cell` of `bytes` (viewed by `v`): the notice ring's cell, or
 * a worker's staging area (staged-notices.ts) that later copies it into the ring.
 */
export function fillStarted(
  v: DataView,
  bytes: Uint8Array,
  cell: number,
  slot: number,
  atNs: number,
  callId: Uint8Array,
  what: {
    readonly serviceId: Uint8Array
    readonly methodId: Uint8Array
    readonly parentWords?: Int32Array
    readonly parentAt?: number
  },
): void {
  v.setUint32(cell, Cell.STARTED, true)
  v.setUint32(cell + 4, slot, true)
  v.setFloat64(cell + 8, atNs, true)
  writeRawId(bytes, cell + CALL_ID, callId)
  writeRawId(bytes, cell + SERVICE, what.serviceId)
  writeRawId(bytes, cell + METHOD, what.methodId)
  const words = what.parentWords
  const at = what.parentAt ?? 0
  for (let i = 0; i < TRACE_WORDS; i++) {
    v.setInt32(cell + NOTICE_PARENT + 4 * i, words === undefined ? 0 : (words[at + i] ?? 0), true)
  }
}

/** Turns a STARTED notice filled by fillStarted into a COMPLETED one: the callee answered. */
export function fillCompleted(
  v: DataView,
  cell: number,
  calleeSlot: number,
  resultError: number,
  finishedNs: number,
): void {
  v.setUint32(cell, Cell.COMPLETED, true)
  v.setUint32(cell + CALLEE_SLOT, calleeSlot, true)
  v.setInt32(cell + COMPLETED_ERROR, resultError, true)
  v.setFloat64(cell + FINISHED, finishedNs, true)
}

/** Copies one notice filled by fillStarted/fillCompleted into the ring; false when it is full. */
export function publishNotice(board: Switchboard, slot: number, notice: Uint8Array): boolean {
  const ring = board.notices
  lockRing(board, ring, slot)
  try {
    const cell = freeCell(ring)
    if (cell < 0) return false
    ring.cells.set(notice, cell)
    publishCell(ring)
    return true
  } finally {
    unlockRing(ring)
  }
}

/**
 * Copies notices filled by fillStarted/fillCompleted (NOTICE_BYTES each, at `cells` of `bytes`)
 * into the ring, in order, under one lock; returns how many fitted (the rest stay with the
 * writer for a later try).
 */
export function publishNotices(
  board: Switchboard,
  slot: number,
  bytes: Uint8Array,
  cells: readonly number[],
): number {
  const ring = board.notices
  lockRing(board, ring, slot)
  try {
    let written = 0
    for (const at of cells) {
      const cell = freeCell(ring)
      if (cell < 0) break
      ring.cells.set(bytes.subarray(at, at + NOTICE_BYTES), cell)
      publishCell(ring)
      written++
    }
    return written
  } finally {
    unlockRing(ring)
  }
}

/** Every notice in the ring, oldest first, consumed (kernel side); `parents`: read them too. */
export function readNotices(board: Switchboard, parents: boolean): Notice[] {
  const ring = board.notices
  const notices: Notice[] = []
  const v = ring.view
  const cells = ring.cells
  for (let cell = oldestCell(ring); cell >= 0; cell = oldestCell(ring)) {
    const kind = v.getUint32(cell, true)
    const slot = v.getUint32(cell + 4, true)
    const atNs = v.getFloat64(cell + 8, true)
    const callId = rawIdText(cells, cell + CALL_ID)
    if (kind === Cell.STARTED) {
      notices.push({
        kind,
        slot,
        atNs,
        callId,
        serviceId: lastService.text(cells, cell + SERVICE),
        methodId: lastMethod.text(cells, cell + METHOD),
        parent: parents ? parentWords(v, cell + NOTICE_PARENT) : undefined,
      })
    } else if (kind === Cell.RETURNED) {
      notices.push({ kind, slot, atNs, callId, resultError: v.getInt32(cell + RESULT_ERROR, true) })
    } else if (kind === Cell.COMPLETED) {
      // Read as the STARTED and RETURNED notices it stands for, next to each other: the drain
      // pairs them and books the call in one step as any pair in one batch.
      notices.push({
        kind: Cell.STARTED,
        slot,
        atNs,
        callId,
        serviceId: lastService.text(cells, cell + SERVICE),
        methodId: lastMethod.text(cells, cell + METHOD),
        parent: parents ? parentWords(v, cell + NOTICE_PARENT) : undefined,
      })
      notices.push({
        kind: Cell.RETURNED,
        slot: v.getUint32(cell + CALLEE_SLOT, true),
        atNs: v.getFloat64(cell + FINISHED, true),
        callId,
        resultError: v.getInt32(cell + COMPLETED_ERROR, true),
      })
    }
    consumeCell(ring)
  }
  return notices
}

function parentWords(v: DataView, at: number): [number, number, number, number] {
  return [
    v.getUint32(at, true),
    v.getUint32(at + 4, true),
    v.getUint32(at + 8, true),
    v.getUint32(at + 12, true),
  ]
}

/** The IdRaw bytes stored at `offset` (writeRawId) as text, one character per byte. */
function rawIdText(cells: Uint8Array, offset: number): string {
  const end = offset + 1 + Math.min(cells[offset] as number, RAW_ID_BYTES - 1)
  // Buffer's latin1 decoding: a string per id instead of one per byte (four ids per call).
  return bufferOf(cells).toString('latin1', offset + 1, end)
}

/**
 * The text of the last id read at one field of the notices, kept with its bytes: a service's
 * and method's ids repeat call after call, and comparing ~20 bytes costs less than a string.
 */
class LastIdText {
  private bytes = new Uint8Array(RAW_ID_BYTES)
  private length = -1
  private last = ''

  text(cells: Uint8Array, offset: number): string {
    const length = Math.min(cells[offset] as number, RAW_ID_BYTES - 1)
    const start = offset + 1
    if (length === this.length) {
      let same = true
      for (let i = 0; i < length; i++) {
        if (cells[start + i] !== this.bytes[i]) {
          same = false
          break
        }
      }
      if (same) return this.last
    }
    this.bytes.set(cells.subarray(start, start + length))
    this.length = length
    this.last = rawIdText(cells, offset)
    return this.last
  }
}

const lastService = new LastIdText()
const lastMethod = new LastIdText()

const buffers = new WeakMap<Uint8Array, Buffer>()

/** A Buffer over the same bytes as `cells` (made once per ring). */
function bufferOf(cells: Uint8Array): Buffer {
  let buffer = buffers.get(cells)
  if (buffer === undefined) {
    buffer = Buffer.from(cells.buffer, cells.byteOffset, cells.byteLength)
    buffers.set(cells, buffer)
  }
  return buffer
}
