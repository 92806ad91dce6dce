// A call's request and response as the callee's worker captures them (from the real wire bytes
// of read_one_ and return_value_, encoded by protobuf-es), bounded, and as the Studio shows
// them: JSON through descriptors, or hex with the reason when cut, undescribed or not valid.
import { create, createRegistry, toBinary } from '@bufbuild/protobuf'
import {
  anyPack,
  AnySchema,
  file_google_protobuf_wrappers,
  StringValueSchema,
} from '@bufbuild/protobuf/wkt'
import { describe, expect, it } from 'vitest'
import { PayloadShelf, payloadView, spanPayloadView } from '../../src/main/bridge/span-payloads'
import { PayloadCapture } from '../../src/main/runner/worker/payload-capture'
import type { CapturedCall } from '../../src/main/runner/worker/payload-capture'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  ReadOneResponseSchema,
  ReturnValueRequestSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { MAX_PAYLOAD_BYTES } from '../../src/shared/trace/payload'

const registry = createRegistry(file_google_protobuf_wrappers)
const callId = create(IdRawSchema, { high: 0x63n << 56n, low: 77n })
const text = (value: string) => anyPack(StringValueSchema, create(StringValueSchema, { value }))

function inbound(param: ReturnType<typeof text> | undefined): Uint8Array {
  return toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { callId, param }))
}

function returned(result: ReturnType<typeof text> | undefined, resultError = 0): Uint8Array {
  return toBinary(
    ReturnValueRequestSchema,
    create(ReturnValueRequestSchema, { callId, result, resultError }),
  )
}

function captureOne(
  param: ReturnType<typeof text> | undefined,
  result: ReturnType<typeof text> | undefined,
  resultError = 0,
): CapturedCall {
  const out: CapturedCall[] = []
  const capture = new PayloadCapture((calls) => out.push(...calls))
  capture.afterRead(inbound(param))
  capture.beforeReturn(returned(result, resultError))
  capture.flush()
  expect(out).toHaveLength(1)
  return out[0]!
}

describe('payload capture (callee side)', () => {
  it('pairs the request of read_one_ with the result of return_value_, decoded to JSON', () => {
    const call = captureOne(text('French'), text('bonjour'))
    expect(call.request?.typeUrl).toBe('type.googleapis.com/google.protobuf.StringValue')
    expect(call.resultError).toBe(0)
    const view = spanPayloadView(call, registry)
    expect(view.request).toMatchObject({
      typeName: 'google.protobuf.StringValue',
      json: '"French"',
    })
    expect(view.response).toMatchObject({ json: '"bonjour"', size: call.response?.size })
    expect(view.request?.hex).toBeUndefined()
  })

  it('a service error answers no message: the response is absent, the code kept', () => {
    const call = captureOne(text('Klingon'), undefined, 4)
    expect(call.response).toBeUndefined()
    expect(call.resultError).toBe(4)
    expect(spanPayloadView(call, registry).response).toBeUndefined()
  })

  it('cuts a payload at 4 KiB and says so, with the bytes it kept in hex', () => {
    const big = 'x'.repeat(10_000)
    const call = captureOne(text(big), text('ok'))
    expect(call.request?.bytes.byteLength).toBe(MAX_PAYLOAD_BYTES)
    expect(call.request?.size).toBeGreaterThan(10_000)
    const view = payloadView(call.request!, registry)
    expect(view.json).toBeUndefined()
    expect(view.problem).toBe(`cut: ${MAX_PAYLOAD_BYTES} of ${call.request?.size} bytes captured`)
    expect(view.hex?.startsWith('0a ')).toBe(true)
  })

  it('bytes that are not the type they claim, or a type nobody describes: hex and the reason', () => {
    const lying = create(AnySchema, {
      typeUrl: 'type.googleapis.com/google.protobuf.StringValue',
      value: new Uint8Array([0x0a, 0x05, 0x41]), // a string field of 5 bytes with only 1
    })
    const unknown = create(AnySchema, {
      typeUrl: 'type.googleapis.com/chain.v1.Nothing',
      value: new Uint8Array([8, 1]),
    })
    const call = captureOne(lying, unknown)
    const view = spanPayloadView(call, registry)
    expect(view.request?.problem).toMatch(/^not a valid google\.protobuf\.StringValue: /)
    expect(view.request?.hex).toBe('0a 05 41')
    expect(view.response).toMatchObject({
      typeName: 'chain.v1.Nothing',
      problem: 'the descriptors do not describe chain.v1.Nothing',
      hex: '08 01',
    })
    expect(payloadView(call.response!, undefined).problem).toBe(
      'no descriptors: chain.v1.Nothing cannot be decoded',
    )
  })

  it('a return for a call it never saw still gives the response; garbage is ignored', () => {
    const out: CapturedCall[] = []
    const capture = new PayloadCapture((calls) => out.push(...calls))
    capture.afterRead(new Uint8Array([0xff, 0xff, 0xff]))
    capture.beforeReturn(new Uint8Array([0x12, 0x80]))
    capture.flush()
    expect(out).toEqual([])
    capture.beforeReturn(returned(text('late')))
    capture.flush()
    expect(out).toHaveLength(1)
    expect(out[0]?.request).toBeUndefined()
    expect(out[0]?.response?.typeUrl).toContain('StringValue')
  })

  it('sends calls in batches: when 64 wait, or when read_one_ answers anything but a call', () => {
    const batches: CapturedCall[][] = []
    const capture = new PayloadCapture((calls) => batches.push(calls))
    for (let i = 0; i < 70; i++) {
      capture.afterRead(inbound(text(`q${i}`)))
      capture.beforeReturn(returned(text(`a${i}`)))
    }
    // Batches of at most 64 (one sooner when 20 ms passed since its first: a loaded machine).
    expect(batches.length).toBeGreaterThan(0)
    expect(batches.length).toBeLessThan(10)
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(64)
    const sent = batches.reduce((n, b) => n + b.length, 0)
    expect(sent).toBeLessThan(70)
    expect(batches.flat().map((c) => c.response?.size)).toEqual(
      Array.from({ length: sent }, (_, i) => `a${i}`.length + 2),
    )
    // The guest's loop reads again and its read_one_ times out: the rest go.
    capture.afterRead(
      toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { timeout: true })),
    )
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(70)
  })

  it('the shelf keeps the newest calls within its bounds, counting what it dropped', () => {
    const shelf = new PayloadShelf()
    const call = captureOne(text('x'.repeat(3000)), text('y'.repeat(3000)))
    for (let i = 0; i < 5000; i++) shelf.add(i.toString(16).padStart(16, '0'), call)
    expect(shelf.get((4999).toString(16).padStart(16, '0'))).toBeDefined()
    expect(shelf.get((0).toString(16).padStart(16, '0'))).toBeUndefined()
    expect(shelf.dropped).toBeGreaterThanOrEqual(5000 - 4096)
  })
})
