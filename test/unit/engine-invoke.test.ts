import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { BytesValueSchema, StringValueSchema } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../src/main/engine'
import type { CompiledGuest, Engine, GuestInstance } from '../../src/main/engine'
import { KERNEL_ABI_ERRORS } from '../../src/main/kernel/abi-errors'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { assembleFixture } from '../helpers/wat'

const IN_PTR = 1024
const OUT_PTR = 16384
const ERR_PTR = 64
const PAGE = 65536

function buildEngine(): Engine {
  const engine = createEngine()
  const module = 'test'
  const errors = KERNEL_ABI_ERRORS
  engine.registerHostFunction(
    invokeAdapter({
      module,
      name: 'echo_',
      request: BytesValueSchema,
      response: BytesValueSchema,
      errors,
      impl: (ctx, req, resp) => {
        ctx.logger.log('debug', `echo ${req.value.length} bytes for ${ctx.serviceName}`)
        resp.value = req.value
        return 0
      },
    }),
  )
  engine.registerHostFunction(
    invokeAdapter({
      module,
      name: 'no_response_',
      request: StringValueSchema,
      errors,
      impl: (_ctx, req) => (req.value === 'fail' ? KernelErr.NotFound : 0),
    }),
  )
  engine.registerHostFunction(
    invokeAdapter({
      module,
      name: 'throws_',
      request: StringValueSchema,
      response: StringValueSchema,
      errors,
      impl: () => {
        throw new Error('the implementation broke')
      },
    }),
  )
  engine.registerHostFunction(
    invokeAdapter({
      module,
      name: 'bad_code_',
      request: StringValueSchema,
      response: StringValueSchema,
      errors,
      impl: () => 300,
    }),
  )
  return engine
}

