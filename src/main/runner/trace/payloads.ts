import type { SpanPayloads } from '../../../shared/trace/payload'
import type { CapturedCall } from '../worker/payload-capture'

/** A call's captured request and response, with the ids of its span. */
export interface SpanPayloadRecord extends SpanPayloads {
  readonly traceId: string
  readonly spanId: string
}

/** The record of a call a worker captured (its wire key already resolved to the span). */
export function payloadRecord(
  traceId: string,
  spanId: string,
  call: CapturedCall,
): SpanPayloadRecord {
  return {
    traceId,
    spanId,
    resultError: call.resultError,
    ...(call.request !== undefined ? { request: call.request } : {}),
    ...(call.response !== undefined ? { response: call.response } : {}),
  }
}
