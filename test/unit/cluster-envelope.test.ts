// The call envelope's codec (src/main/cluster/envelope.ts) writes and reads RemoteCall and
// RemoteResult field by field: its bytes must be those of the generated schemas, both ways, and
// a malformed message must be refused, not misread.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { describe, expect, it } from 'vitest'
import {
  decodeCall,
  decodeResult,
  encodeCall,
  errorResult,
  okResult,
  type CallFields,
} from '../../src/main/cluster/envelope'
import {
  RemoteCallSchema,
  RemoteErrorCode,
  RemoteErrorSchema,
  RemoteResultSchema,
} from '../../src/shared/gen/parigot/cluster/v1/cluster_pb'

const param = create(AnySchema, {
  typeUrl: 'type.googleapis.com/test.v1.Text',
  value: new TextEncoder().encode('echo:x'),
})
const full: CallFields = {
  service: 'test.v1.echo',
  method: 'Echo',
  callId: 'cal-0123456789abcdef-0123456789abcdef',
  caller: 'hôte-client', // not ASCII: the TextDecoder path
  traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`,
  timeoutMs: 3000,
  param,
}
const minimal: CallFields = {
  service: 'a.b',
  method: 'M',
  callId: '',
  caller: '',
  traceparent: '',
  timeoutMs: 0,
}

describe('call envelope codec', () => {
  it('writes the bytes the generated RemoteCall writes, and reads them back', () => {
    for (const call of [full, minimal, { ...minimal, param: create(AnySchema) }]) {
      const generated = toBinary(RemoteCallSchema, create(RemoteCallSchema, call))
      expect(encodeCall(call)).toEqual(generated)
      const decoded = decodeCall(generated)
      expect(decoded.ok).toBe(true)
      if (decoded.ok) expect(decoded.value).toEqual(fromBinary(RemoteCallSchema, generated))
    }
  })

  it('writes the bytes the generated RemoteResult writes, and reads them back', () => {
    const results = [
      okResult('c1', 'server', param, 0),
      okResult('c1', 'server', undefined, 7),
      errorResult('c2', 'srv', RemoteErrorCode.KERNEL, 'refusé: CallQueueFull', 42),
      errorResult('', 'srv', RemoteErrorCode.BAD_ENVELOPE, 'bad'),
    ]
    const generated = [
      create(RemoteResultSchema, { callId: 'c1', servedBy: 'server', result: param }),
      create(RemoteResultSchema, { callId: 'c1', servedBy: 'server', resultError: 7 }),
      create(RemoteResultSchema, {
        callId: 'c2',
        servedBy: 'srv',
        error: create(RemoteErrorSchema, {
          code: RemoteErrorCode.KERNEL,
          kernelError: 42,
          message: 'refusé: CallQueueFull',
        }),
      }),
      create(RemoteResultSchema, {
        servedBy: 'srv',
        error: create(RemoteErrorSchema, { code: RemoteErrorCode.BAD_ENVELOPE, message: 'bad' }),
      }),
    ]
    results.forEach((bytes, i) => {
      expect(bytes).toEqual(toBinary(RemoteResultSchema, generated[i]!))
      const decoded = decodeResult(bytes)
      expect(decoded.ok).toBe(true)
      if (decoded.ok) expect(decoded.value).toEqual(generated[i])
    })
  })

  it('skips unknown fields and merges a repeated param, as protobuf does', () => {
    const w = new BinaryWriter()
    w.tag(1, WireType.LengthDelimited).string('test.v1.echo')
    w.tag(2, WireType.LengthDelimited).string('Echo')
    w.tag(99, WireType.Varint).uint32(5)
    w.tag(6, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('t').join()
    w.tag(6, WireType.LengthDelimited)
      .fork()
      .tag(2, WireType.LengthDelimited)
      .bytes(new Uint8Array([9]))
      .join()
    const bytes = w.finish()
    const decoded = decodeCall(bytes)
    expect(decoded).toMatchObject({ ok: true, value: { service: 'test.v1.echo', method: 'Echo' } })
    if (decoded.ok) {
      expect(decoded.value.param?.typeUrl).toBe('t')
      expect([...(decoded.value.param?.value ?? [])]).toEqual([9])
      expect(decoded.value.param).toEqual(fromBinary(RemoteCallSchema, bytes).param)
    }
  })

  it('refuses a truncated message, a wrong wire type and a nested field overrunning its length', () => {
    const bytes = encodeCall(full) // ends with param (6 bytes of value) and timeout_ms (3 bytes)
    expect(decodeCall(bytes.subarray(0, bytes.byteLength - 6))).toEqual({
      ok: false,
      message: expect.stringContaining('call envelope does not decode'),
    })
    const wrongType = new BinaryWriter().tag(1, WireType.Varint).uint32(3).finish()
    expect(decodeCall(wrongType)).toEqual({
      ok: false,
      message: 'call envelope does not decode: field 1 has wire type 0',
    })
    // An Any of 3 bytes whose inner string claims 5.
    const overrun = new Uint8Array([0x32, 3, 0x0a, 5, 0x61, 0x62, 0x63, 0x64, 0x65])
    expect(decodeCall(overrun)).toMatchObject({ ok: false })
    expect(decodeResult(new Uint8Array([0x22, 9, 0x08]))).toEqual({
      ok: false,
      message: expect.stringContaining('result envelope does not decode'),
    })
  })

  it('still checks every field after decoding', () => {
    expect(decodeCall(encodeCall({ ...full, caller: 'a\u0007b' }))).toEqual({
      ok: false,
      message: 'call envelope: field caller is longer than 256 characters or not printable',
    })
    expect(decodeCall(encodeCall({ ...full, method: 'Echo; drop' }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('field method'),
    })
    expect(decodeResult(errorResult('c', 's', 9 as RemoteErrorCode, 'x'))).toEqual({
      ok: false,
      message: 'result envelope: field error.code 9 is not a RemoteErrorCode',
    })
  })
})
