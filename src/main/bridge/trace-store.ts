// The Calls panel's traces: the spans of the running deployment (bounded, oldest dropped and
// counted), or those of a Chrome trace file the user opened, grouped by trace.
import type { TraceFilter, TraceSource, TraceSummary } from '../../shared/bridge/contract'
import type { LogRecord } from '../../shared/log/log-record'
import type { TraceFile } from '../../shared/trace/chrome-trace'
import { spanFailed } from '../../shared/trace/span'
import type { SpanRecord } from '../../shared/trace/span'

export const MAX_STORED_SPANS = 20_000
/** Log lines of one trace that `traces.get` answers at most. */
export const MAX_TRACE_LOGS = 2000

interface Trace {
  readonly spans: SpanRecord[]
}

/** Traces by id, in arrival order, with their span count. */
interface Shelf {
  readonly traces: Map<string, Trace>
  readonly order: string[]
  count: number
  dropped: number
}

const newShelf = (): Shelf => ({ traces: new Map(), order: [], count: 0, dropped: 0 })

export class TraceStore {
  private shown: Shelf = newShelf()
  source: TraceSource = { kind: 'live' }
  /** A file's log lines (live lines are in the session's log ring). */
  private fileLogs: readonly LogRecord[] = []
  /** The live spans, kept while a file is shown so going back loses nothing. */
  private live: Shelf | undefined

  /** Spans that fell out of the shown shelf (the oldest traces), counted. */
  get dropped(): number {
    return this.shown.dropped
  }

  add(span: SpanRecord): void {
    if (this.source.kind === 'file') addTo((this.live ??= newShelf()), span)
    else addTo(this.shown, span)
  }

  /** A new run: its spans only. */
  clear(): void {
    if (this.source.kind === 'file') this.live = undefined
    else this.shown = newShelf()
  }

  showFile(file: string, trace: TraceFile): void {
    if (this.source.kind === 'live') this.live = this.shown
    this.shown = newShelf()
    for (const span of trace.spans) addTo(this.shown, span)
    this.fileLogs = trace.logs
    this.source = { kind: 'file', file, skipped: trace.skipped }
  }

  showLive(): void {
    if (this.source.kind === 'live') return
    this.shown = this.live ?? newShelf()
    this.live = undefined
    this.fileLogs = []
    this.source = { kind: 'live' }
  }

  list(filter: TraceFilter, limit: number): { traces: TraceSummary[]; matching: number } {
    const out: TraceSummary[] = []
    let matching = 0
    const { order, traces } = this.shown
    for (let i = order.length - 1; i >= 0; i--) {
      const trace = traces.get(order[i] as string)
      if (trace === undefined || trace.spans.length === 0) continue
      const summary = summarize(trace.spans)
      if (!matches(summary, trace.spans, filter)) continue
      matching++
      if (out.length < limit) out.push(summary)
    }
    return { traces: out, matching }
  }

  spansOf(traceId: string): SpanRecord[] | undefined {
    const spans = this.shown.traces.get(traceId)?.spans
    return spans && [...spans].sort((a, b) => a.startMs - b.startMs)
  }

  /** A file's log lines of one trace (live: undefined, ask the log ring). */
  fileLogsOf(traceId: string): LogRecord[] | undefined {
    if (this.source.kind !== 'file') return undefined
    return this.fileLogs.filter((l) => l.traceId === traceId).slice(0, MAX_TRACE_LOGS)
  }

  /** Every span shown, oldest trace first. */
  all(): SpanRecord[] {
    const { order, traces } = this.shown
    return order.flatMap((id) => traces.get(id)?.spans ?? [])
  }

  /** The file's log lines, or undefined when showing the live deployment. */
  allFileLogs(): readonly LogRecord[] | undefined {
    return this.source.kind === 'file' ? this.fileLogs : undefined
  }
}

function addTo(shelf: Shelf, span: SpanRecord): void {
  let trace = shelf.traces.get(span.traceId)
  if (trace === undefined) {
    trace = { spans: [] }
    shelf.traces.set(span.traceId, trace)
    shelf.order.push(span.traceId)
  }
  trace.spans.push(span)
  shelf.count++
  // Whole traces go, oldest first, until the shelf is back under its bound.
  while (shelf.count > MAX_STORED_SPANS && shelf.order.length > 1) {
    const oldest = shelf.order.shift() as string
    const gone = shelf.traces.get(oldest)?.spans.length ?? 0
    shelf.traces.delete(oldest)
    shelf.count -= gone
    shelf.dropped += gone
  }
}

function summarize(spans: readonly SpanRecord[]): TraceSummary {
  let start = Infinity
  let end = -Infinity
  let errors = 0
  let root: SpanRecord | undefined
  const services = new Set<string>()
  for (const span of spans) {
    start = Math.min(start, span.startMs)
    end = Math.max(end, span.startMs + span.durationMs)
    if (spanFailed(span)) errors++
    services.add(span.service)
    if (span.parentSpanId === undefined && (root === undefined || span.startMs < root.startMs))
      root = span
  }
  root ??= spans.reduce((a, b) => (b.startMs < a.startMs ? b : a))
  return {
    traceId: root.traceId,
    startMs: start,
    durationMs: end - start,
    spanCount: spans.length,
    errorCount: errors,
    root,
    services: [...services],
  }
}

function matches(summary: TraceSummary, spans: readonly SpanRecord[], f: TraceFilter): boolean {
  if (f.errorsOnly && summary.errorCount === 0) return false
  if (f.minDurationMs !== undefined && summary.durationMs < f.minDurationMs) return false
  const service = f.service?.trim().toLowerCase()
  const method = f.method?.trim().toLowerCase()
  if (!service && !method) return true
  return spans.some(
    (s) =>
      (!service ||
        s.service.toLowerCase().includes(service) ||
        s.callee.toLowerCase() === service) &&
      (!method || s.method.toLowerCase().includes(method)),
  )
}
