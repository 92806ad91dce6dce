/**
 * A host with no worker (a cluster's remote caller, named after the calling machine) that calls
 * guests the way their workers call each other: the call goes as a CALL cell straight into the
 * callee's mailbox, and the callee's worker writes the result into this host's own mailbox,
 * which the kernel's thread watches (Atomics.waitAsync on its doorbell). Through the kernel
 * instead, the callee's worker would be woken to ask this thread for the call, and would hand
 * its result back through another syscall: two more thread hand-offs per call.
 *
 * The kernel keeps the books: the call is booked here before its cell is written, with the
 * caller's start time (so its timeout, the callee's death and the events are as for any call),
 * and the callee's RETURNED notice closes it. A call the kernel fails (timeout, callee ended)
 * reaches the caller through `read_one_` as before, and a result that comes after is dropped
 * by whoever answers the caller.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchResponseSchema,
  KernelErr,
  ReadOneResponseSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { DispatchRequest, ResolvedCall } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { fromRawChecked, toRaw } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { Kernel } from '../kernel/kernel'
import type { ThreadMailbox, ThreadMailboxes } from '../kernel/transport/thread-mailboxes'
import {
  freeCell,
  lockRing,
  RAW_ID_BYTES,
  Ring,
  ringDoorbell,
  SlotState,
  unlockRing,
} from '../kernel/transport/switchboard'
import { KERNEL_THREAD_OWNER } from './mailbox-result'
import { fitsCell, readMailbox, writeCallCell } from './worker/mailbox-cells'
import { callPayload } from './worker/wire'

export class MailboxCaller {
  private readonly hostRaw: Uint8Array
  private closed = false

  private constructor(
    private readonly kernel: Kernel,
    private readonly mailboxes: ThreadMailboxes,
    private readonly now: () => number,
    readonly host: HostId,
    private readonly mine: ThreadMailbox & { readonly gen: number },
    private readonly onResult: (resolved: ResolvedCall) => void,
  ) {
    this.hostRaw = toBinary(IdRawSchema, create(IdRawSchema, toRaw(host)))
    // Workers notify a sleeping mailbox only: this one always counts as asleep.
    Atomics.store(mine.ring.header, Ring.SLEEPING, 1)
    this.listen()
  }

  /** A caller for `host`, or undefined when no mailbox slot is free (call through the kernel). */
  static open(
    kernel: Kernel,
    mailboxes: ThreadMailboxes,
    now: () => number,
    host: HostId,
    onResult: (resolved: ResolvedCall) => void,
  ): MailboxCaller | undefined {
    const mine = mailboxes.grant(host)
    return mine && new MailboxCaller(kernel, mailboxes, now, host, mine, onResult)
  }

  /**
   * Calls straight into the callee's mailbox: the kernel's code for the dispatch (NoError: the
   * result comes to `onResult`), or undefined when this call cannot go that way (the callee has
   * no open mailbox, it is full, the call does not fit a cell): then dispatch it through the
   * kernel.
   */
  dispatch(req: DispatchRequest): KernelErr | undefined {
    if (this.closed || req.serviceId === undefined || req.methodId === undefined) return undefined
    if (req.callId === undefined) return undefined
    const sid = fromRawChecked('service', req.serviceId)
    const target = sid.ok ? this.kernel.serviceById(sid.id) : undefined
    const mailbox = target && this.mailboxes.workerMailbox(target.host.id)
    if (mailbox === undefined) return undefined
    const service = toBinary(IdRawSchema, req.serviceId)
    const method = toBinary(IdRawSchema, req.methodId)
    const callId = toBinary(IdRawSchema, req.callId)
    if (Math.max(service.length, method.length, callId.length) >= RAW_ID_BYTES) return undefined
    const payload = callPayload(
      service,
      method,
      callId,
      req.param && toBinary(AnySchema, req.param),
    )
    const { board, ring } = mailbox
    if (!fitsCell(ring, payload.byteLength)) return undefined
    if (Atomics.load(ring.header, Ring.QUEUED) >= this.kernel.limits.inboundQueue) return undefined
    lockRing(board, ring, KERNEL_THREAD_OWNER)
    try {
      if (Atomics.load(ring.header, Ring.STATE) !== SlotState.OPEN || freeCell(ring) < 0)
        return undefined
      // Booked before the cell is written, so the callee's answer always finds the call.
      const code = this.kernel.dispatch(this.host, req, create(DispatchResponseSchema), {
        startedMs: this.now(),
      })
      if (code !== KernelErr.NoError) return code
      Atomics.add(ring.header, Ring.QUEUED, 1)
      const from = { callerSlot: this.mine.slot, callerGen: this.mine.gen }
      writeCallCell(ring, { callId, ...from, callerHost: this.hostRaw, service, method }, payload)
    } finally {
      unlockRing(ring)
    }
    ringDoorbell(ring)
    return KernelErr.NoError
  }

  private listen(): void {
    const { header } = this.mine.ring
    const bell = Atomics.load(header, Ring.DOORBELL)
    this.takeResults()
    if (this.closed) return
    const waiting = Atomics.waitAsync(header, Ring.DOORBELL, bell)
    if (waiting.async) void waiting.value.then(() => this.listen())
    else queueMicrotask(() => this.listen())
  }

  private takeResults(): void {
    readMailbox(
      this.mine.ring,
      () => undefined, // nobody calls a remote caller
      (_callId, payload) => {
        const resolved = fromBinary(ReadOneResponseSchema, payload).resolved
        if (resolved !== undefined) this.onResult(resolved)
      },
    )
  }

  /** Gives the mailbox back; results still on their way are dropped with it. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.mailboxes.release(this.host, this.mine.slot)
    // Resolves the pending waitAsync, so it does not keep this caller alive.
    Atomics.notify(this.mine.ring.header, Ring.DOORBELL)
  }
}
