/** Severity of a log line; ordered so that a numeric comparison filters by minimum level. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * One line of the deployment-wide log. `source` names who produced it: a service name, a
 * plugin (`plugin:file`), or the host itself (`host`), so every consumer can filter by it.
 */
export interface LogRecord {
  readonly timeMs: number
  readonly level: LogLevel
  readonly source: string
  readonly message: string
  /** The call being handled when the line was written, when the deployment traces calls. */
  readonly traceId?: string
  readonly spanId?: string
}

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level)
}
