// Apart from invoke.ts (which needs protobuf-es) so that the guest worker's syscall forwarders
// can read the capacity word without loading protobuf-es.
import { GuestTrap } from './errors'
import type { GuestBinding } from './host-function'

/** The reference's fixed out-buffer size; an errPtr capacity of 0 means this. */
export const DEFAULT_OUT_CAPACITY = 4096

/**
 * The out-buffer capacity the guest stored in its error word (0 means the reference's 4096).
 * An error word outside memory leaves nowhere to report anything: the guest is trapped.
 */
export function outBufferCapacity(guest: GuestBinding, errPtr: number, qualified: string): number {
  const memory = guest.memory()
  const word = memory.readU32(errPtr)
  if (word === undefined) {
    const message = `${qualified}: error pointer ${errPtr >>> 0} is outside guest memory (${memory.size} bytes); guest "${guest.serviceName}" trapped`
    guest.logger.log('error', message)
    throw new GuestTrap(message)
  }
  return word === 0 ? DEFAULT_OUT_CAPACITY : word
}
