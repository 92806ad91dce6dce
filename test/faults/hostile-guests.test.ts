// The hostile-guest suite (issue 17, item 8): guests that misuse every syscall, table-driven.
// Each case is a tiny WAT guest that makes one hostile call and exits with the error word the
// host wrote (or traps); the test checks the typed error, that a log line names the guest and
// the syscall, and, at the end, that the server sharing the deployment kept serving throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileGuest, createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import type { HostEnding } from '../../src/main/kernel/kernel'
import { Supervisor } from '../../src/main/runner/supervisor'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileGuestFixture } from '../helpers/asc'
import { assembleFixture, assembleWat } from '../helpers/wat'

const WITH_RESPONSE = [
  'register_',
  'bind_method_',
  'locate_',
  'dispatch_',
  'read_one_',
  'exit_',
  'synchronous_exit_',
  'block_until_call_',
] as const
const WITHOUT_RESPONSE = ['export_', 'require_', 'launch_', 'return_value_'] as const
const ALL = [...WITH_RESPONSE, ...WITHOUT_RESPONSE]

const PAGE = 65536
const PAGES = 48 // 3 MiB: room for a request over the 1 MiB syscall limit
const ERR = 16
const GARBAGE = 1024 // 11 bytes 0xff: a varint that never ends
const BOMB_DEPTH = 20_000

/** How a case is expected to end: a typed error code in the error word, or a trap. */
type Expect = { code: number } | { trap: RegExp }

interface CallArgs {
  readonly inLen: number
  readonly inPtr: number
  readonly outPtr: number
  /** Default: the error word at ERR, holding `capacity`. */
  readonly errPtr?: number
  readonly capacity?: number
}

interface Case {
  readonly name: string
  readonly syscall: string
  readonly args: CallArgs
  readonly expect: Expect
}

// Requests the bombs point at, present in every guest.
const DATA = `
  (data (i32.const ${GARBAGE}) "\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ff\\ff")
  (data (i32.const 2048) "\\0a\\ff\\ff\\ff\\ff\\07")
  (data (i32.const 65536) "${'\\1b'.repeat(BOMB_DEPTH)}${'\\1c'.repeat(BOMB_DEPTH)}")
  (data (i32.const 131072) "${'\\33'.repeat(BOMB_DEPTH)}${'\\34'.repeat(BOMB_DEPTH)}")`

const call = (syscall: string, a: CallArgs) =>
  `(drop (call $${syscall} (i32.const ${a.inLen | 0}) (i32.const ${a.inPtr | 0}) (i32.const ${a.outPtr | 0}) (i32.const ${(a.errPtr ?? ERR) | 0})))`

/**
 * One guest for many cases of one syscall (starting a worker per case would dominate the run):
 * it makes each call in turn and logs `case <k> <error word>`, then exits 0.
 */
function battery(syscall: string, list: readonly { k: number; args: CallArgs }[]): string {
  const steps = list
    .map(
      ({ k, args }) =>
        `(i32.store (i32.const ${ERR}) (i32.const ${args.capacity ?? 0}))\n    ${call(syscall, args)}\n    (call $report (i32.const ${k}) (i32.load (i32.const ${ERR})))`,
    )
    .join('\n    ')
  return `(module
  (import "parigot" "${syscall}" (func $${syscall} (param i32 i32 i32 i32) (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") ${PAGES})
  ${DATA}
  (data (i32.const 4000) "case ")
  ;; Writes the decimal digits of $v (>= 0) ending before $end; answers where they start.
  (func $digits (param $v i32) (param $end i32) (result i32)
    (loop $d
      (local.set $end (i32.sub (local.get $end) (i32.const 1)))
      (i32.store8 (local.get $end) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (local.get $v)))
    (local.get $end))
  ;; Logs "case <k> <code>" (stdout line).
  (func $report (param $k i32) (param $code i32)
    (local $p i32)
    (i32.store8 (i32.const 4100) (i32.const 10))
    (local.set $p (call $digits (local.get $code) (i32.const 4100)))
    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (call $digits (local.get $k) (local.get $p)))
    ;; "case " in front, then the line from 4000 onward: copy the digits down to 4005.
    (i32.store (i32.const 200) (i32.const 4000))
    (i32.store (i32.const 204) (i32.const 5))
    (i32.store (i32.const 208) (local.get $p))
    (i32.store (i32.const 212) (i32.sub (i32.const 4101) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 200) (i32.const 2) (i32.const 220))))
  (func (export "_start")
    ${steps}
    (call $exit (i32.const 0))))`
}

