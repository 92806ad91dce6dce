import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { callPayload, READ_ONE_TIMEOUT, resolvedPayload } from '../../src/main/runner/worker/wire'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf'
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import type { Any } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../src/main/engine'
import type {
  AbiErrorCodes,
  CompiledGuest,
  Engine,
  GuestInstance,
  GuestOutcome,
} from '../../src/main/engine'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  BindMethodRequestSchema,
  BindMethodResponseSchema,
  DispatchRequestSchema,
  DispatchResponseSchema,
  ExitPairSchema,
  ExitRequestSchema,
  ExitResponseSchema,
  ExportRequestSchema,
  KernelErr,
  LaunchRequestSchema,
  LocateRequestSchema,
  LocateResponseSchema,
  MethodBindingSchema,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  RequireRequestSchema,
  ResolvedCallSchema,
  ReturnValueRequestSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  DispatchRequest,
  ReadOneResponse,
  ResolvedCall,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { ascCompileInfo, compileAssemblyScript, compileGuestFixture } from '../helpers/asc'

const TEXT = 'type.googleapis.com/test.v1.Text'
const LAUNCH_METHOD = { high: 0x6dffffffffffffffn, low: 0xfffffffffffffff0n }
const EXIT_METHOD = { high: 0x6dffffffffffffffn, low: 0xfffffffffffffff1n }
const PARIGOT_FUNCTIONS = [
  'register_',
  'export_',
  'require_',
  'bind_method_',
  'launch_',
  'locate_',
  'dispatch_',
  'return_value_',
  'read_one_',
  'exit_',
  'synchronous_exit_',
  'block_until_call_',
]
// Local copy of the kernel's transport codes (docs/abi.md section 4), so this test does not
// depend on the kernel's sources.
const KERNEL_ERRORS: AbiErrorCodes = {
  guestReadFailed: KernelErr.GuestReadFailed,
  unmarshalFailed: KernelErr.UnmarshalFailed,
  marshalFailed: KernelErr.MarshalFailed,
  dataTooLarge: KernelErr.DataTooLarge,
  guestWriteFailed: KernelErr.GuestWriteFailed,
  internal: KernelErr.ExecError,
}

const hex16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0')
const idText = (id: { high: bigint; low: bigint } | undefined): string =>
  `${hex16(id?.high ?? 0n)}:${hex16(id?.low ?? 0n)}`
const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex')
const anyJson = (a: Any | undefined) => ({ typeUrl: a?.typeUrl ?? '', value: hex(a?.value) })
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const textAny = (s: string): Any => create(AnySchema, { typeUrl: TEXT, value: utf8(s) })
const idRaw = (high: bigint, low: bigint): IdRaw => create(IdRawSchema, { high, low })
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

// Ids with every interesting bit pattern: type letters, top bits set, all-ones data.
const SERVICE_ID = idRaw(0x73a1b2c3d4e5f607n, 0x8899aabbccddeeffn)
const METHOD_ID = idRaw(0x6d0000000000002an, 0xffffffffffffff00n)
const CALL_ID = idRaw(0x63fedcba98765432n, 0x0123456789abcdefn)
const HOST_ID = idRaw(0x6880000000000001n, 0x8000000000000000n)

/** Unknown fields of every wire type (0, 1, 2, 5, and nested groups) with high field numbers. */
function unknownFields(): Uint8Array {
  return new BinaryWriter()
    .tag(90, WireType.Varint)
    .uint64(0xffffffffffffffffn)
    .tag(91, WireType.Bit64)
    .fixed64(0x1122334455667788n)
    .tag(92, WireType.LengthDelimited)
    .bytes(utf8('ignore me: \x0a\x02\x08\x01'))
    .tag(93, WireType.Bit32)
    .fixed32(0xdeadbeef)
    .tag(536870911, WireType.Varint)
    .int32(-1)
    .tag(94, WireType.StartGroup)
    .tag(1, WireType.Varint)
    .uint32(5)
    .tag(95, WireType.StartGroup)
    .tag(2, WireType.LengthDelimited)
    .string('nested group')
    .tag(95, WireType.EndGroup)
    .tag(94, WireType.EndGroup)
    .finish()
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  return new BinaryWriter().tag(field, WireType.LengthDelimited).bytes(body).finish()
}

