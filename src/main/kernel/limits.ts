/** The kernel's bounds; all are per deployment and come from the deploy config. */
export interface KernelLimits {
  /** How long a launched service may wait for its requirements (DESIGN 5: default 10 s). */
  readonly launchTimeoutMs: number
  /** How long a call may wait for its result (the reference's 3000 ms). */
  readonly callTimeoutMs: number
  /** Calls queued for one host and not yet read (DESIGN 5: default 1024). */
  readonly inboundQueue: number
  /** Calls one host may have outstanding at once. */
  readonly pendingPerHost: number
  /** Services one host may register. */
  readonly servicesPerHost: number
  /** Methods one service may bind. */
  readonly methodsPerService: number
  /** Call ids remembered after a timeout so a late result is recognised, not refused. */
  readonly expiredCallMemory: number
  /** Entries kept in each service's state history. */
  readonly historyPerService: number
}

export const DEFAULT_KERNEL_LIMITS: KernelLimits = {
  launchTimeoutMs: 10_000,
  callTimeoutMs: 3_000,
  inboundQueue: 1024,
  pendingPerHost: 4096,
  servicesPerHost: 256,
  methodsPerService: 1024,
  expiredCallMemory: 4096,
  historyPerService: 32,
}

/** The reference's exit-code ceiling; larger codes are reserved for the runner's own. */
export const MAX_EXIT_CODE = 192

/**
 * The one exit-code rule (docs/abi.md, "Exit codes"), used for exit_, synchronous_exit_ and
 * WASI proc_exit alike, and so by the kernel's events, the runner's result, the CLI's exit
 * code, `--json` and the Studio: an integer in 0..192 is kept; anything else (negative, above
 * 192, not an integer) becomes 192, so a guest can never turn a failure into success (or into
 * one of the runner's own codes) by overflow.
 */
export function guestExitCode(code: number): number {
  return Number.isInteger(code) && code >= 0 && code <= MAX_EXIT_CODE ? code : MAX_EXIT_CODE
}
