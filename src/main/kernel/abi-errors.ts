import { KernelErr } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { AbiErrorCodes } from '../engine/invoke'

/**
 * Transport failures of `parigot.*` syscalls in KernelErr terms. KernelErr has no "internal"
 * value, so a host-side exception is reported as ExecError (unused by the reference).
 */
export const KERNEL_ABI_ERRORS: AbiErrorCodes = {
  guestReadFailed: KernelErr.GuestReadFailed,
  unmarshalFailed: KernelErr.UnmarshalFailed,
  marshalFailed: KernelErr.MarshalFailed,
  dataTooLarge: KernelErr.DataTooLarge,
  guestWriteFailed: KernelErr.GuestWriteFailed,
  internal: KernelErr.ExecError,
}