describe('AssemblyScript guest runtime', () => {
  let engine: Engine
  const compiled: Record<string, CompiledGuest> = {}

  beforeAll(async () => {
    engine = createEngine()
    for (const name of ['codec-probe', 'test-server', 'test-client']) {
      compiled[name] = await engine.compile(await compileGuestFixture(name), `${name}.wasm`)
    }
    const timing = ascCompileInfo()
      .map((i) => `${i.file} ${i.byteLength} B ${i.millis} ms (${i.source})`)
      .join('; ')
    console.info(`asc: ${timing}`)
  })

  describe('compilation', () => {
    it('every guest is a WASI command exporting memory and _start, importing only parigot and WASI', () => {
      for (const [name, guest] of Object.entries(compiled)) {
        expect(guest.entry, name).toBe('command')
        expect(
          guest.exports.some((e) => e.name === 'memory' && e.kind === 'memory'),
          name,
        ).toBe(true)
        for (const imp of guest.imports) {
          expect(imp.kind, `${name} ${imp.module}.${imp.name}`).toBe('function')
          expect(['parigot', 'wasi_snapshot_preview1'], `${name} ${imp.module}`).toContain(
            imp.module,
          )
          if (imp.module === 'parigot') expect(PARIGOT_FUNCTIONS).toContain(imp.name)
        }
      }
      expect(compiled['codec-probe']?.imports).toEqual([])
      const names = (g: string) => compiled[g]?.imports.map((i) => `${i.module}.${i.name}`).sort()
      expect(names('test-server')).toEqual(
        [
          'parigot.bind_method_',
          'parigot.export_',
          'parigot.launch_',
          'parigot.read_one_',
          'parigot.register_',
          'parigot.return_value_',
          'wasi_snapshot_preview1.args_get',
          'wasi_snapshot_preview1.args_sizes_get',
          'wasi_snapshot_preview1.fd_write',
          'wasi_snapshot_preview1.poll_oneoff',
          'wasi_snapshot_preview1.proc_exit',
          'wasi_snapshot_preview1.random_get',
        ].sort(),
      )
      expect(names('test-client')).toEqual(
        expect.arrayContaining([
          'parigot.register_',
          'parigot.require_',
          'parigot.launch_',
          'parigot.locate_',
          'parigot.dispatch_',
          'parigot.read_one_',
          'parigot.exit_',
          'wasi_snapshot_preview1.proc_exit',
        ]),
      )
    })

    it('the whole runtime compiles as an entry (every exported function is type-checked)', async () => {
      // asc only compiles what is reachable; as an entry, every exported function is a root.
      const runtime = await engine.compile(
        await compileAssemblyScript('src/guest/runtime/index.ts'),
        'runtime.wasm',
      )
      const modules = new Set(runtime.imports.map((i) => i.module))
      expect([...modules].sort()).toEqual([
        'file',
        'parigot',
        'parigot_worker',
        'queue',
        'wasi_snapshot_preview1',
      ])
      // The event loop asks its worker whether it shares it (docs/abi.md, "Sharing a worker").
      expect(runtime.imports.filter((i) => i.module === 'parigot_worker')).toEqual([
        { module: 'parigot_worker', name: 'colocated', kind: 'function' },
      ])
      const names = (module: string) =>
        runtime.imports
          .filter((i) => i.module === module)
          .map((i) => i.name)
          .sort()
      expect(names('parigot')).toEqual([...PARIGOT_FUNCTIONS].sort())
      expect(names('file')).toEqual(
        ['close_', 'create_', 'delete_', 'open_', 'read_', 'stat_', 'write_'].sort(),
      )
      expect(names('queue')).toEqual(
        [
          'create_queue_',
          'delete_queue_',
          'length_',
          'locate_',
          'mark_done_',
          'receive_',
          'send_',
        ].sort(),
      )
    })

    it('compiles once per (file, options) and returns independent copies', async () => {
      const a = await compileGuestFixture('codec-probe')
      const b = await compileGuestFixture('codec-probe')
      expect(a).toEqual(b)
      a[0] = 0xff
      expect(b[0]).toBe(0)
    })

    it('a compile error throws with the diagnostics', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'asc-broken-'))
      try {
        const file = join(dir, 'broken.ts')
        await writeFile(file, 'export function f(): i32 {\n  return undefinedThing + 1\n}\n')
        await expect(compileAssemblyScript(file)).rejects.toThrow(/undefinedThing/)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    })
  })

  describe('codec (AssemblyScript proto.ts/messages.ts against @bufbuild/protobuf)', () => {
    let probe: Probe

    beforeAll(() => {
      probe = new Probe(engine.instantiate(requireCompiled('codec-probe'), probeConfig()))
      expect(probe.guest.start()).toEqual({ kind: 'exited', code: 0 })
    })

    function requireCompiled(name: string): CompiledGuest {
      const c = compiled[name]
      if (c === undefined) throw new Error(`${name} not compiled`)
      return c
    }

    function probeConfig() {
      return { serviceName: 'codec-probe', logger: createMemoryLogger('codec-probe').logger }
    }

    /** AS decode of `bytes` must equal protobuf-es's decode of the same bytes. */
    /**
     * AS decode of `bytes` must equal protobuf-es's decode of the same bytes; and the Event the
     * allocation-free decoder makes (call-codec.ts) must be the generic one's, or (`fast` false:
     * shapes the host never writes) it must leave the bytes to the generic decoder.
     */
    function checkReadOne(bytes: Uint8Array, fast = true): ReadOneResponse {
      const es = fromBinary(ReadOneResponseSchema, bytes)
      expect(probe.json('decode_read_one_response', bytes)).toEqual(readOneJson(es))
      const event = probe.json('decode_read_one_event', bytes)
      if (fast) expect(event).toEqual(probe.json('decode_read_one_event_generic', bytes))
      else expect(event).toEqual({ fallback: true })
      return es
    }

    it('ReadOneResponse: timeout', () => {
      const bytes = toBinary(
        ReadOneResponseSchema,
        create(ReadOneResponseSchema, { timeout: true }),
      )
      expect(checkReadOne(bytes).timeout).toBe(true)
    })

    it('ReadOneResponse: an inbound call with param', () => {
      const msg = create(ReadOneResponseSchema, {
        call: { serviceId: SERVICE_ID, methodId: METHOD_ID },
        callId: CALL_ID,
        param: textAny('echo:héllo ✓ 𝄞'),
      })
      checkReadOne(toBinary(ReadOneResponseSchema, msg))
      // and the inbound call without a param (a method with no input)
      const bare = create(ReadOneResponseSchema, {
        call: { serviceId: SERVICE_ID, methodId: METHOD_ID },
        callId: CALL_ID,
      })
      checkReadOne(toBinary(ReadOneResponseSchema, bare))
    })

    it('ReadOneResponse: resolved calls, with negative result_error and kernel_error', () => {
      const ok = create(ReadOneResponseSchema, {
        resolved: { hostId: HOST_ID, callId: CALL_ID, result: textAny('echo:x'), resultError: 0 },
      })
      checkReadOne(toBinary(ReadOneResponseSchema, ok))
      const failed = create(ReadOneResponseSchema, {
        resolved: {
          callId: CALL_ID,
          resultError: -2147483648,
          kernelError: KernelErr.CallTimeout,
        },
      })
      const bytes = toBinary(ReadOneResponseSchema, failed)
      const json = probe.json('decode_read_one_response', bytes) as { resolved: unknown }
      expect(json.resolved).toMatchObject({ resultError: -2147483648, kernelError: 40 })
      checkReadOne(bytes)
      const minusOne = create(ReadOneResponseSchema, {
        resolved: { callId: CALL_ID, resultError: -1, kernelError: KernelErr.ServiceFailed },
      })
      checkReadOne(toBinary(ReadOneResponseSchema, minusOne))
    })

    it("ReadOneResponse: what the guest worker's direct path writes is read without the generic decoder", () => {
      const raw = (id: IdRaw) => toBinary(IdRawSchema, id)
      const param = toBinary(AnySchema, textAny('echo:direct'))
      checkReadOne(callPayload(raw(SERVICE_ID), raw(METHOD_ID), raw(CALL_ID), param))
      checkReadOne(callPayload(raw(SERVICE_ID), raw(METHOD_ID), raw(CALL_ID), undefined))
      for (const resultError of [0, 3, -1]) {
        checkReadOne(resolvedPayload(raw(HOST_ID), raw(CALL_ID), param, resultError))
        checkReadOne(resolvedPayload(raw(HOST_ID), raw(CALL_ID), undefined, resultError))
      }
      checkReadOne(READ_ONE_TIMEOUT)
    })

    it('ReadOneResponse: exit', () => {
      checkReadOne(toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { exit: true })))
      checkReadOne(new Uint8Array(0))
    })

    it('ReadOneResponse: unknown fields of every wire type are skipped, also in nested messages', () => {
      const resolved = toBinary(
        ResolvedCallSchema,
        create(ResolvedCallSchema, {
          callId: CALL_ID,
          result: textAny('echo:unknowns'),
          resultError: 7,
          kernelError: KernelErr.ServiceFailed,
        }),
      )
      const idWithUnknowns = concat(
        unknownFields(),
        toBinary(IdRawSchema, HOST_ID),
        unknownFields(),
      )
      const bytes = concat(
        unknownFields(),
        lengthDelimited(5, concat(unknownFields(), resolved, unknownFields())),
        lengthDelimited(3, idWithUnknowns),
        unknownFields(),
      )
      const es = checkReadOne(bytes, false)
      expect(es.resolved?.resultError).toBe(7)
      expect(idText(es.callId)).toBe(idText(HOST_ID))
    })

    it('malformed input is reported, not trapped on', () => {
      const good = toBinary(
        ReadOneResponseSchema,
        create(ReadOneResponseSchema, { resolved: { callId: CALL_ID, result: textAny('abc') } }),
      )
      const cases: [string, Uint8Array, number][] = [
        ['truncated nested message', good.subarray(0, good.length - 1), 1],
        ['truncated varint', new Uint8Array([0x08, 0x80]), 1],
        ['length past the end', new Uint8Array([0x22, 0x05, 0x0a]), 1],
        ['varint over 10 bytes', new Uint8Array([0x08, ...new Array<number>(10).fill(0xff), 1]), 2],
        ['unterminated group', new Uint8Array([0x9b, 0x06, 0x08, 0x01]), 1],
        ['group ended by another field', new Uint8Array([0x9b, 0x06, 0xa4, 0x06]), 3],
        ['end group without start', new Uint8Array([0x9c, 0x06]), 3],
        ['wire type 7', new Uint8Array([0x0f]), 3],
        ['field number 0', new Uint8Array([0x00, 0x01]), 4],
        ['bool sent as bytes', new Uint8Array([0x0a, 0x00]), 5],
        ['known field sent as a group', new Uint8Array([0x0b, 0x0c]), 5],
      ]
      for (const [what, bytes, error] of cases) {
        const json = probe.json('decode_read_one_response', bytes) as { ok: boolean; error: number }
        expect({ what, ok: json.ok, error: json.error }).toEqual({ what, ok: false, error })
        expect(probe.json('decode_read_one_event', bytes), what).toEqual({ fallback: true })
        if (error !== 5) {
          expect(() => fromBinary(ReadOneResponseSchema, bytes), what).toThrow()
        }
      }
      // The probe is still usable afterwards.
      checkReadOne(good)
    })

    it('LocateResponse with several bindings, 64-bit ids with the top bit set', () => {
      const msg = create(LocateResponseSchema, {
        hostId: HOST_ID,
        serviceId: SERVICE_ID,
        binding: [
          { methodName: 'Work', methodId: idRaw(0x6d00000000000001n, 0xfffffffffffffff1n) },
          { methodName: 'Echo', methodId: idRaw(EXIT_METHOD.high, EXIT_METHOD.low) },
          { methodName: 'Ünïcödé', methodId: idRaw(0xffffffffffffffffn, 0xffffffffffffffffn) },
          { methodName: '', methodId: idRaw(0n, 0n) },
        ],
      })
      const bytes = concat(toBinary(LocateResponseSchema, msg), unknownFields())
      const es = fromBinary(LocateResponseSchema, bytes)
      expect(probe.json('decode_locate_response', bytes)).toEqual({
        ok: true,
        error: 0,
        hostId: idText(es.hostId),
        serviceId: idText(es.serviceId),
        bindings: es.binding.map((b) => ({
          methodName: b.methodName,
          methodId: idText(b.methodId),
        })),
        echo: idText(EXIT_METHOD),
      })
      const none = probe.json('decode_locate_response', new Uint8Array(0)) as LocateJson
      expect(none).toMatchObject({ ok: true, bindings: [], echo: null })
    })

    it('id and exit responses', () => {
      for (const schema of [RegisterResponseSchema, BindMethodResponseSchema]) {
        const field = schema === RegisterResponseSchema ? 'id' : 'methodId'
        const bytes = toBinary(schema, create(schema, { [field]: METHOD_ID }))
        expect(probe.json('decode_id_response', bytes)).toEqual({
          ok: true,
          error: 0,
          id: idText(METHOD_ID),
          empty: false,
        })
      }
      const withExisted = toBinary(
        RegisterResponseSchema,
        create(RegisterResponseSchema, { id: SERVICE_ID, existedPreviously: true }),
      )
      expect(probe.json('decode_id_response', withExisted)).toMatchObject({
        id: idText(SERVICE_ID),
      })
      const dispatched = toBinary(
        DispatchResponseSchema,
        create(DispatchResponseSchema, { callId: CALL_ID }),
      )
      expect(probe.json('decode_id_response', dispatched)).toMatchObject({ id: idText(CALL_ID) })
      expect(probe.json('decode_id_response', new Uint8Array(0))).toMatchObject({
        ok: true,
        empty: true,
      })
      const exitBytes = toBinary(
        ExitResponseSchema,
        create(ExitResponseSchema, { pair: { serviceId: SERVICE_ID, code: 192 } }),
      )
      expect(probe.json('decode_exit_response', exitBytes)).toEqual({
        ok: true,
        error: 0,
        serviceId: idText(SERVICE_ID),
        code: 192,
      })
    })

    /** AS encoding must decode to `expected` and be byte-identical to protobuf-es's encoding. */
    function checkEncoded<D extends DescMessage>(
      schema: D,
      bytes: Uint8Array,
      expected: MessageInitShape<D>,
    ): MessageShape<D> {
      const decoded = fromBinary(schema, bytes)
      const canonical = toBinary(schema, create(schema, expected))
      expect(hex(bytes)).toBe(hex(canonical))
      return decoded
    }

    it('requests: register, export, require, bind_method, launch', () => {
      const names = (pairs: [string, string][]): Uint8Array => {
        const lengths = new Uint8Array(pairs.length * 8)
        const view = new DataView(lengths.buffer)
        pairs.forEach(([p, s], i) => {
          view.setInt32(i * 8, utf8(p).length, true)
          view.setInt32(i * 8 + 4, utf8(s).length, true)
        })
        return concat(lengths, ...pairs.flatMap(([p, s]) => [utf8(p), utf8(s)]))
      }
      const reg = probe.encode(
        'encode_register_request',
        concat(utf8('test.v1'), utf8('échø')),
        7,
        6,
      )
      const r = checkEncoded(RegisterRequestSchema, reg, {
        fqs: { packagePath: 'test.v1', service: 'échø' },
      })
      expect(r.hostId).toBeUndefined()

      const two: [string, string][] = [
        ['test.v1', 'echo'],
        ['other.v2', 'thing'],
      ]
      const exp = probe.encode(
        'encode_export_request',
        names(two),
        SERVICE_ID.high,
        SERVICE_ID.low,
        2,
      )
      const e = checkEncoded(ExportRequestSchema, exp, {
        serviceId: SERVICE_ID,
        service: two.map(([packagePath, service]) => ({ packagePath, service })),
      })
      expect(e.hostId).toBeUndefined()

      const req = probe.encode(
        'encode_require_request',
        names(two),
        SERVICE_ID.high,
        SERVICE_ID.low,
        2,
      )
      checkEncoded(RequireRequestSchema, req, {
        dest: two.map(([packagePath, service]) => ({ packagePath, service })),
        source: SERVICE_ID,
      })

      const bind = probe.encode(
        'encode_bind_method_request',
        utf8('Echo'),
        SERVICE_ID.high,
        SERVICE_ID.low,
        4,
      )
      checkEncoded(BindMethodRequestSchema, bind, { serviceId: SERVICE_ID, methodName: 'Echo' })

      const launch = probe.encode(
        'encode_launch_request',
        new Uint8Array(0),
        SERVICE_ID.high,
        SERVICE_ID.low,
        CALL_ID.high,
        CALL_ID.low,
      )
      const l = checkEncoded(LaunchRequestSchema, launch, {
        serviceId: SERVICE_ID,
        callId: CALL_ID,
        methodId: LAUNCH_METHOD,
      })
      expect(idText(l.methodId)).toBe(idText(LAUNCH_METHOD))
    })

    it('requests: locate, dispatch, return_value, read_one, exit', () => {
      const locate = probe.encode(
        'encode_locate_request',
        concat(utf8('test.v1'), utf8('echo')),
        7,
        4,
        SERVICE_ID.high,
        SERVICE_ID.low,
      )
      checkEncoded(LocateRequestSchema, locate, {
        packageName: 'test.v1',
        serviceName: 'echo',
        calledBy: SERVICE_ID,
      })

      const value = new Uint8Array([0, 1, 2, 0xff, 0x80, 0x0a])
      const dispatch = probe.encode(
        'encode_dispatch_request',
        concat(utf8(TEXT), value),
        SERVICE_ID.high,
        SERVICE_ID.low,
        METHOD_ID.high,
        METHOD_ID.low,
        CALL_ID.high,
        CALL_ID.low,
        utf8(TEXT).length,
        value.length,
      )
      const d = checkEncoded(DispatchRequestSchema, dispatch, {
        serviceId: SERVICE_ID,
        methodId: METHOD_ID,
        param: { typeUrl: TEXT, value },
        callId: CALL_ID,
      })
      expect(d.hostId).toBeUndefined()
      const noParam = probe.encode(
        'encode_dispatch_request',
        new Uint8Array(0),
        SERVICE_ID.high,
        SERVICE_ID.low,
        METHOD_ID.high,
        METHOD_ID.low,
        CALL_ID.high,
        CALL_ID.low,
        0,
        0,
      )
      expect(
        checkEncoded(DispatchRequestSchema, noParam, {
          serviceId: SERVICE_ID,
          methodId: METHOD_ID,
          callId: CALL_ID,
        }).param,
      ).toBeUndefined()

      for (const resultError of [0, 7, -1, -2147483648, 2147483647]) {
        const result = resultError === 0 ? utf8('echo:ok') : new Uint8Array(0)
        const typeUrl = resultError === 0 ? utf8(TEXT) : new Uint8Array(0)
        const rv = probe.encode(
          'encode_return_value_request',
          concat(typeUrl, result),
          CALL_ID.high,
          CALL_ID.low,
          typeUrl.length,
          result.length,
          resultError,
        )
        const decoded = checkEncoded(ReturnValueRequestSchema, rv, {
          callId: CALL_ID,
          resultError,
          ...(resultError === 0 ? { result: { typeUrl: TEXT, value: result } } : {}),
        })
        expect(decoded.resultError).toBe(resultError)
        if (resultError < 0) expect(rv.length).toBeGreaterThanOrEqual(11) // a 10-byte varint
      }

      for (const timeout of [1000, 0, -1]) {
        const any = probe.encode(
          'encode_read_one_request',
          new Uint8Array(0),
          timeout,
          0,
          0n,
          0n,
          0n,
          0n,
        )
        const ro = checkEncoded(ReadOneRequestSchema, any, { timeoutInMillis: timeout })
        expect(ro.call).toEqual([])
        expect(ro.hostId).toBeUndefined()
      }
      const restricted = probe.encode(
        'encode_read_one_request',
        new Uint8Array(0),
        250,
        1,
        SERVICE_ID.high,
        SERVICE_ID.low,
        METHOD_ID.high,
        METHOD_ID.low,
      )
      checkEncoded(ReadOneRequestSchema, restricted, {
        call: [{ serviceId: SERVICE_ID, methodId: METHOD_ID }],
        timeoutInMillis: 250,
      })

      for (const code of [0, 3, 250, -5]) {
        const ex = probe.encode(
          'encode_exit_request',
          new Uint8Array(0),
          SERVICE_ID.high,
          SERVICE_ID.low,
          code,
          CALL_ID.high,
          CALL_ID.low,
        )
        const decoded = checkEncoded(ExitRequestSchema, ex, {
          pair: { serviceId: SERVICE_ID, code },
          callId: CALL_ID,
          methodId: EXIT_METHOD,
        })
        expect(decoded.pair?.code).toBe(code)
      }
    })

    it('writer primitives match protobuf-es BinaryWriter; the reader walks them back', () => {
      const cases: [bigint, number, boolean, bigint, number, string, Uint8Array][] = [
        [
          0xffffffffffffffffn,
          -2147483648,
          true,
          0x8000000000000001n,
          0xffffffff,
          'héllo ✓ 𝄞',
          utf8('raw'),
        ],
        [1n, 1, false, 0n, 0, '', new Uint8Array(0)],
        [0n, 0, false, 0n, 0, '', new Uint8Array(0)],
        [300n, -1, true, 1n, 1, 'x'.repeat(200), new Uint8Array(300).fill(0xab)],
      ]
      for (const [v, i, b, f64, f32, s, bytes] of cases) {
        const w = new BinaryWriter()
        if (v !== 0n) w.tag(1, WireType.Varint).uint64(v)
        if (i !== 0) w.tag(2, WireType.Varint).int32(i)
        if (b) w.tag(3, WireType.Varint).bool(b)
        if (s !== '') w.tag(4, WireType.LengthDelimited).string(s)
        if (f64 !== 0n) w.tag(5, WireType.Bit64).fixed64(f64)
        if (f32 !== 0) w.tag(6, WireType.Bit32).fixed32(f32)
        if (bytes.length > 0) w.tag(7, WireType.LengthDelimited).bytes(bytes)
        w.tag(8, WireType.LengthDelimited).bytes(new Uint8Array(0))
        const expected = w.finish()
        const got = probe.encode(
          'encode_primitives',
          concat(utf8(s), bytes),
          v,
          i,
          b ? 1 : 0,
          f64,
          f32 | 0,
          utf8(s).length,
        )
        expect(hex(got)).toBe(hex(expected))

        const walked = probe.json('read_fields', got) as { ok: boolean; fields: FieldJson[] }
        expect(walked.ok).toBe(true)
        const want: FieldJson[] = []
        if (v !== 0n) want.push({ field: 1, wireType: 0, value: v.toString() })
        if (i !== 0)
          want.push({ field: 2, wireType: 0, value: BigInt.asUintN(64, BigInt(i)).toString() })
        if (b) want.push({ field: 3, wireType: 0, value: '1' })
        if (s !== '') want.push({ field: 4, wireType: 2, value: hex(utf8(s)) })
        if (f64 !== 0n) want.push({ field: 5, wireType: 1, value: f64.toString() })
        if (f32 !== 0) want.push({ field: 6, wireType: 5, value: f32.toString() })
        if (bytes.length > 0) want.push({ field: 7, wireType: 2, value: hex(bytes) })
        want.push({ field: 8, wireType: 2, value: '' })
        expect(walked.fields).toEqual(want)
      }
    })

    it('ids: letter, empty, zero, equality, text', () => {
      expect(
        probe.json(
          'id_info',
          new Uint8Array(0),
          EXIT_METHOD.high,
          EXIT_METHOD.low,
          EXIT_METHOD.high,
          EXIT_METHOD.low,
        ),
      ).toEqual({
        letter: 0x6d,
        empty: false,
        zero: false,
        equals: true,
        text: idText(EXIT_METHOD),
      })
      expect(
        probe.json('id_info', new Uint8Array(0), 0x6300000000000000n, 0n, 0n, 0n),
      ).toMatchObject({ letter: 0x63, empty: true, zero: false, equals: false })
      expect(
        probe.json(
          'id_info',
          new Uint8Array(0),
          0x63ffffffffffffffn,
          0xffffffffffffffffn,
          0x63ffffffffffffffn,
          0xfffffffffffffffen,
        ),
      ).toMatchObject({ letter: 0x63, empty: false, zero: true, equals: false })
    })
  })

  describe('test guests against a scripted fake kernel', () => {
    it('test-server: registers, exports, binds, launches, answers calls, exits 0 on exit', () => {
      const kernel = new FakeKernel()
      kernel.script.push({ timeout: true })
      kernel.afterLaunch = (cid) => {
        kernel.script.push(
          { resolved: { callId: cid } },
          { timeout: true },
          inbound('echo:hello ✓'),
          inbound('error:7'),
          inbound('error:-3'),
          inbound('sleep:15'),
          inbound('bogus'),
          { exit: true },
        )
      }
      const run = kernel.run('test-server', 'echo-svc', [])
      expect(run.outcome).toEqual({ kind: 'exited', code: 0 })
      expect(run.lines).toEqual(['echo: running', 'echo: exiting'])
      const reg = kernel.requests('register_')[0]
      expect(reg).toMatchObject({ fqs: { packagePath: 'test.v1', service: 'echo' } })
      expect(reg?.hostId).toBeUndefined()
      expect(kernel.requests('export_')[0]).toMatchObject({
        serviceId: { high: SERVICE_ID.high, low: SERVICE_ID.low },
        service: [{ packagePath: 'test.v1', service: 'echo' }],
      })
      expect(kernel.requests('bind_method_').map((r) => r.methodName)).toEqual(['Echo', 'Work'])
      const launch = kernel.requests('launch_')[0]
      expect(idText(launch?.methodId)).toBe(idText(LAUNCH_METHOD))
      expect(launch?.callId?.high ? launch.callId.high >> 56n : 0n).toBe(0x63n)
      for (const r of kernel.requests('read_one_')) {
        expect(r.timeoutInMillis).toBe(1000)
        expect(r.call).toEqual([])
        expect(r.hostId).toBeUndefined()
      }
      const answers = kernel.requests('return_value_').map((r) => ({
        call: idText(r.callId),
        result: r.result ? new TextDecoder().decode(r.result.value) : undefined,
        typeUrl: r.result?.typeUrl,
        resultError: r.resultError,
      }))
      expect(answers).toEqual([
        {
          call: idText(kernel.inboundIds[0]),
          result: 'echo:hello ✓',
          typeUrl: TEXT,
          resultError: 0,
        },
        {
          call: idText(kernel.inboundIds[1]),
          result: undefined,
          typeUrl: undefined,
          resultError: 7,
        },
        {
          call: idText(kernel.inboundIds[2]),
          result: undefined,
          typeUrl: undefined,
          resultError: -3,
        },
        { call: idText(kernel.inboundIds[3]), result: 'slept:15', typeUrl: TEXT, resultError: 0 },
        {
          call: idText(kernel.inboundIds[4]),
          result: undefined,
          typeUrl: undefined,
          resultError: 1,
        },
      ])
      expect(run.millis).toBeGreaterThanOrEqual(14)
    })

    it('test-server: argv names the service; trap traps; a failed launch exits 4', () => {
      const kernel = new FakeKernel()
      kernel.afterLaunch = (cid) =>
        kernel.script.push({ resolved: { callId: cid } }, inbound('echo:a'), inbound('trap'))
      const run = kernel.run('test-server', 'other', ['acme.v2', 'thing'])
      expect(run.outcome.kind).toBe('trapped')
      expect(run.lines).toEqual(['thing: running'])
      expect(kernel.requests('register_')[0]?.fqs).toMatchObject({
        packagePath: 'acme.v2',
        service: 'thing',
      })
      expect(kernel.requests('return_value_')).toHaveLength(1)

      const failing = new FakeKernel()
      failing.afterLaunch = (cid) =>
        failing.script.push({
          resolved: { callId: cid, resultError: 1, kernelError: KernelErr.RunTimeout },
        })
      const failed = failing.run('test-server', 'echo', [])
      expect(failed.outcome).toEqual({ kind: 'exited', code: 4 })
      expect(failed.lines).toEqual(['echo: launch failed 1 kernel 29'])
    })

    it('test-client: requires, launches, locates (DataTooLarge retry), calls, bursts, exits 0', () => {
      const kernel = new FakeKernel()
      kernel.bigLocate = true
      const run = kernel.run('test-client', 'client', [
        'c1',
        'test.v1.echo',
        'echo:hello',
        'error:7',
        'sleep:3',
        'trap',
        'burst:25:x',
      ])
      expect(run.lines).toEqual([
        'c1: running',
        'result echo:hello -> ok echo:hello',
        'result error:7 -> error 7 kernel 0',
        'result sleep:3 -> ok slept:3',
        'result trap -> error 1 kernel 41',
        'burst 25 ok=25 failed=0',
        'exit 0 -> 0',
      ])
      expect(run.outcome).toEqual({ kind: 'exited', code: 0 })
      expect(kernel.requests('register_')[0]?.fqs).toMatchObject({
        packagePath: 'test.v1',
        service: 'c1',
      })
      expect(kernel.requests('require_')[0]).toMatchObject({
        dest: [{ packagePath: 'test.v1', service: 'echo' }],
        source: { high: SERVICE_ID.high, low: SERVICE_ID.low },
      })
      // The locate response was over 4096 bytes: one DataTooLarge, one retry.
      expect(kernel.calls.filter((c) => c === 'locate_')).toHaveLength(2)
      expect(kernel.requests('locate_')[0]).toMatchObject({
        packageName: 'test.v1',
        serviceName: 'echo',
      })
      const dispatches = kernel.requests('dispatch_')
      expect(dispatches).toHaveLength(29)
      const callIds = new Set(dispatches.map((d) => idText(d.callId)))
      expect(callIds.size).toBe(29)
      for (const d of dispatches) {
        expect(idText(d.methodId)).toBe(idText(ECHO_METHOD))
        expect(idText(d.serviceId)).toBe(idText(TARGET_ID))
        expect(d.param?.typeUrl).toBe(TEXT)
        expect(d.hostId).toBeUndefined()
      }
      const exit = kernel.requests('exit_')[0]
      expect(exit?.pair?.code).toBe(0)
      expect(idText(exit?.methodId)).toBe(idText(EXIT_METHOD))
    })

    it('test-client: a wrong answer exits 3; exit:<n> is clamped by the kernel; launch failure exits 4', () => {
      const wrong = new FakeKernel()
      wrong.corrupt = (param) => (param.endsWith('-3') ? 'echo:nope' : undefined)
      const w = wrong.run('test-client', 'client', ['c', 'test.v1.echo', 'burst:5:y', 'error:2'])
      expect(w.lines).toEqual([
        'c: running',
        'burst first failure 3 ok echo:nope',
        'burst 5 ok=4 failed=1',
        'result error:2 -> error 2 kernel 0',
        'exit 3 -> 3',
      ])
      expect(w.outcome).toEqual({ kind: 'exited', code: 3 })

      const clamped = new FakeKernel()
      const c = clamped.run('test-client', 'client', [
        'c',
        'acme.v2.deep.thing',
        'echo:z',
        'exit:250',
      ])
      expect(clamped.requests('require_')[0]?.dest).toMatchObject([
        { packagePath: 'acme.v2.deep', service: 'thing' },
      ])
      expect(clamped.requests('exit_')[0]?.pair?.code).toBe(250)
      expect(c.lines.at(-1)).toBe('exit 250 -> 192')
      expect(c.outcome).toEqual({ kind: 'exited', code: 192 })

      const noLaunch = new FakeKernel()
      noLaunch.launchResult = { resultError: 1, kernelError: KernelErr.DependencyCycle }
      const n = noLaunch.run('test-client', 'client', ['c', 'test.v1.echo', 'echo:never'])
      expect(n.lines).toEqual(['launch failed 1 kernel 11', 'exit 4 -> 4'])
      expect(n.outcome).toEqual({ kind: 'exited', code: 4 })
      expect(noLaunch.requests('dispatch_')).toEqual([])
    })
  })

  function inbound(param: string): MessageInitShape<typeof ReadOneResponseSchema> {
    return { call: { serviceId: SERVICE_ID, methodId: ECHO_METHOD }, param: textAny(param) }
  }

  /**
   * A scripted stand-in for the kernel: answers every parigot syscall of ONE guest from JS,
   * records the requests, and serves read_one_ from `script`, then from results of dispatched
   * calls (newest first, so bursts come back out of order), then `exit`.
   */
  class FakeKernel {
    readonly script: MessageInitShape<typeof ReadOneResponseSchema>[] = []
    readonly calls: string[] = []
    readonly inboundIds: IdRaw[] = []
    afterLaunch: ((callId: IdRaw) => void) | undefined
    launchResult: { resultError: number; kernelError: KernelErr } = {
      resultError: 0,
      kernelError: KernelErr.NoError,
    }
    bigLocate = false
    corrupt: (param: string) => string | undefined = () => undefined
    private readonly log: { name: string; request: unknown }[] = []
    private readonly results: MessageInitShape<typeof ResolvedCallSchema>[] = []
    private inboundSeq = 0n
    private served = 0

    requests<N extends keyof RequestTypes>(name: N): RequestTypes[N][] {
      return this.log.filter((r) => r.name === name).map((r) => r.request as RequestTypes[N])
    }

    run(guest: string, serviceName: string, args: string[]) {
      const compiledGuest = compiled[guest]
      if (compiledGuest === undefined) throw new Error(`${guest} not compiled`)
      const eng = createEngine()
      this.install(eng)
      const { logger, records } = createMemoryLogger(serviceName)
      const instance: GuestInstance = eng.instantiate(compiledGuest, { serviceName, logger, args })
      const started = performance.now()
      const outcome: GuestOutcome<void> = instance.start()
      const millis = performance.now() - started
      const lines = records.filter((r) => r.level === 'info').map((r) => r.message)
      const warnings = records.filter((r) => r.level !== 'info' && r.level !== 'debug')
      if (warnings.length > 0 && outcome.kind !== 'trapped') {
        throw new Error(`unexpected warnings: ${JSON.stringify(warnings)}`)
      }
      return { outcome, lines, millis }
    }

    private install(eng: Engine): void {
      const module = 'parigot'
      const errors = KERNEL_ERRORS
      const note = (name: string, request: unknown) => {
        this.calls.push(name)
        this.log.push({ name, request })
      }
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'register_',
          request: RegisterRequestSchema,
          response: RegisterResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('register_', req)
            resp.id = SERVICE_ID
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'export_',
          request: ExportRequestSchema,
          errors,
          impl: (_ctx, req) => (note('export_', req), 0),
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'require_',
          request: RequireRequestSchema,
          errors,
          impl: (_ctx, req) => (note('require_', req), 0),
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'bind_method_',
          request: BindMethodRequestSchema,
          response: BindMethodResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('bind_method_', req)
            resp.methodId = req.methodName === 'Echo' ? ECHO_METHOD : WORK_METHOD
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'launch_',
          request: LaunchRequestSchema,
          errors,
          impl: (_ctx, req) => {
            note('launch_', req)
            if (req.callId === undefined) return KernelErr.BadId
            if (this.afterLaunch) this.afterLaunch(req.callId)
            else this.script.push({ resolved: { callId: req.callId, ...this.launchResult } })
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'locate_',
          request: LocateRequestSchema,
          response: LocateResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('locate_', req)
            resp.hostId = HOST_ID
            resp.serviceId = TARGET_ID
            const filler = this.bigLocate ? 120 : 0
            for (let i = 0; i < filler; i++) {
              resp.binding.push(
                create(MethodBindingSchema, {
                  methodName: `Filler${i}_${'x'.repeat(20)}`,
                  methodId: idRaw(0x6d00000000001000n + BigInt(i), BigInt(i)),
                }),
              )
            }
            resp.binding.push(
              create(MethodBindingSchema, { methodName: 'Echo', methodId: ECHO_METHOD }),
            )
            resp.binding.push(
              create(MethodBindingSchema, { methodName: 'Work', methodId: WORK_METHOD }),
            )
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'dispatch_',
          request: DispatchRequestSchema,
          response: DispatchResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('dispatch_', req)
            resp.callId = req.callId
            this.results.push(this.answer(req))
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'return_value_',
          request: ReturnValueRequestSchema,
          errors,
          impl: (_ctx, req) => (note('return_value_', req), 0),
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'read_one_',
          request: ReadOneRequestSchema,
          response: ReadOneResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('read_one_', req)
            const next = this.nextEvent()
            resp.timeout = next.timeout
            resp.call = next.call
            resp.callId = next.callId
            resp.param = next.param
            resp.resolved = next.resolved
            resp.exit = next.exit
            return 0
          },
        }),
      )
      eng.registerHostFunction(
        invokeAdapter({
          module,
          name: 'exit_',
          request: ExitRequestSchema,
          response: ExitResponseSchema,
          errors,
          impl: (_ctx, req, resp) => {
            note('exit_', req)
            const code = Math.min(192, Math.max(0, req.pair?.code ?? 0))
            resp.pair = create(ExitPairSchema, { serviceId: req.pair?.serviceId, code })
            return 0
          },
        }),
      )
    }

    private nextEvent(): ReadOneResponse {
      // A guest stuck in a loop must not hang the test run (host calls are synchronous).
      if (this.calls.length > 20_000) throw new Error('guest loops on read_one_')
      const scripted = this.script.shift()
      if (scripted !== undefined) {
        const event = create(ReadOneResponseSchema, scripted)
        if (event.call !== undefined && event.callId === undefined) {
          event.callId = idRaw(0x63000000000000c0n, ++this.inboundSeq)
          this.inboundIds.push(event.callId)
        }
        return event
      }
      if (this.results.length > 0 && ++this.served % 4 === 0) {
        // Now and then an unrelated, stale result, or nothing: the guest must carry on.
        return create(
          ReadOneResponseSchema,
          this.served % 8 === 0
            ? { timeout: true }
            : { resolved: { callId: idRaw(0x6300000000000badn, BigInt(this.served)) } },
        )
      }
      const result = this.results.pop()
      if (result !== undefined) return create(ReadOneResponseSchema, { resolved: result })
      // Nothing left to say (or a guest that loops): ask it to stop.
      return create(ReadOneResponseSchema, { exit: true })
    }

    /** What the test server would answer. */
    private answer(req: DispatchRequest): MessageInitShape<typeof ResolvedCallSchema> {
      const param = new TextDecoder().decode(req.param?.value ?? new Uint8Array(0))
      const callId = req.callId
      const corrupted = this.corrupt(param)
      if (corrupted !== undefined) return { callId, result: textAny(corrupted) }
      if (param.startsWith('echo:')) return { callId, result: textAny(param) }
      if (param.startsWith('error:')) return { callId, resultError: Number(param.slice(6)) }
      if (param.startsWith('sleep:')) return { callId, result: textAny(`slept:${param.slice(6)}`) }
      return { callId, resultError: 1, kernelError: KernelErr.ServiceFailed }
    }
  }
})

