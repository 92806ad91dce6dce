/**
 * What a host publishes about itself for observers (the Studio attached to the deployment): its
 * log lines, kernel events and spans, in batches, on `parigot.<deployment>.log.<host>`,
 * `.ev.<host>` and `.span.<host>`.
 * A batch read off the bus is untrusted (anyone with publish rights on the deployment's subjects
 * can send one): it is bounded in bytes and items, every field is checked, and what fails a check
 * is dropped and counted, never passed on.
 */
import { LOG_LEVELS, type LogRecord } from '../../shared/log/log-record'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { SpanRecord } from '../../shared/trace/span'

/** Largest batch a publisher sends and an observer reads. */
export const MAX_BATCH_BYTES = 256 * 1024
export const MAX_BATCH_ITEMS = 1000
const MAX_SOURCE = 256
const MAX_MESSAGE = 16 * 1024
const MAX_EVENT_STRING = 4096
const MAX_EVENT_ARRAY = 256

export const KERNEL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'host-added',
  'host-ended',
  'service-registered',
  'service-exported',
  'service-state',
  'waiting-for',
  'require-edge',
  'dependency-cycle',
  'call-started',
  'call-finished',
  'deadlock',
  'shutdown-requested',
])

export interface TelemetryBatch<T> {
  /** The publishing process (as in its heartbeats). */
  readonly instance: string
  readonly items: readonly T[]
  /** Items the publisher dropped before this batch (it could not keep up), counted. */
  readonly dropped: number
}

export type ParsedBatch<T> =
  | { readonly ok: true; readonly batch: TelemetryBatch<T>; readonly rejected: number }
  | { readonly ok: false; readonly message: string }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const CONTROL = /[\p{Cc}]/u
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`)
const TRACE_ID = HEX(32)
const SPAN_ID = HEX(16)

function checkLog(v: unknown): LogRecord | undefined {
  if (!isObject(v)) return undefined
  const { timeMs, level, source, message, traceId, spanId } = v
  if (typeof timeMs !== 'number' || !Number.isFinite(timeMs) || timeMs < 0) return undefined
  if (!(LOG_LEVELS as readonly unknown[]).includes(level)) return undefined
  if (typeof source !== 'string' || source.length === 0 || source.length > MAX_SOURCE)
    return undefined
  if (CONTROL.test(source)) return undefined
  if (typeof message !== 'string' || message.length > MAX_MESSAGE) return undefined
  if (traceId !== undefined && (typeof traceId !== 'string' || !TRACE_ID.test(traceId)))
    return undefined
  if (spanId !== undefined && (typeof spanId !== 'string' || !SPAN_ID.test(spanId)))
    return undefined
  return {
    timeMs,
    level: level as LogRecord['level'],
    source,
    message,
    ...(traceId !== undefined ? { traceId: traceId as string } : {}),
    ...(spanId !== undefined ? { spanId: spanId as string } : {}),
  }
}

const NAME = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_SOURCE && !CONTROL.test(v)
const FINITE = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const INT32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647

/** A span as a host published it: ids hex, names short and printable, times finite. */
function checkSpan(v: unknown): SpanRecord | undefined {
  if (!isObject(v)) return undefined
  const { traceId, spanId, parentSpanId, caller, callee, service, method } = v
  const { startMs, durationMs, resultError, kernelError } = v
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) return undefined
  if (typeof spanId !== 'string' || !SPAN_ID.test(spanId)) return undefined
  if (
    parentSpanId !== undefined &&
    (typeof parentSpanId !== 'string' || !SPAN_ID.test(parentSpanId))
  )
    return undefined
  if (!NAME(caller) || !NAME(callee) || !NAME(service) || !NAME(method)) return undefined
  if (!FINITE(startMs) || startMs < 0 || !FINITE(durationMs) || durationMs < 0) return undefined
  if (!INT32(resultError) || !INT32(kernelError)) return undefined
  return {
    traceId,
    spanId,
    ...(parentSpanId !== undefined ? { parentSpanId: parentSpanId as string } : {}),
    caller,
    callee,
    service,
    method,
    startMs,
    durationMs,
    resultError,
    kernelError,
  }
}

/** A kernel event's fields are flat: strings, numbers, booleans and short lists of them. */
function checkFlat(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return v.length <= MAX_EVENT_STRING
  if (typeof v === 'number') return Number.isFinite(v)
  if (typeof v === 'boolean' || v === null) return true
  if (depth > 2) return false
  if (Array.isArray(v))
    return v.length <= MAX_EVENT_ARRAY && v.every((x) => checkFlat(x, depth + 1))
  if (isObject(v)) {
    const values = Object.values(v)
    return values.length <= 32 && values.every((x) => checkFlat(x, depth + 1))
  }
  return false
}

function checkEvent(v: unknown): KernelEvent | undefined {
  if (!isObject(v) || typeof v['type'] !== 'string' || !KERNEL_EVENT_TYPES.has(v['type']))
    return undefined
  if (typeof v['timeMs'] !== 'number' || !checkFlat(v)) return undefined
  return v as unknown as KernelEvent
}

function parse<T>(
  what: string,
  bytes: Uint8Array,
  check: (v: unknown) => T | undefined,
): ParsedBatch<T> {
  if (bytes.byteLength > MAX_BATCH_BYTES)
    return { ok: false, message: `${what}: ${bytes.byteLength} bytes, over ${MAX_BATCH_BYTES}` }
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return { ok: false, message: `${what}: not JSON` }
  }
  if (!isObject(raw)) return { ok: false, message: `${what}: not an object` }
  const { instance, items, dropped } = raw
  if (typeof instance !== 'string' || instance.length === 0 || instance.length > 64)
    return { ok: false, message: `${what}: field instance is invalid` }
  if (!Array.isArray(items) || items.length > MAX_BATCH_ITEMS)
    return { ok: false, message: `${what}: field items is invalid` }
  if (typeof dropped !== 'number' || !Number.isSafeInteger(dropped) || dropped < 0)
    return { ok: false, message: `${what}: field dropped is invalid` }
  const good: T[] = []
  for (const item of items) {
    const checked = check(item)
    if (checked !== undefined) good.push(checked)
  }
  return {
    ok: true,
    batch: { instance, items: good, dropped },
    rejected: items.length - good.length,
  }
}

export const parseLogBatch = (what: string, bytes: Uint8Array): ParsedBatch<LogRecord> =>
  parse(what, bytes, checkLog)

export const parseEventBatch = (what: string, bytes: Uint8Array): ParsedBatch<KernelEvent> =>
  parse(what, bytes, checkEvent)

export const parseSpanBatch = (what: string, bytes: Uint8Array): ParsedBatch<SpanRecord> =>
  parse(what, bytes, checkSpan)