/** A guest whose one call traps it (the error word itself is out of reach). */
function single(syscall: string, args: CallArgs): string {
  return `(module
  (import "parigot" "${syscall}" (func $${syscall} (param i32 i32 i32 i32) (result i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") ${PAGES})
  (func (export "_start")
    ${call(syscall, args)}
    (call $exit (i32.const 99))))`
}

const OUT = 8192
const cases: Case[] = []
const add = (syscall: string, name: string, args: CallArgs, expect: Expect) =>
  cases.push({ name: `${syscall}: ${name}`, syscall, args, expect })
for (const s of ALL) {
  const read = { code: KernelErr.GuestReadFailed }
  add(s, 'request outside memory', { inLen: 16, inPtr: 0xffff0000, outPtr: OUT }, read)
  add(s, 'request range wraps past 2^32', { inLen: 0x20, inPtr: 0xfffffff0, outPtr: OUT }, read)
  add(s, 'request over the 1 MiB syscall limit', { inLen: 2 << 20, inPtr: 0, outPtr: OUT }, read)
  add(
    s,
    'undecodable request',
    { inLen: 11, inPtr: GARBAGE, outPtr: OUT },
    {
      code: KernelErr.UnmarshalFailed,
    },
  )
  add(
    s,
    'error word outside memory',
    { inLen: 0, inPtr: 0, outPtr: OUT, errPtr: PAGES * PAGE - 2 },
    {
      trap: /error pointer \d+ is outside guest memory/,
    },
  )
}
for (const s of WITH_RESPONSE) {
  const write = { code: KernelErr.GuestWriteFailed }
  add(s, 'out buffer outside memory', { inLen: 0, inPtr: 0, outPtr: 0xfff00000 }, write)
  add(
    s,
    'out buffer overlapping the error word',
    { inLen: 0, inPtr: 0, outPtr: ERR - 8, capacity: 64 },
    write,
  )
  add(
    s,
    'capacity past the end of memory',
    { inLen: 0, inPtr: 0, outPtr: OUT, capacity: 0x7fffffff },
    write,
  )
}
// An empty request is a valid message with every field default: each syscall answers its own
// typed error (read_one_: a timeout, which is no error). block_until_call_ would wait for ever.
const EMPTY: Record<string, number> = {
  register_: KernelErr.BadId,
  export_: KernelErr.BadId,
  require_: KernelErr.BadId,
  bind_method_: KernelErr.BadId,
  launch_: KernelErr.BadId,
  locate_: KernelErr.NotRequired,
  dispatch_: KernelErr.BadId,
  return_value_: KernelErr.BadId,
  read_one_: KernelErr.NoError,
  exit_: KernelErr.BadId,
  synchronous_exit_: KernelErr.BadId,
}
for (const [s, code] of Object.entries(EMPTY)) {
  add(s, 'empty request (all fields default)', { inLen: 0, inPtr: 0, outPtr: OUT }, { code })
}
// Protobuf bombs: a length prefix of 2 GiB, and groups nested 20,000 deep.
const unmarshal = { code: KernelErr.UnmarshalFailed }
add('register_', 'huge length prefix', { inLen: 6, inPtr: 2048, outPtr: OUT }, unmarshal)
add(
  'register_',
  'groups nested 20,000 deep',
  { inLen: BOMB_DEPTH * 2, inPtr: 65536, outPtr: OUT },
  unmarshal,
)
add(
  'dispatch_',
  'groups nested 20,000 deep',
  { inLen: BOMB_DEPTH * 2, inPtr: 131072, outPtr: OUT },
  unmarshal,
)

