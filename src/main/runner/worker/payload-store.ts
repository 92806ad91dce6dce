/**
 * Payload bytes of the direct path (calls and results on their way to a guest) handed out again
 * once used: a payload is a view into the shared slab (wire.ts payloadBytes), and each view is an
 * object the collector has to sweep, on every call. A view given back goes on a free list for its
 * length, and a guest's calls and answers mostly repeat their lengths.
 */
import { payloadBytes } from './wire'
import type { PayloadSource } from './wire'
import { FixedStack } from './fixed-stack'

/** Longest payload kept for reuse (a mailbox cell's payload is shorter). */
const MAX_REUSED_BYTES = 1024
/** Views kept per length: more in flight at once than this are left to the collector. */
const KEPT_PER_LENGTH = 32

export class PayloadStore implements PayloadSource {
  private readonly free: (FixedStack<Uint8Array> | undefined)[] = []

  /** Bytes for a payload of `size` (contents undefined); give them back when no longer read. */
  take(size: number): Uint8Array {
    if (size <= MAX_REUSED_BYTES) {
      const reused = this.free[size]?.pop()
      if (reused !== undefined) return reused
    }
    return payloadBytes(size)
  }

  /** Takes back bytes from `take` that nothing reads any more (each exactly once). */
  give(bytes: Uint8Array): void {
    const size = bytes.byteLength
    if (size > MAX_REUSED_BYTES) return
    let list = this.free[size]
    if (list === undefined) {
      list = new FixedStack(KEPT_PER_LENGTH)
      this.free[size] = list
    }
    list.push(bytes)
  }
}