const ECHO_METHOD = idRaw(0x6d00000000000e40n, 0xfffffffffffffe40n)
const WORK_METHOD = idRaw(0x6d00000000000f00n, 0x8000000000000f00n)
const TARGET_ID = idRaw(0x73000000000000aan, 0x80000000000000aan)

interface RequestTypes {
  register_: MessageShape<typeof RegisterRequestSchema>
  export_: MessageShape<typeof ExportRequestSchema>
  require_: MessageShape<typeof RequireRequestSchema>
  bind_method_: MessageShape<typeof BindMethodRequestSchema>
  launch_: MessageShape<typeof LaunchRequestSchema>
  locate_: MessageShape<typeof LocateRequestSchema>
  dispatch_: MessageShape<typeof DispatchRequestSchema>
  return_value_: MessageShape<typeof ReturnValueRequestSchema>
  read_one_: MessageShape<typeof ReadOneRequestSchema>
  exit_: MessageShape<typeof ExitRequestSchema>
}

interface FieldJson {
  field: number
  wireType: number
  value: string
}

interface LocateJson {
  ok: boolean
  bindings: unknown[]
  echo: string | null
}

function readOneJson(m: ReadOneResponse) {
  return {
    ok: true,
    error: 0,
    timeout: m.timeout,
    call: m.call
      ? { serviceId: idText(m.call.serviceId), methodId: idText(m.call.methodId) }
      : null,
    callId: idText(m.callId),
    param: anyJson(m.param),
    resolved: m.resolved ? resolvedJson(m.resolved) : null,
    exit: m.exit,
  }
}

