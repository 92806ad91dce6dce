/**
 * The trace context of a call between hosts, as the W3C `traceparent` value the call envelope
 * carries (`00-<trace id>-<parent span id>-<flags>`): the calling host fills it from the span of
 * the call its guest made, the serving host makes that span the parent of the call it
 * dispatches, so one request through several hosts is one trace.
 */

export interface TraceParent {
  readonly traceId: string
  readonly spanId: string
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/
const ZEROS = /^0+$/

export function formatTraceparent(context: TraceParent): string {
  return `00-${context.traceId}-${context.spanId}-01`
}

/**
 * The context of a `traceparent` value: undefined for '' (no trace), an error sentence for a
 * value that is not one (the envelope is then refused: it is untrusted input).
 */
export function parseTraceparent(value: string): TraceParent | undefined | { error: string } {
  if (value === '') return undefined
  const m = TRACEPARENT.exec(value)
  if (m === null || ZEROS.test(m[1] as string) || ZEROS.test(m[2] as string))
    return {
      error:
        'field traceparent is not a W3C traceparent (00-<32 hex>-<16 hex, not all zero>-<2 hex>)',
    }
  return { traceId: m[1] as string, spanId: m[2] as string }
}
