// Types for scripts/guest-asc-options.mjs (plain JavaScript, run by npm scripts as is).
export declare const GUEST_ASC_OPTIONS: readonly string[]