let engine: ReturnType<typeof createEngine>
let supervisor: Supervisor
const logs: LogRecord[] = []
const events: KernelEvent[] = []
let serverEnded: HostEnding | undefined

beforeAll(async () => {
  engine = createEngine()
  const server = await engine.compile(await compileGuestFixture('test-server'), 'test-server.wasm')
  supervisor = new Supervisor({ logSink: (r) => logs.push(r), onEvent: (e) => events.push(e) })
  const handle = await supervisor.start({ name: 'echo', compiled: server })
  void handle.ended.then((e) => (serverEnded = e))
}, 120_000)

afterAll(async () => {
  await supervisor.stopAll(1000)
  supervisor.close()
})

async function runGuest(
  name: string,
  compiled: CompiledGuest,
  args: string[] = [],
): Promise<HostEnding> {
  const handle = await supervisor.start({ name, compiled, args })
  return handle.ended
}

function linesAbout(guest: string): string[] {
  return logs
    .filter((r) => r.source === guest || r.message.includes(guest))
    .map((r) => `[${r.source}] ${r.message}`)
}

/** What each case got: the error word its battery logged, or how its own guest ended. */
const outcomes = new Map<number, { guest: string; code?: number; ending?: HostEnding }>()

/** Runs every battery and every trapping case (in parallel: worker start-up dominates). */
async function runAll(): Promise<void> {
  const bySyscall = new Map<string, { k: number; args: CallArgs }[]>()
  const runs: Promise<void>[] = []
  cases.forEach((c, k) => {
    if ('trap' in c.expect) {
      const guest = `trap-${c.syscall}`
      runs.push(
        assembleWat(single(c.syscall, c.args), `${guest}.wat`)
          .then((bytes) => engine.compile(bytes, `${guest}.wat`))
          .then((compiled) => runGuest(guest, compiled))
          .then((ending) => void outcomes.set(k, { guest, ending })),
      )
    } else {
      bySyscall.set(c.syscall, [...(bySyscall.get(c.syscall) ?? []), { k, args: c.args }])
    }
  })
  for (const [syscall, list] of bySyscall) {
    const guest = `battery-${syscall}`
    runs.push(
      assembleWat(battery(syscall, list), `${guest}.wat`)
        .then((bytes) => engine.compile(bytes, `${guest}.wat`))
        .then((compiled) => runGuest(guest, compiled))
        .then((ending) => {
          expect(ending, linesAbout(guest).join('\n')).toEqual({ kind: 'exited', code: 0 })
          for (const r of logs.filter((l) => l.source === guest)) {
            const m = /^case (\d+) (\d+)$/.exec(r.message)
            if (m) outcomes.set(Number(m[1]), { guest, code: Number(m[2]) })
          }
        }),
    )
  }
  await Promise.all(runs)
}