function resolvedJson(r: ResolvedCall) {
  return {
    hostId: idText(r.hostId),
    callId: idText(r.callId),
    result: anyJson(r.result),
    resultError: r.resultError,
    kernelError: r.kernelError,
  }
}

/** Drives the codec-probe guest (see its header for the protocol). */
class Probe {
  constructor(readonly guest: GuestInstance) {}

  call(name: string, ...args: (number | bigint)[]): number {
    const outcome = this.guest.call(name, ...args)
    if (outcome.kind !== 'returned') throw new Error(`${name}: ${JSON.stringify(outcome)}`)
    return Number(outcome.value)
  }

  private input(bytes: Uint8Array): void {
    const ptr = this.call('input', bytes.length)
    if (!this.guest.memory.write(ptr, bytes)) throw new Error('input outside memory')
  }

  private output(): Uint8Array {
    const ptr = this.call('output_ptr')
    const len = this.call('output_len')
    const out = this.guest.memory.read(ptr, len)
    if (out === undefined) throw new Error('output outside memory')
    return out
  }

  /**
   * Runs an encoder: `input` in the input buffer, then `name(...args)`; its output bytes. The
   * requests of the call syscalls are also encoded through the allocation-free codec
   * (call-codec.ts: `<name>_fast`), which must write the same bytes.
   */
  encode(name: string, input: Uint8Array, ...args: (number | bigint)[]): Uint8Array {
    this.input(input)
    const len = this.call(name, ...args)
    const out = this.output()
    expect(out.length).toBe(len)
    const fastArgs =
      name === 'encode_dispatch_request' || name === 'encode_return_value_request'
        ? args
        : name === 'encode_read_one_request' && args[1] === 0
          ? args.slice(0, 1)
          : undefined
    if (fastArgs !== undefined) {
      this.input(input)
      this.call(`${name}_fast`, ...fastArgs)
      expect(Array.from(this.output()), `${name}_fast`).toEqual(Array.from(out))
    }
    return out
  }

  /** Runs a decoder on `input` (`name(input.length, ...args)`); its JSON summary. */
  json(name: string, input: Uint8Array, ...args: (number | bigint)[]): unknown {
    this.input(input)
    const argv = args.length > 0 ? args : [input.length]
    this.call(name, ...argv)
    return JSON.parse(new TextDecoder().decode(this.output())) as unknown
  }
}
