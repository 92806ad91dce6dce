// How a call or launch the kernel ended looks to the guest: the typed failure, and the last one
// seen (for code that only learns that a future failed).
import { KernelErr } from './messages'

/** A call (or launch) the kernel ended, as the guest sees it: the typed error of a failure. */
export class KernelFailure {
  constructor(
    /** The callee's error, or DISPATCH_ERROR when the kernel ended the call. */
    public readonly resultError: i32,
    /** Why the kernel ended it: KernelErr.ServiceFailed, CallTimeout, RunTimeout, ... */
    public readonly kernelError: i32,
  ) {}

  /** `ServiceFailed (41)`: the kernel error by name, for log lines. */
  toString(): string {
    return kernelErrName(this.kernelError) + ' (' + this.kernelError.toString() + ')'
  }
}

/** The name of a KernelErr value (the numbers of proto/parigot/syscall/v1/syscall.proto). */
export function kernelErrName(err: i32): string {
  switch (err) {
    case KernelErr.NoError:
      return 'NoError'
    case KernelErr.NotFound:
      return 'NotFound'
    case KernelErr.BadId:
      return 'BadId'
    case KernelErr.NotRequired:
      return 'NotRequired'
    case KernelErr.RunTimeout:
      return 'RunTimeout'
    case KernelErr.DependencyCycle:
      return 'DependencyCycle'
    case KernelErr.CallTimeout:
      return 'CallTimeout'
    case KernelErr.ServiceFailed:
      return 'ServiceFailed'
    case KernelErr.CallQueueFull:
      return 'CallQueueFull'
    case KernelErr.GuestReadFailed:
      return 'GuestReadFailed'
    case KernelErr.GuestWriteFailed:
      return 'GuestWriteFailed'
    case KernelErr.DataTooLarge:
      return 'DataTooLarge'
    default:
      return 'KernelErr'
  }
}

/** The kernel's reason for the last failed call or launch this guest saw (null if none). */
export let lastFailure: KernelFailure | null = null

/** The kernel error of the last failed call result (CallTimeout, ServiceFailed, ...; 0 if none). */
export let lastKernelError: i32 = 0

/** Records a failed call or launch as the last one seen, and returns it. */
export function noteFailure(resultError: i32, kernelError: i32): KernelFailure {
  lastKernelError = kernelError
  const failure = new KernelFailure(resultError, kernelError)
  lastFailure = failure
  return failure
}
