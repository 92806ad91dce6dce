/**
 * The request and answer of `parigot.<deployment>.payload.<host>`: an attached Studio asks the
 * host that ran a call for the request and response its callee's worker captured (host-payloads.ts
 * serves it). Request: `{"traceId":"<32 hex>","spanId":"<16 hex>"}`. Answer: `{"status":...}`:
 * `captured` with the payloads (bytes in base64, each at most MAX_PAYLOAD_BYTES, as captured),
 * `not-captured` (the host ran the span but holds nothing for it), `evicted` (it did, but newer
 * calls pushed it out), `unknown` (no such span here), `capture-off` (the host's deploy config
 * says `[cluster] capture_payloads = false`: it captures nothing), or `refused` with the field at
 * fault.
 * Both sides are untrusted: each is bounded in bytes and checked field by field.
 */
import { MAX_PAYLOAD_BYTES, MAX_TYPE_URL_CHARS } from '../../shared/trace/payload'
import type { CapturedPayload, SpanPayloads } from '../../shared/trace/payload'
import { SPAN_ID, TRACE_ID } from '../../shared/trace/span'

export const MAX_PAYLOAD_REQUEST_BYTES = 256
/**
 * Two payloads in base64 (4/3 of MAX_PAYLOAD_BYTES each), their type URLs (a guest's: each
 * character may take 6 bytes escaped in JSON), and the rest.
 */
export const MAX_PAYLOAD_ANSWER_BYTES =
  2 * (Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4 + MAX_TYPE_URL_CHARS * 6 + 256) + 1024
const MAX_REFUSAL_CHARS = 512

export const MISSING_STATUSES = ['not-captured', 'evicted', 'unknown', 'capture-off'] as const
export type MissingStatus = (typeof MISSING_STATUSES)[number]

export interface SpanPayloadRequest {
  readonly traceId: string
  readonly spanId: string
}

export type SpanPayloadAnswer =
  | { readonly status: 'captured'; readonly payloads: SpanPayloads }
  | { readonly status: MissingStatus }
  | { readonly status: 'refused'; readonly error: string }

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data))
  } catch {
    return undefined
  }
}

/** The request, or the sentence refusing it (naming the field at fault). */
export function parsePayloadRequest(data: Uint8Array): SpanPayloadRequest | string {
  if (data.byteLength > MAX_PAYLOAD_REQUEST_BYTES)
    return `request of ${data.byteLength} bytes, over ${MAX_PAYLOAD_REQUEST_BYTES}`
  const raw = parseJson(data)
  if (!isObject(raw)) return 'request is not a JSON object'
  const { traceId, spanId } = raw
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId))
    return 'field traceId is not 32 lowercase hex digits'
  if (typeof spanId !== 'string' || !SPAN_ID.test(spanId))
    return 'field spanId is not 16 lowercase hex digits'
  return { traceId, spanId }
}

export function encodePayloadRequest(request: SpanPayloadRequest): string {
  return JSON.stringify({ traceId: request.traceId, spanId: request.spanId })
}

export function encodePayloadAnswer(answer: SpanPayloadAnswer): string {
  if (answer.status === 'refused')
    return JSON.stringify({ status: 'refused', error: answer.error.slice(0, MAX_REFUSAL_CHARS) })
  if (answer.status !== 'captured') return JSON.stringify({ status: answer.status })
  const { request, response, resultError } = answer.payloads
  const wire = (p: CapturedPayload) => ({
    typeUrl: p.typeUrl.slice(0, MAX_TYPE_URL_CHARS),
    size: p.size,
    bytes: Buffer.from(p.bytes.subarray(0, MAX_PAYLOAD_BYTES)).toString('base64'),
  })
  return JSON.stringify({
    status: 'captured',
    resultError,
    ...(request !== undefined ? { request: wire(request) } : {}),
    ...(response !== undefined ? { response: wire(response) } : {}),
  })
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** A payload of an answer, or the sentence saying what is wrong with it. */
function checkPayload(name: string, v: unknown): CapturedPayload | string {
  if (!isObject(v)) return `field ${name} is not an object`
  const { typeUrl, size, bytes } = v
  if (typeof typeUrl !== 'string' || typeUrl.length > MAX_TYPE_URL_CHARS)
    return `field ${name}.typeUrl is not a string of at most ${MAX_TYPE_URL_CHARS} characters`
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > 2 ** 32)
    return `field ${name}.size is not a byte count`
  if (typeof bytes !== 'string' || bytes.length % 4 !== 0 || !BASE64.test(bytes))
    return `field ${name}.bytes is not base64`
  const decoded = new Uint8Array(Buffer.from(bytes, 'base64'))
  if (decoded.byteLength > MAX_PAYLOAD_BYTES)
    return `field ${name}.bytes holds ${decoded.byteLength} bytes, over ${MAX_PAYLOAD_BYTES}`
  if (decoded.byteLength > size)
    return `field ${name}.bytes holds ${decoded.byteLength} bytes, more than its size ${size}`
  return { typeUrl, size, bytes: decoded }
}

/** A host's answer, or the sentence saying what is wrong with it (the caller names the host). */
export function parsePayloadAnswer(data: Uint8Array): SpanPayloadAnswer | { problem: string } {
  if (data.byteLength > MAX_PAYLOAD_ANSWER_BYTES)
    return { problem: `answer of ${data.byteLength} bytes, over ${MAX_PAYLOAD_ANSWER_BYTES}` }
  const raw = parseJson(data)
  if (!isObject(raw)) return { problem: 'answer is not a JSON object' }
  const { status } = raw
  if ((MISSING_STATUSES as readonly unknown[]).includes(status))
    return { status: status as MissingStatus }
  if (status === 'refused') {
    const { error } = raw
    if (typeof error !== 'string') return { problem: 'field error is not a string' }
    return { status, error: error.slice(0, MAX_REFUSAL_CHARS) }
  }
  if (status !== 'captured') return { problem: 'field status is not a known status' }
  const { resultError, request, response } = raw
  if (typeof resultError !== 'number' || !Number.isInteger(resultError) || resultError < -(2 ** 31))
    return { problem: 'field resultError is not an int32' }
  if (resultError >= 2 ** 31) return { problem: 'field resultError is not an int32' }
  const payloads: { request?: CapturedPayload; response?: CapturedPayload } = {}
  for (const [name, value] of [
    ['request', request],
    ['response', response],
  ] as const) {
    if (value === undefined) continue
    const checked = checkPayload(name, value)
    if (typeof checked === 'string') return { problem: checked }
    payloads[name] = checked
  }
  return { status, payloads: { resultError, ...payloads } }
}
