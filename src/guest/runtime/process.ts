// Process-level WASI helpers: argv, sleeping, and ending the program.

import { args_get, args_sizes_get, clock_time_get, poll_oneoff, proc_exit } from './abi'

/** argv: argv[0] is the service name, then the deployment's args. */
export function args(): string[] {
  const sizes = new Uint32Array(2)
  if (args_sizes_get(sizes.dataStart, sizes.dataStart + 4) != 0) return []
  const argc = <i32>sizes[0]
  const bufSize = <i32>sizes[1]
  const ptrs = new Uint32Array(argc)
  const buf = new Uint8Array(bufSize + 1)
  if (args_get(ptrs.dataStart, buf.dataStart) != 0) return []
  const out = new Array<string>(argc)
  const end = buf.dataStart + <usize>bufSize
  for (let i = 0; i < argc; i++) {
    const start = <usize>ptrs[i]
    let stop = start
    while (stop < end && load<u8>(stop) != 0) stop++
    out[i] = String.UTF8.decodeUnsafe(start, stop - start)
  }
  return out
}

/**
 * Sleeps `millis` milliseconds with poll_oneoff on the monotonic clock (relative timeout).
 * Returns the WASI errno (0 = slept).
 */
export function sleepMillis(millis: i64): i32 {
  if (millis <= 0) return 0
  // subscription_t (48 bytes): userdata u64 @0, tag u8 @8 (0 = clock), clock id u32 @16
  // (1 = monotonic), timeout u64 @24 (ns), precision u64 @32, flags u16 @40 (0 = relative).
  const sub = new Uint8Array(48)
  const p = sub.dataStart
  store<u64>(p, 0x736c656570) // userdata "sleep"
  store<u8>(p, 0, 8)
  store<u32>(p, 1, 16)
  store<u64>(p, <u64>millis * 1000000, 24)
  store<u64>(p, 0, 32)
  store<u16>(p, 0, 40)
  // event_t: 32 bytes; plus the count of events.
  const events = new Uint8Array(32)
  const count = new Uint32Array(1)
  const errno = poll_oneoff(p, events.dataStart, 1, count.dataStart)
  if (errno != 0) return errno
  // event_t.error (u16 @8)
  return <i32>load<u16>(events.dataStart, 8)
}

/** The monotonic clock in nanoseconds (0 if the host refuses). */
export function nowNanos(): u64 {
  const out = new Uint64Array(1)
  if (clock_time_get(1, 1000, out.dataStart) != 0) return 0
  return out[0]
}

/** Ends the program with `code` (never returns). */
export function exitProcess(code: i32): void {
  proc_exit(code)
  unreachable()
}
