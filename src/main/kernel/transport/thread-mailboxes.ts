/**
 * Mailboxes written on the kernel's thread, for hosts with no worker of their own (a cluster's
 * stand-ins and remote callers, src/main/cluster): a stand-in's result goes straight into the
 * calling worker's mailbox, and a remote caller gets a slot of its own so that a guest's worker
 * answers its calls there, as workers answer each other (runner/mailbox-result.ts,
 * runner/mailbox-caller.ts write the cells).
 */
import type { DispatchRequest } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRawChecked } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Kernel } from '../kernel'
import type { Attached } from './attached-host'
import { createChannel, RESULT_BY_MAILBOX } from './channel'
import type { Mailboxes, SlotGrant } from './mailboxes'
import type { RingView, Switchboard } from './switchboard'

/** A mailbox the kernel's thread writes into, with the switchboard it belongs to. */
export interface ThreadMailbox {
  readonly board: Switchboard
  readonly ring: RingView
  readonly slot: number
}

export class ThreadMailboxes {
  /** Hosts with no worker whose results go straight into their callers' mailboxes. */
  private readonly answerers = new Set<string>()

  constructor(
    private readonly kernel: Kernel,
    private readonly board: Switchboard,
    private readonly mailboxes: Mailboxes<Attached>,
    private readonly now: () => number,
    /** The hosts whose channels the kernel server serves, by key. */
    private readonly attached: ReadonlyMap<string, Attached>,
    private readonly drainNotices: () => void,
  ) {}

  /**
   * `host` (no worker of its own: a cluster's stand-in) answers its calls by writing the result
   * into the caller's mailbox (`workerMailbox`); a dispatch_ to it tells the caller's worker so
   * (RESULT_BY_MAILBOX), and the worker then takes that result without asking the kernel.
   */
  answersByMailbox(host: HostId): void {
    this.answerers.add(formatId(host))
  }

  /** Where the callee of a dispatch_ the kernel accepted from `record` takes its calls. */
  routeOf(record: Attached, req: DispatchRequest): SlotGrant | undefined {
    if (this.answerers.size > 0 && record.slot !== undefined && req.serviceId) {
      const sid = fromRawChecked('service', req.serviceId)
      const target = sid.ok ? this.kernel.serviceById(sid.id) : undefined
      if (target !== undefined && this.answerers.has(target.host.key))
        return { slot: RESULT_BY_MAILBOX, gen: 0 }
    }
    return this.mailboxes.routeTo(this.kernel, (key) => this.attached.get(key)?.slot, req)
  }

  /** The mailbox of `host`'s worker, for a cell written on this thread, or undefined. */
  workerMailbox(host: HostId): ThreadMailbox | undefined {
    const record = this.attached.get(formatId(host))
    if (record === undefined || record.closed || record.slot === undefined) return undefined
    const ring = this.mailboxes.mailbox(record.slot)
    return ring && { board: this.board, ring, slot: record.slot }
  }

  /**
   * A mailbox slot for `host`, a host with no worker (a cluster's remote caller): workers answer
   * its calls there as they answer each other's. Undefined when no slot is free. `release`
   * gives it back.
   */
  grant(host: HostId): (ThreadMailbox & { readonly gen: number }) | undefined {
    const holder: Attached = {
      host,
      key: formatId(host),
      // Never served as a channel: the host makes no syscalls.
      channel: createChannel(0),
      parked: undefined,
      lastSyscallMs: this.now(),
      serving: undefined,
      closed: false,
      slot: undefined,
    }
    const grant = this.mailboxes.grant(holder)
    const ring = this.mailboxes.mailbox(grant?.slot)
    if (grant === undefined || ring === undefined) return undefined
    return { board: this.board, ring, slot: grant.slot, gen: grant.gen }
  }

  /** Closes and frees the slot `grant` gave `host` (the direct calls so far booked first). */
  release(host: HostId, slot: number): void {
    this.mailboxes.close(slot)
    this.mailboxes.release(formatId(host), this.drainNotices)
  }
}
