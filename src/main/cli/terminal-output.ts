import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogRecord } from '../../shared/log/log-record'

const COLORS = [36, 32, 35, 33, 34, 96, 92, 95, 93, 94] as const
const LEVEL_STYLE: Record<LogRecord['level'], string> = {
  debug: '\x1b[2m',
  info: '',
  warn: '\x1b[33m',
  error: '\x1b[31;1m',
}

export interface TerminalOutput {
  log(record: LogRecord): void
  event(event: KernelEvent): void
  progress(message: string): void
}

/**
 * Log lines for a terminal: `[service] message`, each service in its own colour when stdout is
 * a TTY; or, with --json, one JSON object per line (logs and kernel events) for machines.
 */
export function createTerminalOutput(options: {
  json: boolean
  color: boolean
  write: (line: string) => void
}): TerminalOutput {
  const { json, color, write } = options
  const serviceColors = new Map<string, number>()
  const colorOf = (source: string): number => {
    let c = serviceColors.get(source)
    if (c === undefined) {
      c = COLORS[serviceColors.size % COLORS.length] as number
      serviceColors.set(source, c)
    }
    return c
  }
  if (json) {
    return {
      log: (record) => write(JSON.stringify({ type: 'log', ...record })),
      event: (event) => write(JSON.stringify({ type: 'event', event })),
      progress: (message) => write(JSON.stringify({ type: 'progress', message })),
    }
  }
  return {
    log(record) {
      const tag = color
        ? `\x1b[${colorOf(record.source)}m[${record.source}]\x1b[0m`
        : `[${record.source}]`
      const level = record.level === 'info' ? '' : `${record.level}: `
      const body =
        color && LEVEL_STYLE[record.level]
          ? `${LEVEL_STYLE[record.level]}${level}${record.message}\x1b[0m`
          : `${level}${record.message}`
      write(`${tag} ${body}`)
    },
    event() {
      // Kernel events reach humans through the log lines the kernel writes.
    },
    progress(message) {
      write(color ? `\x1b[2m… ${message}\x1b[0m` : `… ${message}`)
    },
  }
}
