import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, wallClockMs } from '../../src/main/engine'
import type { CompiledGuest, Engine } from '../../src/main/engine'
import { assembleFixture } from '../helpers/wat'

describe('WASI preview 1', () => {
  let engine: Engine
  let compiled: CompiledGuest

  beforeAll(async () => {
    engine = createEngine()
    compiled = await engine.compile(await assembleFixture('wasi-guest'), 'wasi-guest.wat')
  })

  function instantiate(args: string[] = [], env: Record<string, string> = {}) {
    const mem = createMemoryLogger('wasi-guest')
    const guest = engine.instantiate(compiled, {
      serviceName: 'wasi-guest',
      args,
      env,
      logger: mem.logger,
    })
    return { guest, records: mem.records }
  }

  it('runs _start: stdout and stderr become log lines, argv/env come from the config, proc_exit gives the code', () => {
    expect(compiled.entry).toBe('command')
    const { guest, records } = instantiate(['--greeting=bonjour'], { PARIGOT_MODE: 'test' })
    const outcome = guest.start()
    expect(outcome).toEqual({ kind: 'exited', code: 7 })
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['info', 'hello from wasi'],
      ['info', '--greeting=bonjour'],
      ['info', 'PARIGOT_MODE=test'],
      // stderr had no newline: flushed as a final line at exit
      ['error', 'to stderr, no newline'],
    ])
    expect(records.every((r) => r.source === 'wasi-guest')).toBe(true)
  })

  it('with no extra args and no env, the guest sees argv = [service name] and an empty environment', () => {
    const { guest, records } = instantiate()
    expect(guest.start()).toEqual({ kind: 'exited', code: 7 })
    expect(records.map((r) => r.message)).toEqual(['hello from wasi', 'to stderr, no newline'])
  })

  it('clock_time_get reads the realtime clock in nanoseconds', () => {
    const { guest } = instantiate()
    const before = BigInt(Date.now()) * 1_000_000n
    const outcome = guest.call('now')
    const after = BigInt(Date.now() + 1) * 1_000_000n
    expect(outcome.kind).toBe('returned')
    const ns = outcome.kind === 'returned' ? (outcome.value as bigint) : -1n
    expect(ns >= before - 5_000_000n && ns <= after).toBe(true)
  })

  it('random_get fills guest memory from a crypto source', () => {
    const { guest } = instantiate()
    expect(guest.call('fill_random')).toEqual({ kind: 'returned', value: 0 })
    const first = guest.memory.read(40000, 32) as Uint8Array
    expect(guest.call('fill_random')).toEqual({ kind: 'returned', value: 0 })
    const second = guest.memory.read(40000, 32) as Uint8Array
    expect(first.some((b) => b !== 0)).toBe(true)
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false)
  })

  it('poll_oneoff with a relative clock subscription sleeps for the timeout', () => {
    const { guest } = instantiate()
    const start = performance.now()
    expect(guest.call('sleep_ms', 30)).toEqual({ kind: 'returned', value: 0 })
    expect(performance.now() - start).toBeGreaterThanOrEqual(25)
    expect(guest.memory.readU32(16600)).toBe(1) // one event
    expect(guest.memory.readU64(16512)).toBe(42n) // its userdata
  })

  it('there are no preopened directories unless granted', () => {
    const { guest } = instantiate()
    expect(guest.call('prestat3')).toEqual({ kind: 'returned', value: 8 }) // EBADF
  })

  it('an iovec pointing outside memory is EFAULT, not a host crash', () => {
    const { guest, records } = instantiate()
    expect(guest.call('bad_write')).toEqual({ kind: 'returned', value: 21 })
    expect(records).toEqual([])
  })
})

describe('the WASI realtime clock', () => {
  it('follows the wall clock when the monotonic clock falls behind it (a paused VM, an NTP step)', () => {
    let wall = 1_000_000.0
    let mono = 50.25
    const now = wallClockMs(
      () => Math.floor(wall),
      () => mono,
    )
    expect(now()).toBe(1_000_000)
    wall += 0.5
    mono += 0.5
    // sub-millisecond steps come from the monotonic clock
    expect(now()).toBe(1_000_000.5)
    // the machine was paused for 40 ms: the wall clock moved, the monotonic clock did not
    wall += 40
    const resumed = now()
    expect(resumed).toBe(Math.floor(wall))
    wall += 0.25
    mono += 0.25
    expect(now() - resumed).toBe(0.25)
  })
})
