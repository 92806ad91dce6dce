/**
 * Spans and log lines as Chrome trace-event JSON (the format Perfetto and chrome://tracing
 * open), and back. Each span is a complete event (`ph: "X"`) on its callee's track, with the
 * span's fields in `args`; each log line is an instant event (`ph: "i"`) on its source's track
 * with the trace and span ids of the call it was written in. Files read back are untrusted:
 * the size, the number of events and every field are checked, and a bad field is named.
 */
import { LOG_LEVELS } from '../log/log-record'
import type { LogLevel, LogRecord } from '../log/log-record'
import { SPAN_ID, TRACE_ID } from './span'
import type { SpanRecord } from './span'

/** Largest trace file the Studio opens (bytes of JSON). */
export const MAX_TRACE_FILE_BYTES = 64 * 1024 * 1024
/** Most events one file may hold. */
export const MAX_TRACE_EVENTS = 500_000
const MAX_NAME = 512
const MAX_MESSAGE = 64 * 1024
const PID = 1

export interface TraceFile {
  readonly spans: SpanRecord[]
  readonly logs: LogRecord[]
  /** Events of other kinds (a file written by another tool), skipped. */
  readonly skipped: number
}

export type DecodeResult =
  { readonly ok: true; readonly trace: TraceFile } | { readonly ok: false; readonly error: string }

interface TraceEvent {
  name: string
  cat: string
  ph: string
  ts: number
  pid: number
  tid: number
  dur?: number
  s?: string
  args: Record<string, unknown>
}

/** The trace-event JSON of `spans` and `logs` (one track per guest). */
export function encodeChromeTrace(
  spans: readonly SpanRecord[],
  logs: readonly LogRecord[] = [],
): string {
  const tracks = new Map<string, number>()
  const tid = (name: string) => {
    let id = tracks.get(name)
    if (id === undefined) tracks.set(name, (id = tracks.size + 1))
    return id
  }
  const events: TraceEvent[] = []
  for (const span of spans) {
    events.push({
      name: `${span.service}.${span.method}`,
      cat: 'call',
      ph: 'X',
      ts: span.startMs * 1000,
      dur: span.durationMs * 1000,
      pid: PID,
      tid: tid(span.callee),
      args: { ...span },
    })
  }
  for (const log of logs) {
    events.push({
      name: log.message.slice(0, 120),
      cat: 'log',
      ph: 'i',
      s: 't',
      ts: log.timeMs * 1000,
      pid: PID,
      tid: tid(log.source),
      args: { ...log },
    })
  }
  const meta = [...tracks].map(([name, id]) => ({
    name: 'thread_name',
    ph: 'M',
    pid: PID,
    tid: id,
    args: { name },
  }))
  return JSON.stringify({
    traceEvents: [
      { name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: 'parigot' } },
      ...meta,
      ...events,
    ],
    displayTimeUnit: 'ms',
  })
}

class Invalid extends Error {}

/** Reads a trace file written by encodeChromeTrace (or its events, from any trace-event file). */
export function decodeChromeTrace(text: string): DecodeResult {
  if (text.length > MAX_TRACE_FILE_BYTES) {
    return {
      ok: false,
      error: `the trace is ${text.length} bytes; at most ${MAX_TRACE_FILE_BYTES} are read`,
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` }
  }
  const events = Array.isArray(json)
    ? json
    : isObject(json) && Array.isArray(json.traceEvents)
      ? json.traceEvents
      : undefined
  if (events === undefined) {
    return { ok: false, error: 'expected {"traceEvents": [...]} or an array of trace events' }
  }
  if (events.length > MAX_TRACE_EVENTS) {
    return {
      ok: false,
      error: `traceEvents has ${events.length} events; at most ${MAX_TRACE_EVENTS} are read`,
    }
  }
  const spans: SpanRecord[] = []
  const logs: LogRecord[] = []
  let skipped = 0
  try {
    events.forEach((event: unknown, i: number) => {
      const at = `traceEvents[${i}]`
      if (!isObject(event)) throw new Invalid(`${at}: expected an object`)
      if (event.ph === 'X' && event.cat === 'call') spans.push(spanOf(event, at))
      else if (event.ph === 'i' && event.cat === 'log') logs.push(logOf(event, at))
      else skipped++
    })
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message }
    throw err
  }
  return { ok: true, trace: { spans, logs, skipped } }
}

function spanOf(event: Record<string, unknown>, at: string): SpanRecord {
  const args = event.args
  if (!isObject(args)) throw new Invalid(`${at}.args: expected an object`)
  const where = `${at}.args`
  const parentSpanId =
    args.parentSpanId === undefined ? undefined : id(args, 'parentSpanId', SPAN_ID, where)
  return {
    traceId: id(args, 'traceId', TRACE_ID, where),
    spanId: id(args, 'spanId', SPAN_ID, where),
    ...(parentSpanId !== undefined ? { parentSpanId } : {}),
    caller: text(args, 'caller', MAX_NAME, where),
    callee: text(args, 'callee', MAX_NAME, where),
    service: text(args, 'service', MAX_NAME, where),
    method: text(args, 'method', MAX_NAME, where),
    startMs: num(args, 'startMs', where),
    durationMs: num(args, 'durationMs', where, 0),
    resultError: int(args, 'resultError', where),
    kernelError: int(args, 'kernelError', where),
  }
}

function logOf(event: Record<string, unknown>, at: string): LogRecord {
  const args = event.args
  if (!isObject(args)) throw new Invalid(`${at}.args: expected an object`)
  const where = `${at}.args`
  const level = args.level
  if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Invalid(`${where}.level: expected one of ${LOG_LEVELS.join(', ')}`)
  }
  const traceId = args.traceId === undefined ? undefined : id(args, 'traceId', TRACE_ID, where)
  const spanId = args.spanId === undefined ? undefined : id(args, 'spanId', SPAN_ID, where)
  return {
    timeMs: num(args, 'timeMs', where),
    level: level as LogLevel,
    source: text(args, 'source', MAX_NAME, where),
    message: text(args, 'message', MAX_MESSAGE, where),
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function id(args: Record<string, unknown>, key: string, pattern: RegExp, where: string): string {
  const v = args[key]
  if (typeof v !== 'string' || !pattern.test(v)) {
    throw new Invalid(
      `${where}.${key}: expected ${pattern === TRACE_ID ? 32 : 16} lowercase hex digits`,
    )
  }
  return v
}

function text(args: Record<string, unknown>, key: string, max: number, where: string): string {
  const v = args[key]
  if (typeof v !== 'string' || v.length > max) {
    throw new Invalid(`${where}.${key}: expected a string of at most ${max} characters`)
  }
  return v
}

function num(args: Record<string, unknown>, key: string, where: string, min = -Infinity): number {
  const v = args[key]
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Invalid(`${where}.${key}: expected a finite number${min === 0 ? ' >= 0' : ''}`)
  }
  return v
}

function int(args: Record<string, unknown>, key: string, where: string): number {
  const v = args[key]
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31) {
    throw new Invalid(`${where}.${key}: expected a 32-bit integer`)
  }
  return v
}