describe('invoke adapter (host-call ABI)', () => {
  let engine: Engine
  let compiled: CompiledGuest
  let guest: GuestInstance
  let records: ReturnType<typeof createMemoryLogger>['records']

  beforeAll(async () => {
    engine = buildEngine()
    compiled = await engine.compile(await assembleFixture('abi-guest'), 'abi-guest.wat')
  })

  function freshGuest(): GuestInstance {
    const mem = createMemoryLogger('abi-guest')
    records = mem.records
    guest = engine.instantiate(compiled, { serviceName: 'abi-guest', logger: mem.logger })
    return guest
  }

  function putRequest(bytes: Uint8Array, capacity = 0): void {
    expect(guest.memory.write(IN_PTR, bytes)).toBe(true)
    expect(guest.memory.writeI32(ERR_PTR, capacity)).toBe(true)
  }

  function callExport(name: string, ...args: number[]): bigint {
    const outcome = guest.call(name, ...args)
    if (outcome.kind !== 'returned')
      throw new Error(`guest did not return: ${JSON.stringify(outcome)}`)
    return outcome.value as bigint
  }

  const errCode = () => guest.memory.readI32(ERR_PTR)

  it('a good call writes the response and returns (len << 32) | outPtr', () => {
    freshGuest()
    const request = toBinary(
      BytesValueSchema,
      create(BytesValueSchema, { value: new Uint8Array([1, 2, 3]) }),
    )
    putRequest(request)
    const ret = callExport('call_echo', request.length, IN_PTR, OUT_PTR, ERR_PTR)
    expect(errCode()).toBe(0)
    const len = Number(ret >> 32n)
    expect(Number(ret & 0xffffffffn)).toBe(OUT_PTR)
    expect(len).toBe(request.length)
    const response = fromBinary(BytesValueSchema, guest.memory.read(OUT_PTR, len) as Uint8Array)
    expect([...response.value]).toEqual([1, 2, 3])
    expect(records.some((r) => r.message === 'echo 3 bytes for abi-guest')).toBe(true)
  })

  it('a response-less call returns 0 and error 0; a domain error code reaches the guest', () => {
    freshGuest()
    const ok = toBinary(StringValueSchema, create(StringValueSchema, { value: 'fine' }))
    putRequest(ok)
    expect(callExport('call_no_response', ok.length, IN_PTR, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(0)
    const bad = toBinary(StringValueSchema, create(StringValueSchema, { value: 'fail' }))
    putRequest(bad)
    expect(callExport('call_no_response', bad.length, IN_PTR, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.NotFound)
  })

  it('a request pointer outside memory answers GuestReadFailed without calling the implementation', () => {
    freshGuest()
    putRequest(new Uint8Array(0))
    const size = guest.memory.size
    expect(callExport('call_echo', 16, size - 8, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.GuestReadFailed)
    // A pointer that wraps around 2^32 is just as far outside.
    putRequest(new Uint8Array(0))
    expect(callExport('call_echo', 0x7fffffff, 0xfffffff0 | 0, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.GuestReadFailed)
    expect(records.every((r) => !r.message.startsWith('echo'))).toBe(true)
    expect(
      records.some(
        (r) => r.message.includes('test.echo_') && r.message.includes('outside guest memory'),
      ),
    ).toBe(true)
  })

  it('a response larger than the capacity answers DataTooLarge with the required length; a retry succeeds', () => {
    freshGuest()
    const payload = new Uint8Array(5000).map((_, i) => i % 251)
    const request = toBinary(BytesValueSchema, create(BytesValueSchema, { value: payload }))
    putRequest(request)
    // capacity 0 means the reference's 4096 bytes, too small for ~5 KB
    const ret = callExport('call_echo', request.length, IN_PTR, OUT_PTR, ERR_PTR)
    expect(errCode()).toBe(KernelErr.DataTooLarge)
    expect(ret & 0xffffffffn).toBe(0n)
    expect(Number(ret >> 32n)).toBe(request.length)
    // An explicit small capacity is honoured too.
    putRequest(request, 100)
    const ret100 = callExport('call_echo', request.length, IN_PTR, OUT_PTR, ERR_PTR)
    expect(errCode()).toBe(KernelErr.DataTooLarge)
    expect(Number(ret100 >> 32n)).toBe(request.length)
    // The guest-side retry: same call with the capacity the host asked for.
    putRequest(request)
    const retried = callExport(
      'call_echo_retry',
      request.length,
      IN_PTR,
      OUT_PTR,
      ERR_PTR,
      0,
      KernelErr.DataTooLarge,
    )
    expect(errCode()).toBe(0)
    const len = Number(retried >> 32n)
    const decoded = fromBinary(BytesValueSchema, guest.memory.read(OUT_PTR, len) as Uint8Array)
    expect(decoded.value).toEqual(payload)
  })

  it('an undecodable request answers UnmarshalFailed', () => {
    freshGuest()
    // field 1 declared as a 100-byte length-delimited value, but only 2 bytes follow
    const garbage = new Uint8Array([0x0a, 100, 1, 2])
    putRequest(garbage)
    expect(callExport('call_echo', garbage.length, IN_PTR, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.UnmarshalFailed)
    expect(records.some((r) => r.message.includes('not a valid google.protobuf.BytesValue'))).toBe(
      true,
    )
  })

  it('an implementation that throws gives a real error code and a log line naming the function', () => {
    freshGuest()
    const request = toBinary(StringValueSchema, create(StringValueSchema, { value: 'x' }))
    putRequest(request)
    expect(callExport('call_throws', request.length, IN_PTR, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.ExecError)
    const line = records.find((r) => r.level === 'error')
    expect(line?.message).toContain('test.throws_ threw: the implementation broke')
  })

  it('an implementation returning a code outside 0..255 is reported as an internal error', () => {
    freshGuest()
    putRequest(new Uint8Array(0))
    expect(callExport('call_bad_code', 0, IN_PTR, OUT_PTR, ERR_PTR)).toBe(0n)
    expect(errCode()).toBe(KernelErr.ExecError)
    expect(records.some((r) => r.message.includes('returned error code 300'))).toBe(true)
  })

  it('an out buffer outside memory answers GuestWriteFailed', () => {
    freshGuest()
    const request = toBinary(
      BytesValueSchema,
      create(BytesValueSchema, { value: new Uint8Array(10) }),
    )
    putRequest(request)
    const ret = callExport('call_echo', request.length, IN_PTR, guest.memory.size - 4, ERR_PTR)
    expect(ret).toBe(0n)
    expect(errCode()).toBe(KernelErr.GuestWriteFailed)
  })

  it('an error pointer outside memory traps only that guest, with a clear log', () => {
    freshGuest()
    const outcome = guest.call('call_echo', 0, IN_PTR, OUT_PTR, guest.memory.size - 2)
    expect(outcome.kind).toBe('trapped')
    expect(outcome.kind === 'trapped' && outcome.message).toContain('error pointer')
    expect(records.some((r) => r.level === 'error' && r.message.includes('trapped'))).toBe(true)
    // The host and other instances of the same module are unaffected.
    const other = freshGuest()
    putRequest(new Uint8Array(0))
    expect(other.call('call_echo', 0, IN_PTR, OUT_PTR, ERR_PTR).kind).toBe('returned')
    expect(errCode()).toBe(0)
  })

  it('memory grown by the guest is visible to the host (views are re-derived)', () => {
    freshGuest()
    const before = guest.memory.size
    expect(callExport('grow', 1)).toBe(before / PAGE)
    const request = toBinary(
      BytesValueSchema,
      create(BytesValueSchema, { value: new Uint8Array([9]) }),
    )
    putRequest(request)
    const ret = callExport('call_echo', request.length, IN_PTR, before + 16, ERR_PTR)
    expect(errCode()).toBe(0)
    expect(Number(ret & 0xffffffffn)).toBe(before + 16)
  })

  it('a guest trap and stack exhaustion are outcomes, not host exceptions', () => {
    freshGuest()
    const trap = guest.call('trap')
    expect(trap).toMatchObject({ kind: 'trapped' })
    expect(trap.kind === 'trapped' && trap.message).toContain('unreachable')
    const overflow = guest.call('recurse', 0)
    expect(overflow.kind).toBe('trapped')
    expect(guest.call('no_such_export').kind).toBe('trapped')
  })
})
