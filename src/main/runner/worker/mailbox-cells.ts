/**
 * The mailbox cells' format, in one place: a worker writes a CALL cell into its callee's
 * mailbox and a RESULT cell into its caller's (direct-path.ts), and the mailbox's own worker
 * reads them back (inbox.ts). Layout of a cell (bytes): kind (u32), payload length (u32), caller
 * slot (i32) and caller gen (i32) of a CALL, the call id, the caller's host, the service and
 * method ids (IdRaw bytes, switchboard writeRawId), then the payload (ReadOneResponse bytes ready
 * for the guest). Producers write under the ring's lock (switchboard.ts lockRing).
 */
import {
  Cell,
  consumeCell,
  freeCell,
  oldestCell,
  publishCell,
  RAW_ID_BYTES,
  readRawId,
  writeRawId,
} from '../../kernel/transport/switchboard'
import type { RingView } from '../../kernel/transport/switchboard'
import type { PayloadSource } from './wire'

const CALL_ID = 16
const CALLER_HOST = CALL_ID + RAW_ID_BYTES
const SERVICE = CALLER_HOST + RAW_ID_BYTES
const METHOD = SERVICE + RAW_ID_BYTES
const PAYLOAD = METHOD + RAW_ID_BYTES

/** A CALL cell's fields besides its payload. */
export interface CallCell {
  readonly callId: Uint8Array
  readonly callerSlot: number
  readonly callerGen: number
  /** IdRaw message bytes. */
  readonly callerHost: Uint8Array
  readonly service: Uint8Array
  readonly method: Uint8Array
}

/** True when a payload of `bytes` fits a cell of `ring`. */
export function fitsCell(ring: RingView, bytes: number): boolean {
  return PAYLOAD + bytes <= ring.cellBytes
}

/** Writes and publishes a CALL cell (under the ring's lock); false when the ring is full. */
export function writeCallCell(ring: RingView, call: CallCell, payload: Uint8Array): boolean {
  const cell = freeCell(ring)
  if (cell < 0) return false
  const v = ring.view
  const cells = ring.cells
  v.setUint32(cell, Cell.CALL, true)
  v.setUint32(cell + 4, payload.byteLength, true)
  v.setInt32(cell + 8, call.callerSlot, true)
  v.setInt32(cell + 12, call.callerGen, true)
  writeRawId(cells, cell + CALL_ID, call.callId)
  writeRawId(cells, cell + CALLER_HOST, call.callerHost)
  writeRawId(cells, cell + SERVICE, call.service)
  writeRawId(cells, cell + METHOD, call.method)
  cells.set(payload, cell + PAYLOAD)
  publishCell(ring)
  return true
}

/** Byte offset of a free cell for a RESULT (under the ring's lock), or -1 when it is full. */
export const freeResultCell = freeCell

/** Writes and publishes a RESULT cell at `cell` (from freeResultCell). */
export function writeResultCell(
  ring: RingView,
  cell: number,
  callId: Uint8Array,
  payload: Uint8Array,
): void {
  const v = ring.view
  v.setUint32(cell, Cell.RESULT, true)
  v.setUint32(cell + 4, payload.byteLength, true)
  writeRawId(ring.cells, cell + CALL_ID, callId)
  ring.cells.set(payload, cell + PAYLOAD)
  publishCell(ring)
}

/**
 * A copy of the raw ids a mailbox keeps sending (the caller's host, the service and method of a
 * callee's calls): the last one read is handed out again while the cell holds the same bytes,
 * so reading a call copies no id that repeats.
 */
export class RepeatedRawId {
  private last: Uint8Array = new Uint8Array(0)

  /** The raw id at `offset` of `cells` (switchboard writeRawId's layout), reused when unchanged. */
  read(cells: Uint8Array, offset: number): Uint8Array {
    const length = cells[offset] as number
    const last = this.last
    if (last.byteLength === length) {
      let same = true
      for (let i = 0; i < length; i++) {
        if (last[i] !== cells[offset + 1 + i]) {
          same = false
          break
        }
      }
      if (same) return last
    }
    this.last = readRawId(cells, offset)
    return this.last
  }
}

/** Where a cell's call id is: the visitor reads it in place (valid during its call only). */
export interface CallIdAt {
  readonly cells: Uint8Array
  readonly start: number
  readonly end: number
}

/** The repeated ids of one mailbox's CALL cells (one per reader). */
export class CallCellIds {
  readonly callerHost = new RepeatedRawId()
  readonly service = new RepeatedRawId()
  readonly method = new RepeatedRawId()
}

/**
 * Hands every cell of the mailbox to a visitor, oldest first, and consumes it. The call id is
 * given in place (`id`, reused for every cell) and the repeated ids through `ids`, so a call
 * read costs no copy but its payload's.
 */
export function readMailbox(
  ring: RingView,
  ids: CallCellIds,
  onCall: (id: CallIdAt, call: Omit<CallCell, 'callId'>, payload: Uint8Array) => void,
  onResult: (id: CallIdAt, payload: Uint8Array) => void,
  /** Where the payloads' copies go (they outlive the cell). */
  bytes: PayloadSource,
): void {
  const v = ring.view
  const cells = ring.cells
  for (let cell = oldestCell(ring); cell >= 0; cell = oldestCell(ring)) {
    const kind = v.getUint32(cell, true)
    const length = v.getUint32(cell + 4, true)
    const payload = bytes.take(length)
    const from = cell + PAYLOAD
    // Short payloads byte by byte: set() needs a view of the cell, an allocation per call.
    if (length <= 128) for (let i = 0; i < length; i++) payload[i] = cells[from + i] as number
    else payload.set(cells.subarray(from, from + length))
    idAt.cells = cells
    idAt.start = cell + CALL_ID + 1
    idAt.end = idAt.start + (cells[cell + CALL_ID] as number)
    if (kind === Cell.CALL) {
      callAt.callerSlot = v.getInt32(cell + 8, true)
      callAt.callerGen = v.getInt32(cell + 12, true)
      callAt.callerHost = ids.callerHost.read(cells, cell + CALLER_HOST)
      callAt.service = ids.service.read(cells, cell + SERVICE)
      callAt.method = ids.method.read(cells, cell + METHOD)
      // Before the cell is consumed: until then no producer can write over the ids read in place.
      onCall(idAt, callAt, payload)
      consumeCell(ring)
    } else {
      if (kind === Cell.RESULT) onResult(idAt, payload)
      consumeCell(ring)
    }
  }
}

/** The visitor's arguments, reused for every cell (nothing per cell but the payload). */
const idAt: { cells: Uint8Array; start: number; end: number } = {
  cells: new Uint8Array(0),
  start: 0,
  end: 0,
}
const callAt: {
  callerSlot: number
  callerGen: number
  callerHost: Uint8Array
  service: Uint8Array
  method: Uint8Array
} = {
  callerSlot: 0,
  callerGen: 0,
  callerHost: new Uint8Array(0),
  service: new Uint8Array(0),
  method: new Uint8Array(0),
}
