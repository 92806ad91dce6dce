import { create, toBinary } from '@bufbuild/protobuf'
import type { DescMessage } from '@bufbuild/protobuf'
import { AnySchema, BytesValueSchema, EmptySchema, StringValueSchema } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../src/main/engine'
import type { GuestInstance } from '../../src/main/engine'
import { hasBytesField } from '../../src/main/engine/invoke'
import { KERNEL_ABI_ERRORS } from '../../src/main/kernel/abi-errors'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { SendRequestSchema } from '../../src/shared/gen/parigot/queue/v1/queue_pb'
import { LocateRequestSchema } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { assembleWat } from '../helpers/wat'

const IN_PTR = 1024
const OUT_PTR = 4096
const ERR_PTR = 64
const PAGE = 65536

const GUEST = `
(module
  (import "t" "keep_bytes_" (func $keep_bytes (param i32 i32 i32 i32) (result i64)))
  (import "t" "keep_locate_" (func $keep_locate (param i32 i32 i32 i32) (result i64)))
  (import "t" "keep_empty_" (func $keep_empty (param i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  (func (export "call_bytes") (param i32 i32 i32 i32) (result i64)
    (call $keep_bytes (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "call_locate") (param i32 i32 i32 i32) (result i64)
    (call $keep_locate (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "call_empty") (param i32 i32 i32 i32) (result i64)
    (call $keep_empty (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
`

describe('invoke adapter: requests decoded in place', () => {
  const kept: unknown[] = []
  let guest: GuestInstance

  beforeAll(async () => {
    const engine = createEngine()
    const errors = KERNEL_ABI_ERRORS
    engine.registerHostFunction(
      invokeAdapter({
        module: 't',
        name: 'keep_bytes_',
        request: BytesValueSchema,
        errors,
        impl: (_ctx, req) => (kept.push(req), 0),
      }),
    )
    engine.registerHostFunction(
      invokeAdapter({
        module: 't',
        name: 'keep_locate_',
        request: LocateRequestSchema,
        errors,
        impl: (_ctx, req) => (kept.push(req), 0),
      }),
    )
    engine.registerHostFunction(
      invokeAdapter({
        module: 't',
        name: 'keep_empty_',
        request: EmptySchema,
        errors,
        impl: (_ctx, req) => (kept.push(req), 0),
      }),
    )
    const compiled = await engine.compile(await assembleWat(GUEST, 'in-place.wat'), 'in-place')
    guest = engine.instantiate(compiled, {
      serviceName: 'in-place',
      logger: createMemoryLogger('in-place').logger,
    })
  })

  function call(name: string, request: Uint8Array, at = IN_PTR): void {
    expect(guest.memory.write(at, request)).toBe(true)
    expect(guest.memory.writeI32(ERR_PTR, 0)).toBe(true)
    const outcome = guest.call(name, request.length, at, OUT_PTR, ERR_PTR)
    expect(outcome.kind).toBe('returned')
    expect(guest.memory.readI32(ERR_PTR)).toBe(0)
  }

  it('knows which request types carry bytes, through nested messages', () => {
    const cases: [DescMessage, boolean][] = [
      [EmptySchema, false],
      [StringValueSchema, false],
      [IdRawSchema, false],
      [LocateRequestSchema, false],
      [BytesValueSchema, true],
      [AnySchema, true],
      [SendRequestSchema, true], // repeated QueueMsg -> Any -> bytes
    ]
    for (const [schema, expected] of cases)
      expect([schema.typeName, hasBytesField(schema)]).toEqual([schema.typeName, expected])
  })

  it('a bytes field the implementation keeps does not change when the guest rewrites its memory', () => {
    kept.length = 0
    const request = toBinary(
      BytesValueSchema,
      create(BytesValueSchema, { value: new Uint8Array([1, 2, 3, 4]) }),
    )
    call('call_bytes', request)
    expect(guest.memory.write(IN_PTR, new Uint8Array(request.length).fill(0xee))).toBe(true)
    const req = kept[0] as { value: Uint8Array }
    expect([...req.value]).toEqual([1, 2, 3, 4])
    expect(req.value.buffer).not.toBe((guest.exports['memory'] as WebAssembly.Memory).buffer)
  })

  it('a request without bytes decodes in place to the same values, which outlive the call', () => {
    kept.length = 0
    const sent = create(LocateRequestSchema, {
      packageName: 'greeting.v1',
      serviceName: 'greeting',
      calledBy: create(IdRawSchema, { high: 0x1234_5678_9abc_def0n, low: 7n }),
    })
    call('call_locate', toBinary(LocateRequestSchema, sent))
    expect(guest.memory.write(IN_PTR, new Uint8Array(64).fill(0))).toBe(true)
    const got = kept[0] as typeof sent
    expect(got.packageName).toBe('greeting.v1')
    expect(got.serviceName).toBe('greeting')
    expect(got.calledBy?.high).toBe(0x1234_5678_9abc_def0n)
    expect(got.calledBy?.low).toBe(7n)
  })

  it('an empty request is a fresh default message each call', () => {
    kept.length = 0
    call('call_empty', new Uint8Array(0))
    call('call_empty', new Uint8Array(0))
    expect(kept).toHaveLength(2)
    expect(kept[0]).not.toBe(kept[1])
    expect((kept[0] as { $typeName: string }).$typeName).toBe('google.protobuf.Empty')
  })

  it('a request past the old end of a grown memory is read from the new buffer', () => {
    kept.length = 0
    const before = guest.memory.size
    expect(guest.memory.contains(before + 8, 8)).toBe(false)
    const grown = guest.call('grow', 1)
    expect(grown).toMatchObject({ kind: 'returned', value: before / PAGE })
    const request = toBinary(
      LocateRequestSchema,
      create(LocateRequestSchema, { packageName: 'far.v1', serviceName: 'far' }),
    )
    call('call_locate', request, before + 8)
    expect((kept[0] as { packageName: string }).packageName).toBe('far.v1')
    expect(guest.memory.contains(before + PAGE - 4, 5)).toBe(false)
  })
})
