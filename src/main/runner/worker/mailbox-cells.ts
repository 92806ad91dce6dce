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
import { payloadBytes } from './wire'

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

/** Hands every cell of the mailbox to a visitor, oldest first, and consumes it. */
export function readMailbox(
  ring: RingView,
  onCall: (call: CallCell, payload: Uint8Array) => void,
  onResult: (callId: Uint8Array, payload: Uint8Array) => void,
): void {
  const v = ring.view
  const cells = ring.cells
  for (let cell = oldestCell(ring); cell >= 0; cell = oldestCell(ring)) {
    const kind = v.getUint32(cell, true)
    const length = v.getUint32(cell + 4, true)
    const payload = payloadBytes(length)
    payload.set(cells.subarray(cell + PAYLOAD, cell + PAYLOAD + length))
    const callId = readRawId(cells, cell + CALL_ID)
    if (kind === Cell.CALL) {
      const call: CallCell = {
        callId,
        callerSlot: v.getInt32(cell + 8, true),
        callerGen: v.getInt32(cell + 12, true),
        callerHost: readRawId(cells, cell + CALLER_HOST),
        service: readRawId(cells, cell + SERVICE),
        method: readRawId(cells, cell + METHOD),
      }
      consumeCell(ring)
      onCall(call, payload)
    } else {
      consumeCell(ring)
      if (kind === Cell.RESULT) onResult(callId, payload)
    }
  }
}
