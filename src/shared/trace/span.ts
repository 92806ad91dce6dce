/**
 * One call between guests (or from the Studio) as a span: who called whom, which method, when,
 * how long, and how it ended. A call made while a guest handles another call is that call's
 * child (same trace id, parent span id = the other's span id). Ids are lowercase hex: trace 32
 * digits, span 16 (the OpenTelemetry and W3C trace-context sizes).
 */
export interface SpanRecord {
  readonly traceId: string
  readonly spanId: string
  /** Absent for the root of a trace. */
  readonly parentSpanId?: string
  /** The calling guest (its name in the deploy config), or `studio`. */
  readonly caller: string
  /** The guest that serves the call. */
  readonly callee: string
  /** `package.Service` of the callee. */
  readonly service: string
  readonly method: string
  /** Wall-clock milliseconds since the epoch (fractional). */
  readonly startMs: number
  readonly durationMs: number
  /** The callee's error code (0: ok); 1 with a kernel error when the kernel ended the call. */
  readonly resultError: number
  /** Non-zero when the kernel, not the callee, ended the call (KernelErr: timeout, callee died). */
  readonly kernelError: number
}

export const TRACE_ID = /^[0-9a-f]{32}$/
export const SPAN_ID = /^[0-9a-f]{16}$/

export function spanFailed(span: SpanRecord): boolean {
  return span.resultError !== 0 || span.kernelError !== 0
}
