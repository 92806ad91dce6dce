import type { LogLevel, LogRecord } from '../../shared/log/log-record'

/** Where the engine and plugins send log lines; the runner decides what happens to them. */
export interface Logger {
  log(level: LogLevel, message: string): void
  /** A logger whose lines carry another source name (a service, a plugin). */
  withSource(source: string): Logger
}

export type LogSink = (record: LogRecord) => void

export function createLogger(source: string, sink: LogSink, now: () => number = Date.now): Logger {
  return {
    log(level, message) {
      sink({ timeMs: now(), level, source, message })
    },
    withSource(other) {
      return createLogger(other, sink, now)
    },
  }
}

/** Collects records in memory; used by tests and by tools that print a summary afterwards. */
export function createMemoryLogger(source = 'host'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = []
  return { logger: createLogger(source, (r) => records.push(r)), records }
}
