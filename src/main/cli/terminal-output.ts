import { WriteStream } from 'node:tty'
import { styleText } from 'node:util'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogRecord } from '../../shared/log/log-record'

type Style = Parameters<typeof styleText>[0]

const COLORS = [
  'cyan',
  'green',
  'magenta',
  'yellow',
  'blue',
  'cyanBright',
  'greenBright',
  'magentaBright',
  'yellowBright',
  'blueBright',
] as const satisfies readonly Style[]
const LEVEL_STYLE: Record<LogRecord['level'], Style | undefined> = {
  debug: 'dim',
  info: undefined,
  warn: 'yellow',
  error: ['red', 'bold'],
}

/**
 * Whether lines for `stream` get colour, by Node's own rule: FORCE_COLOR wins (0 turns colour
 * off), then NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb turn it off, else a colour TTY gets it.
 * styleText applies this rule by itself only from Node 22.13; on Node 20 (our floor, 20.19) it
 * checks a single style but not a list of them, so the decision stays explicit here and
 * styleText is only asked to format (validateStream: false).
 */
export function colorWanted(
  stream: { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  // getColorDepth reads only `env`, so it answers for a pipe as well as for a TTY.
  const rich = WriteStream.prototype.getColorDepth(env) > 2
  return env.FORCE_COLOR !== undefined ? rich : stream.isTTY === true && rich
}

const paint = (style: Style, text: string): string =>
  styleText(style, text, { validateStream: false })

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
  const serviceColors = new Map<string, Style>()
  const colorOf = (source: string): Style => {
    let c = serviceColors.get(source)
    if (c === undefined) {
      c = COLORS[serviceColors.size % COLORS.length] as Style
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
      const tag = color ? paint(colorOf(record.source), `[${record.source}]`) : `[${record.source}]`
      const level = record.level === 'info' ? '' : `${record.level}: `
      const style = LEVEL_STYLE[record.level]
      const body =
        color && style ? paint(style, `${level}${record.message}`) : `${level}${record.message}`
      write(`${tag} ${body}`)
    },
    event() {
      // Kernel events reach humans through the log lines the kernel writes.
    },
    progress(message) {
      write(color ? paint('dim', `… ${message}`) : `… ${message}`)
    },
  }
}
