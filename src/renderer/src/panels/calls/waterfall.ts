// The waterfall of one trace: spans in call order (a parent, then each child in start order
// with its own children), each with its depth and its bar's place on the trace's time axis.
import type { SpanRecord } from '../../../../shared/trace/span'

export interface WaterfallRow {
  readonly span: SpanRecord
  readonly depth: number
  /** Bar start and width as fractions of the trace's duration (width at least a sliver). */
  readonly left: number
  readonly width: number
  /**
   * The caller's side of a call served on another host: its child is the same call as the
   * serving host saw it, so the difference between the two is the trip over NATS.
   */
  readonly sent: boolean
}

/**
 * `served` is `sent` as the serving host saw it: the same callee and method, called from the
 * same program, or from the caller's host (`@front`: the serving kernel knows only the host).
 */
function sameCall(sent: SpanRecord, served: SpanRecord): boolean {
  const fromCaller =
    served.caller === sent.caller ||
    (served.caller.startsWith('@') && sent.caller.endsWith(served.caller))
  return (
    fromCaller &&
    sent.callee === served.callee &&
    sent.service === served.service &&
    sent.method === served.method
  )
}

const MIN_WIDTH = 0.004

export function waterfallRows(spans: readonly SpanRecord[]): WaterfallRow[] {
  if (spans.length === 0) return []
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, SpanRecord[]>()
  const roots: SpanRecord[] = []
  for (const span of spans) {
    // A span whose parent is not in the trace (it fell out of the ring) is drawn as a root.
    if (span.parentSpanId === undefined || !ids.has(span.parentSpanId)) roots.push(span)
    else {
      const list = children.get(span.parentSpanId) ?? []
      list.push(span)
      children.set(span.parentSpanId, list)
    }
  }
  const start = Math.min(...spans.map((s) => s.startMs))
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs))
  const total = Math.max(end - start, 1e-6)
  const rows: WaterfallRow[] = []
  const byStart = (a: SpanRecord, b: SpanRecord) => a.startMs - b.startMs
  const visit = (span: SpanRecord, depth: number) => {
    const left = (span.startMs - start) / total
    const own = (children.get(span.spanId) ?? []).sort(byStart)
    rows.push({
      span,
      depth,
      left,
      width: Math.min(Math.max(span.durationMs / total, MIN_WIDTH), 1 - left),
      sent: own.some((child) => sameCall(span, child)),
    })
    for (const child of own) visit(child, depth + 1)
  }
  for (const root of roots.sort(byStart)) visit(root, 0)
  return rows
}

/** `1.24 ms`, `86 µs`, `2.3 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** Wall-clock time of day with milliseconds: `14:03:07.412`. */
export function formatClock(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}
