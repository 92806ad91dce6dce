// WASI imports the benchmark guests need beyond the runtime's; AssemblyScript takes the import
// module name from this file's name.

/** Reads clock `id` (1 = monotonic) in nanoseconds into the u64 at `out`; returns an errno. */
export declare function clock_time_get(id: i32, precision: i64, out: usize): i32
