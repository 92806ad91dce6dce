// Raw imports of host module "parigot_worker": what a guest's worker answers itself, without
// the kernel (docs/abi.md, "Sharing a worker"). The module is named after this file.

/**
 * Called once by the event loop with the table index of its `pump` function. Returns 1 when
 * this guest shares its worker with other guests: the loop must then return at once, and the
 * worker calls `pump` whenever the guest has an event. Returns 0 otherwise (loop as usual).
 */
export declare function colocated(pump: u32): i32