describe(`hostile guests (${cases.length} syscall cases and more), the echo server sharing their deployment`, () => {
  it('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50)
  })

  it('runs every case', async () => {
    await runAll()
    expect(outcomes.size).toBe(cases.length)
  }, 120_000)

  it.each(cases.map((c, i) => [c.name, i] as const))('%s', (_name, index) => {
    const c = cases[index] as Case
    const got = outcomes.get(index)
    if (got === undefined) throw new Error('the case did not run')
    const about = linesAbout(got.guest)
    if ('code' in c.expect) {
      expect(got.code, about.join('\n')).toBe(c.expect.code)
      // A refusal is logged naming the guest (log source or text) and the syscall.
      if (c.expect.code !== 0) expect(about.some((l) => l.includes(c.syscall))).toBe(true)
    } else {
      expect(got.ending?.kind).toBe('failed')
      expect(got.ending?.kind === 'failed' ? got.ending.reason : '').toMatch(c.expect.trap)
      expect(about.join('\n')).toContain(`parigot.${c.syscall}`)
    }
    expect(serverEnded).toBeUndefined()
  })

  it('deep recursion ends only that guest, as a failure naming the stack', async () => {
    const compiled = await engine.compile(
      await assembleWat(
        '(module (memory (export "memory") 1) (func $r (param i32) (result i32) (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.const 1))) (func (export "_start") (drop (call $r (i32.const 0)))))',
      ),
      'recursion.wat',
    )
    const ending = await runGuest('recursion', compiled)
    expect(ending.kind).toBe('failed')
    expect(ending.kind === 'failed' ? ending.reason : '').toMatch(/call stack/i)
  })

  it('a huge allocation is stopped at the memory limit, named', async () => {
    const hog = await compileGuest(
      await assembleFixture('memory-hog'),
      'memory-hog.wat',
      undefined,
      16,
    )
    const handle = await supervisor.start({ name: 'hog', compiled: hog, memoryLimitMb: 16 })
    const ending = await handle.ended
    expect(ending.kind === 'failed' ? ending.reason : '').toMatch(/memory_limit_mb: 15 of 16 MiB/)
  })

  it('a trap inside a handler fails that server and its caller at once; nobody else', async () => {
    const server = await engine.compile(await compileGuestFixture('test-server'), 'server.wasm')
    const victim = await supervisor.start({
      name: 'victim',
      compiled: server,
      args: ['test.v1', 'victim'],
    })
    const ending = await runGuest(
      'trap-caller',
      await engine.compile(await compileGuestFixture('test-client'), 'client.wasm'),
      ['caller', 'test.v1.victim', 'trap'],
    )
    expect(ending).toEqual({ kind: 'exited', code: 0 }) // its prediction: an error
    expect(logs.map((r) => r.message)).toContain(
      `result trap -> error 1 kernel ${KernelErr.ServiceFailed}`,
    )
    expect((await victim.ended).kind).toBe('failed')
  }, 30_000)

  it('a callee that exits during a call fails the waiting caller at once', async () => {
    const server = await engine.compile(await compileGuestFixture('test-server'), 'server.wasm')
    await supervisor.start({ name: 'sleeper', compiled: server, args: ['test.v1', 'sleeper'] })
    const client = await engine.compile(await compileGuestFixture('test-client'), 'client.wasm')
    const before = events.length
    const caller = await supervisor.start({
      name: 'patient',
      compiled: client,
      args: ['patient', 'test.v1.sleeper', 'sleep:20000'],
    })
    while (!events.slice(before).some((e) => e.type === 'call-started' && e.method === 'Echo')) {
      await new Promise((r) => setTimeout(r, 10))
    }
    const stopped = Date.now()
    await supervisor.kill('sleeper', 'stopped by the test mid-call')
    // 3: the client expected the sleep to succeed (test-client.ts); what matters is how fast.
    expect(await caller.ended).toEqual({ kind: 'exited', code: 3 })
    expect(Date.now() - stopped).toBeLessThan(2000)
    expect(logs.map((r) => r.message)).toContain(
      `result sleep:20000 -> error 1 kernel ${KernelErr.ServiceFailed}`,
    )
  }, 30_000)

  it('thousands of pending calls: each answered or refused with a typed error, none lost', async () => {
    const client = await engine.compile(await compileGuestFixture('test-client'), 'client.wasm')
    await runGuest('flood', client, ['flood', 'test.v1.echo', 'burst:3000:x'])
    const line = logs.map((r) => r.message).find((m) => m.startsWith('burst 3000 '))
    const m = /^burst 3000 ok=(\d+) failed=(\d+)$/.exec(line ?? '')
    expect(m, line).not.toBeNull()
    expect(Number(m?.[1]) + Number(m?.[2])).toBe(3000)
    expect(Number(m?.[1])).toBeGreaterThan(0)
    expect(serverEnded).toBeUndefined()
  }, 60_000)

  it('after all of them the echo server still answers', async () => {
    const client = await engine.compile(
      await compileGuestFixture('test-client'),
      'test-client.wasm',
    )
    const handle = await supervisor.start({
      name: 'survivor-check',
      compiled: client,
      args: ['check', 'test.v1.echo', 'echo:alive'],
    })
    expect(await handle.ended).toEqual({ kind: 'exited', code: 0 })
    expect(logs.map((r) => r.message)).toContain('result echo:alive -> ok echo:alive')
    expect(serverEnded).toBeUndefined()
  }, 30_000)
})
