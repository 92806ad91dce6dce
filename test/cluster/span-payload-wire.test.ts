// The payload subject's messages and a host's payload store, without a server: what a host
// answers for a span it kept, let go, ran without capturing, or never ran; and every check the
// Studio makes on an answer, each bad one named by its field.
import { describe, expect, it } from 'vitest'
import {
  HostPayloadStore,
  MAX_HOST_PAYLOADS,
  type HostPayloadRecord,
} from '../../src/main/cluster/host-payloads'
import {
  encodePayloadAnswer,
  MAX_PAYLOAD_ANSWER_BYTES,
  parsePayloadAnswer,
} from '../../src/main/cluster/span-payload-wire'
import { MAX_PAYLOAD_BYTES } from '../../src/shared/trace/payload'

const TRACE = 'ab'.repeat(16)
const spanId = (n: number) => n.toString(16).padStart(16, '0')
const bytes = (text: string) => new TextEncoder().encode(text)
const record = (n: number, size = 10): HostPayloadRecord => ({
  traceId: TRACE,
  spanId: spanId(n),
  resultError: 0,
  request: { typeUrl: 'type.googleapis.com/x.v1.Req', size, bytes: new Uint8Array(size).fill(n) },
})

describe('a host payload store', () => {
  it('answers captured, evicted, not-captured and unknown', () => {
    const store = new HostPayloadStore()
    for (let n = 1; n <= MAX_HOST_PAYLOADS + 1; n++) {
      store.sawSpan(TRACE, spanId(n))
      store.add(record(n))
    }
    store.sawSpan(TRACE, spanId(0xffff))
    expect(store.answer(TRACE, spanId(2))).toMatchObject({
      status: 'captured',
      payloads: { request: { size: 10 } },
    })
    expect(store.answer(TRACE, spanId(1))).toEqual({ status: 'evicted' })
    expect(store.answer(TRACE, spanId(0xffff))).toEqual({ status: 'not-captured' })
    expect(store.answer(TRACE, spanId(0xfffe))).toEqual({ status: 'unknown' })
    // The span id alone is not enough: the trace must match too.
    expect(store.answer('cd'.repeat(16), spanId(2))).toEqual({ status: 'unknown' })
  })

  it('lets the oldest go past its byte budget, before its count cap', () => {
    const store = new HostPayloadStore()
    // 8 KiB a call (request and response at the cap): 16 MiB hold the newest 2048 of 3000.
    for (let n = 1; n <= 3000; n++) {
      const { request } = record(n, MAX_PAYLOAD_BYTES)
      store.add({ ...record(n, MAX_PAYLOAD_BYTES), response: request })
    }
    expect(store.answer(TRACE, spanId(3000 - 2048))).toEqual({ status: 'evicted' })
    expect(store.answer(TRACE, spanId(3000 - 2047)).status).toBe('captured')
  })
})

describe('a payload answer read by the Studio', () => {
  it('round-trips a full answer at the caps, within the answer bound', () => {
    const big: HostPayloadRecord = {
      traceId: TRACE,
      spanId: spanId(1),
      resultError: -3,
      // A guest's type URL: control characters take 6 bytes each in JSON.
      request: { typeUrl: '\u0001'.repeat(256), size: 9000, bytes: new Uint8Array(4096).fill(7) },
      response: { typeUrl: 'u'.repeat(256), size: 4096, bytes: new Uint8Array(4096).fill(9) },
    }
    const text = encodePayloadAnswer({ status: 'captured', payloads: big })
    expect(bytes(text).byteLength).toBeLessThanOrEqual(MAX_PAYLOAD_ANSWER_BYTES)
    expect(parsePayloadAnswer(bytes(text))).toEqual({
      status: 'captured',
      payloads: { resultError: -3, request: big.request, response: big.response },
    })
  })

  it('names what is wrong with a bad answer', () => {
    const captured = (fields: object) =>
      parsePayloadAnswer(bytes(JSON.stringify({ status: 'captured', resultError: 0, ...fields })))
    const ok = { typeUrl: '', size: 3, bytes: 'AQID' }
    expect(parsePayloadAnswer(bytes('x'.repeat(MAX_PAYLOAD_ANSWER_BYTES + 1)))).toEqual({
      problem: `answer of ${MAX_PAYLOAD_ANSWER_BYTES + 1} bytes, over ${MAX_PAYLOAD_ANSWER_BYTES}`,
    })
    expect(parsePayloadAnswer(bytes('[1]'))).toEqual({ problem: 'answer is not a JSON object' })
    expect(parsePayloadAnswer(bytes('{"status":"maybe"}'))).toEqual({
      problem: 'field status is not a known status',
    })
    expect(parsePayloadAnswer(bytes('{"status":"refused"}'))).toEqual({
      problem: 'field error is not a string',
    })
    expect(captured({ resultError: 2 ** 31 })).toEqual({
      problem: 'field resultError is not an int32',
    })
    expect(captured({ request: 'AQID' })).toEqual({ problem: 'field request is not an object' })
    expect(captured({ request: { ...ok, typeUrl: 'u'.repeat(257) } })).toEqual({
      problem: 'field request.typeUrl is not a string of at most 256 characters',
    })
    expect(captured({ response: { ...ok, size: -1 } })).toEqual({
      problem: 'field response.size is not a byte count',
    })
    expect(captured({ response: { ...ok, bytes: 'not base64!' } })).toEqual({
      problem: 'field response.bytes is not base64',
    })
    expect(captured({ request: { ...ok, size: 2 } })).toEqual({
      problem: 'field request.bytes holds 3 bytes, more than its size 2',
    })
    expect(captured({ request: ok })).toEqual({
      status: 'captured',
      payloads: {
        resultError: 0,
        request: { typeUrl: '', size: 3, bytes: new Uint8Array([1, 2, 3]) },
      },
    })
  })
})
