/**
 * A guest worker as the kernel server serves it (kernel-server.ts), and what the server writes
 * back into its channel and mailbox for the worker's direct path after a syscall.
 */
import type { DescMessage, MessageShape } from '@bufbuild/protobuf'
import type { HostId } from '../../../shared/id'
import type { SyscallEntry } from '../syscall-table'
import { Word } from './channel'
import type { Channel } from './channel'
import type { Mailboxes, SlotGrant } from './mailboxes'
import { Ring } from './switchboard'

export interface Parked {
  readonly entry: SyscallEntry
  readonly request: MessageShape<DescMessage>
  readonly deadlineMs: number | undefined
}

export interface Attached {
  readonly host: HostId
  readonly key: string
  readonly channel: Channel
  parked: Parked | undefined
  lastSyscallMs: number
  /** Set when read_one_ handed this host a call; cleared by its next syscall. */
  serving: { readonly sinceMs: number; readonly call: string } | undefined
  /**
   * The last call seen served from the mailbox (its count in the channel's SERVED word), and
   * when the watchdog first saw it.
   */
  mailboxServing?: { readonly served: number; readonly sinceMs: number; readonly call: string }
  closed: boolean
  /** This host's mailbox in the switchboard, if it got one. */
  slot: number | undefined
}

/**
 * After a read_one_ through the kernel: whether its answer was "nothing" (EMPTY, so the worker
 * does not poll again until its doorbell moves) and whether the kernel still has something for
 * this host (its mailbox's KERNEL_PENDING).
 */
export function tellReadOne(
  record: Attached,
  empty: boolean,
  pending: boolean,
  mailboxes: Mailboxes<Attached> | undefined,
): void {
  Atomics.store(record.channel.header, Word.EMPTY, empty ? 1 : 0)
  const mailbox = mailboxes?.mailbox(record.slot)
  if (mailbox) Atomics.store(mailbox.header, Ring.KERNEL_PENDING, pending ? 1 : 0)
}

/** After a dispatch_ through the kernel: where the callee's mailbox is (slot -1: none). */
export function tellRoute(channel: Channel, route: SlotGrant | undefined): void {
  Atomics.store(channel.header, Word.ROUTE_SLOT, route?.slot ?? -1)
  Atomics.store(channel.header, Word.ROUTE_GEN, route?.gen ?? 0)
}

/**
 * Resolves the pending Atomics.waitAsync on a closed host's channel. Its worker is gone and will
 * never write again, and a waiter that is never resolved keeps the channel's buffer, and through
 * its callback this server and the deployment's switchboard, alive for good.
 */
export function releaseWaiter(record: Attached): void {
  Atomics.notify(record.channel.header, Word.STATE)
}
