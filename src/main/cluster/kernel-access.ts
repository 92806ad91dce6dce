import type { HostId } from '../../shared/id'
import type { Kernel } from '../kernel/kernel'
import type { TraceParent } from './trace-context'

/**
 * What the cluster needs of the runner's kernel: the kernel itself, hosts with no worker (a
 * remote guest's stand-in, a remote caller) that it wakes through a callback, and a way to let
 * the kernel's transport act on what a change from outside did (wake parked guests, arm timers).
 */
export interface KernelAccess {
  readonly kernel: Kernel
  /** A kernel host with no worker; the kernel's wake-ups of it call `onWake` (in a microtask). */
  virtualHost(name: string, onWake: () => void): HostId
  flush(): void
  /** The deployment's traces, when it traces calls: calls between hosts carry their context. */
  readonly traces?: {
    /** The trace and span of a call this kernel booked (by call key). */
    contextOf(call: string): TraceParent | undefined
    /** Before `call` is dispatched: its parent is a span of another host. */
    noteRemoteParent(call: string, parent: TraceParent): void
  }
}
