/**
 * Counts of what a call costs in thread hops (kernel round trips, polls, Atomics.wait/notify,
 * postMessage), per thread, for `npm run bench -- call` with PARIGOT_CALL_COUNTERS=1. Off (the
 * default) it costs one branch on a constant. A guest worker logs its counts when its guest
 * ends (`counters {...}`); the kernel thread's are read from `callCounters` in the same process.
 */
export const COUNTING = globalThis.process?.env?.['PARIGOT_CALL_COUNTERS'] === '1'

const counters = new Map<string, number>()

export function count(name: string, by = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + by)
}

/** This thread's counts so far. */
export function callCounters(): Record<string, number> {
  return Object.fromEntries(counters)
}

/** Clears the counts (the bench reads the kernel thread's between runs). */
export function resetCounters(): void {
  counters.clear()
}
