/**
 * The wall clock in milliseconds, with the monotonic clock's sub-millisecond resolution.
 *
 * `performance.timeOrigin + performance.now()` alone drifts from the wall clock: the monotonic
 * clock does not count time while a VM is paused, and NTP slews only the wall clock. A host that
 * has run for a day would stamp its logs and spans, and answer a guest's realtime clock, off by
 * whatever accumulated. The offset is re-anchored whenever the two disagree by a millisecond or
 * more, so the answer stays within 1 ms of `Date.now()` (which truncates to the millisecond).
 */
export function wallClockMs(
  wallMs: () => number = Date.now,
  monotonicMs: () => number = () => performance.now(),
): () => number {
  let offsetMs = wallMs() - monotonicMs()
  return () => {
    const wall = wallMs()
    const mono = monotonicMs()
    const ms = offsetMs + mono
    if (Math.abs(ms - wall) < 1) return ms
    offsetMs = wall - mono
    return wall
  }
}
