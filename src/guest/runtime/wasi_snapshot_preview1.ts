// Raw imports of WASI preview 1 (module "wasi_snapshot_preview1", named after this file, see
// parigot.ts). Only what the runtime needs. Every function returns a WASI errno (0 = success).

/** Writes the iovecs at `iovs` (each {ptr: u32, len: u32}) to fd; stores the count written. */
export declare function fd_write(fd: i32, iovs: usize, iovsLen: i32, nwritten: usize): i32

/** Fills `len` bytes at `buf` with cryptographically random data. */
export declare function random_get(buf: usize, len: i32): i32

/** Ends the program with the exit code; does not return. */
export declare function proc_exit(code: i32): void

/** Waits for subscriptions (48 bytes each) and stores events (32 bytes each). */
export declare function poll_oneoff(
  subscriptions: usize,
  events: usize,
  count: i32,
  neventsOut: usize,
): i32

/** Stores argc and the total size of the argv strings (NUL-terminated). */
export declare function args_sizes_get(argcOut: usize, bufSizeOut: usize): i32

/** Stores argc pointers at `argv` and the NUL-terminated strings at `buf`. */
export declare function args_get(argv: usize, buf: usize): i32

/** Stores the time of clock `id` (0 realtime, 1 monotonic) in ns as a u64 at `out`. */
export declare function clock_time_get(id: i32, precision: i64, out: usize): i32
