import type { Any } from '@bufbuild/protobuf/wkt'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { HostId } from '../../shared/id'
import type {
  DispatchRequest,
  KernelErr,
  ResolvedCall,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'

/** Calls made straight into the callees' mailboxes (runner/mailbox-caller.ts). */
export interface MailboxDispatch {
  /** The kernel's code (NoError: the result comes later), or undefined: use kernel.dispatch. */
  dispatch(req: DispatchRequest): KernelErr | undefined
  close(): void
}
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
  /**
   * Hands the result of a call that virtual host `callee` took straight to the calling guest's
   * worker and closes the call; false when it cannot (then `kernel.returnValue`).
   */
  deliverResult?(
    callee: HostId,
    callId: IdRaw,
    result: Any | undefined,
    resultError: number,
  ): boolean
  /**
   * For virtual host `host` (a remote caller): a way to call guests straight through their
   * mailboxes, their results coming to `onResult`; undefined when it cannot have one.
   */
  mailboxCaller?(
    host: HostId,
    onResult: (resolved: ResolvedCall) => void,
  ): MailboxDispatch | undefined
  /** The deployment's traces, when it traces calls: calls between hosts carry their context. */
  readonly traces?: {
    /** The trace and span of a call this kernel booked (by call key). */
    contextOf(call: string): TraceParent | undefined
    /** Before `call` is dispatched: its parent is a span of another host. */
    noteRemoteParent(call: string, parent: TraceParent): void
  }
}
