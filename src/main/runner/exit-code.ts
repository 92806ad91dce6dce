// Its own module so that commands that only check a config (`parigot validate`) need not
// load the runner to name their exit codes.

/** Runner exit codes beyond the guests' own 0..192 (the reference reserved 193..255). */
export const ExitCode = {
  OK: 0,
  /** The config is invalid or a module does not compile/instantiate. */
  BAD_DEPLOYMENT: 2,
  /** Stopped by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
  /** Every guest waited for something no guest could give (the log has the report). */
  DEADLOCK: 254,
  /** A main (or test) program trapped or was killed (the reference's ExitCodeTrapped). */
  MAIN_FAILED: 253,
  /** Test mode with no `test` service, or `run` of a deployment that has neither main nor server. */
  NO_MAIN: 255,
} as const
