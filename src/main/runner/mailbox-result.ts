/**
 * The result of a call that a host with no worker took (a cluster's stand-in for a service of
 * another machine), handed straight to the calling guest's worker: a RESULT cell in its mailbox
 * and its doorbell rung, the same as a callee's worker answers a direct call. Through the
 * kernel instead, the worker would be woken to ask the kernel's thread for it, two more thread
 * hand-offs on a call that already crosses the network. The kernel still closes the books.
 */
import { create, toBinary } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import type { Any } from '@bufbuild/protobuf/wkt'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { ReturnValueRequestSchema } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { toRaw } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { Kernel } from '../kernel/kernel'
import type { ThreadMailboxes } from '../kernel/transport/thread-mailboxes'
import {
  lockRing,
  MAX_SLOTS,
  RAW_ID_BYTES,
  Ring,
  ringDoorbell,
  SlotState,
  unlockRing,
} from '../kernel/transport/switchboard'
import { fitsCell, freeResultCell, writeResultCell } from './worker/mailbox-cells'
import { resolvedPayload } from './worker/wire'

/** The ring lock's owner for the kernel's thread (no worker slot has this number). */
export const KERNEL_THREAD_OWNER = MAX_SLOTS

/**
 * Delivers the result of `callId`, taken by `callee`, into its caller's mailbox and closes the
 * call in the kernel; false (nothing done) when the call is not waiting, the caller has no
 * mailbox, or the result does not fit one: then answer it with `kernel.returnValue`.
 */
export function deliverToMailbox(
  kernel: Kernel,
  mailboxes: ThreadMailboxes,
  now: () => number,
  callee: HostId,
  callId: IdRaw,
  result: Any | undefined,
  resultError: number,
): boolean {
  const caller = kernel.callerOfTaken(callee, callId)
  const mailbox = caller && mailboxes.workerMailbox(caller)
  if (caller === undefined || mailbox === undefined) return false
  const callRaw = toBinary(IdRawSchema, callId)
  const payload = resolvedPayload(
    toBinary(IdRawSchema, create(IdRawSchema, toRaw(caller))),
    callRaw,
    result && toBinary(AnySchema, result),
    resultError,
  )
  const { board, ring } = mailbox
  if (!fitsCell(ring, payload.byteLength) || callRaw.byteLength >= RAW_ID_BYTES) return false
  lockRing(board, ring, KERNEL_THREAD_OWNER)
  try {
    if (Atomics.load(ring.header, Ring.STATE) !== SlotState.OPEN) return false
    const cell = freeResultCell(ring)
    if (cell < 0) return false
    writeResultCell(ring, cell, callRaw, payload)
  } finally {
    unlockRing(ring)
  }
  ringDoorbell(ring)
  const request = create(ReturnValueRequestSchema, {
    callId,
    resultError,
    ...(result && { result }),
  })
  kernel.returnValue(callee, request, { finishedMs: now() })
  return true
}
