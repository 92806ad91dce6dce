/**
 * The kernel thread's view of the switchboard's mailboxes (switchboard.ts): which host has which
 * slot, opening and closing slots, the flags the kernel sets for a worker, and what the kernel
 * reads there (queued calls, a call a worker took from its mailbox, for the watchdog).
 */
import { create } from '@bufbuild/protobuf'
import { ServiceMethodCallSchema } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  DispatchRequest,
  ServiceMethodCall,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { fromRaw } from '../../../shared/id'
import type { Logger } from '../../engine/logger'
import type { Kernel } from '../kernel'
import { ServingBytes, Word } from './channel'
import type { Channel } from './channel'
import { rawId } from './notice-drain'
import { MAX_SLOTS, readRawId, Ring, ringDoorbell, SlotState } from './switchboard'
import type { RingView, Switchboard } from './switchboard'

/** Where a worker's direct path plugs in: its mailbox slot and that slot's generation. */
export interface SlotGrant {
  readonly slot: number
  readonly gen: number
}

/** The slots of one switchboard, each held by one record (a host the kernel server serves). */
export class Mailboxes<R extends { readonly key: string; slot: number | undefined }> {
  private readonly holders: (R | undefined)[] = new Array<R | undefined>(MAX_SLOTS)

  constructor(readonly board: Switchboard) {}

  /** The record holding `slot`, if any. */
  holder(slot: number): R | undefined {
    return this.holders[slot]
  }

  /** True while some slot is held (notices may still arrive). */
  anyHeld(): boolean {
    return this.holders.some((h) => h !== undefined)
  }

  /** Opens a free slot for `record` (a new generation), or undefined when none is free. */
  grant(record: R): SlotGrant | undefined {
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      const h = (this.board.mailboxes[slot] as RingView).header
      if (this.holders[slot] !== undefined || Atomics.load(h, Ring.STATE) !== SlotState.FREE)
        continue
      Atomics.store(h, Ring.LOCK, 0)
      Atomics.store(h, Ring.HEAD, 0)
      Atomics.store(h, Ring.TAIL, 0)
      Atomics.store(h, Ring.QUEUED, 0)
      Atomics.store(h, Ring.KERNEL_PENDING, 0)
      Atomics.store(h, Ring.BELL_SLOT, 0)
      const gen = Atomics.add(h, Ring.GEN, 1) + 1
      Atomics.store(h, Ring.STATE, SlotState.OPEN)
      this.holders[slot] = record
      record.slot = slot
      return { slot, gen }
    }
    return undefined
  }

  /** The slot's mailbox, if `slot` is one. */
  mailbox(slot: number | undefined): RingView | undefined {
    return slot === undefined ? undefined : this.board.mailboxes[slot]
  }

  /** The kernel has (or no longer has) something for the slot's host; pending also rings it. */
  setKernelPending(slot: number | undefined, pending: boolean): void {
    const mailbox = this.mailbox(slot)
    if (mailbox === undefined) return
    Atomics.store(mailbox.header, Ring.KERNEL_PENDING, pending ? 1 : 0)
    if (pending) ringDoorbell(mailbox)
  }

  /** No new call lands in the slot from now on (its host ended); its worker is rung. */
  close(slot: number | undefined): void {
    const mailbox = this.mailbox(slot)
    if (mailbox === undefined) return
    Atomics.store(mailbox.header, Ring.STATE, SlotState.CLOSED)
    ringDoorbell(mailbox)
  }

  /** Frees every slot held by the record with `key` (its worker thread is gone). */
  release(key: string, beforeEach: () => void): void {
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      if (this.holders[slot]?.key !== key) continue
      beforeEach()
      this.holders[slot] = undefined
      const mailbox = this.board.mailboxes[slot]
      if (mailbox) Atomics.store(mailbox.header, Ring.STATE, SlotState.FREE)
    }
  }

  clear(): void {
    this.holders.fill(undefined)
  }

  /** Cells the slot's worker has not taken yet, or calls waiting there for its guest. */
  hasMail(slot: number | undefined): boolean {
    const mailbox = this.mailbox(slot)
    if (mailbox === undefined) return false
    const h = mailbox.header
    return (
      ((Atomics.load(h, Ring.TAIL) - Atomics.load(h, Ring.HEAD)) | 0) > 0 ||
      Atomics.load(h, Ring.QUEUED) > 0
    )
  }

  /** Calls queued for the slot's host by other workers and not yet handed to its guest. */
  queued(slot: number | undefined): number {
    const mailbox = this.mailbox(slot)
    return mailbox ? Atomics.load(mailbox.header, Ring.QUEUED) : 0
  }

  /**
   * A dispatch_ through the kernel would overflow its callee's inbound bound, which counts the
   * calls waiting in the callee's mailbox too (logged). `slotOf` maps an attached host's key to
   * its slot.
   */
  inboundFull(
    kernel: Kernel,
    slotOf: (hostKey: string) => number | undefined,
    req: DispatchRequest,
    logger: Logger,
  ): boolean {
    if (req.serviceId === undefined) return false
    let target
    try {
      target = kernel.serviceById(fromRaw('service', req.serviceId))
    } catch {
      return false
    }
    const slot = target && slotOf(target.host.key)
    if (target === undefined || slot === undefined) return false
    const queued = this.queued(slot)
    if (queued === 0 || target.host.inbound.length + queued < kernel.limits.inboundQueue)
      return false
    logger
      .withSource('kernel')
      .log(
        'warn',
        `dispatch_: ${target.fullName}: inbound queue full (${kernel.limits.inboundQueue} calls)`,
      )
    return true
  }

  /**
   * After a dispatch_ the kernel served: where the callee's mailbox is (slot and generation), so
   * the caller can go direct next time; undefined when its callee has none or is not running.
   */
  routeTo(
    kernel: Kernel,
    slotOf: (hostKey: string) => number | undefined,
    req: DispatchRequest,
  ): SlotGrant | undefined {
    if (req.serviceId === undefined) return undefined
    const target = kernel.serviceById(fromRaw('service', req.serviceId))
    const slot = target && target.state === 'running' ? slotOf(target.host.key) : undefined
    const mailbox = this.mailbox(slot)
    if (slot === undefined || mailbox === undefined) return undefined
    return { slot, gen: Atomics.load(mailbox.header, Ring.GEN) }
  }
}

/**
 * The call a worker took from its mailbox and has not made a syscall since (it wrote its count
 * and which call into its channel), or undefined; `served` tells one such call from the next.
 */
export function mailboxCallServing(
  channel: Channel,
): { readonly served: number; readonly call: ServiceMethodCall } | undefined {
  const { header, bytes } = channel
  if (Atomics.load(header, Word.SERVING) !== 1) return undefined
  const served = Atomics.load(header, Word.SERVED)
  const call = create(ServiceMethodCallSchema, {
    serviceId: rawId(readRawId(bytes, ServingBytes.SERVICE)),
    methodId: rawId(readRawId(bytes, ServingBytes.METHOD)),
  })
  // Read again: the worker may have moved on while we read.
  return Atomics.load(header, Word.SERVING) === 1 && Atomics.load(header, Word.SERVED) === served
    ? { served, call }
    : undefined
}
