import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import type { KernelLimits } from '../../src/main/kernel/limits'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileGuestFixture } from '../helpers/asc'

let server: CompiledGuest
let client: CompiledGuest

beforeAll(async () => {
  const engine = createEngine()
  server = await engine.compile(await compileGuestFixture('test-server'), 'test-server.wasm')
  client = await engine.compile(await compileGuestFixture('test-client'), 'test-client.wasm')
}, 120_000)

/** A supervisor whose log and events the test can read. */
function deployment(
  limits: Partial<KernelLimits> = {},
  unresponsiveMs?: number,
  directCalls = true,
) {
  const logs: LogRecord[] = []
  const events: KernelEvent[] = []
  const supervisor = new Supervisor({
    logSink: (r) => logs.push(r),
    onEvent: (e) => events.push(e),
    limits,
    directCalls,
    ...(unresponsiveMs === undefined ? {} : { unresponsiveMs }),
  })
  const lines = (source: string) => logs.filter((r) => r.source === source).map((r) => r.message)
  const waitForLine = async (source: string, text: string, timeoutMs = 10_000) => {
    const start = Date.now()
    while (!lines(source).includes(text)) {
      if (Date.now() - start > timeoutMs) {
        throw new Error(
          `no line "${text}" from ${source} within ${timeoutMs} ms; got:\n${logs.map((r) => `${r.source}: ${r.message}`).join('\n')}`,
        )
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  /** Starts a test-client guest and waits for it to end. */
  const runClient = async (name: string, args: string[]) =>
    (await supervisor.start({ name, compiled: client, args })).ended
  current = supervisor
  return { supervisor, logs, events, lines, waitForLine, runClient }
}

let current: Supervisor | undefined
afterEach(async () => {
  await current?.stopAll(1000)
  await current?.close()
  current = undefined
})

// Both call paths, the same expectations: worker to worker over the switchboard (the default),
// and every syscall through the kernel's thread (directCalls: false).
describe.each([
  { path: 'worker to worker', directCalls: true },
  { path: 'every syscall through the kernel', directCalls: false },
])('guests in workers calling each other ($path)', ({ directCalls }) => {
  const deploymentFor = (limits: Partial<KernelLimits> = {}, unresponsiveMs?: number) =>
    deployment(limits, unresponsiveMs, directCalls)

  it("a client guest calls a server guest; results and remote errors come back; exit code is the client's", async () => {
    const d = deploymentFor()
    await d.supervisor.start({ name: 'echo', compiled: server })
    expect(
      await d.runClient('client', [
        'client',
        'test.v1.echo',
        'echo:hello',
        'error:7',
        'echo:again',
      ]),
    ).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('client')).toEqual(
      expect.arrayContaining([
        'result echo:hello -> ok echo:hello',
        'result error:7 -> error 7 kernel 0',
        'result echo:again -> ok echo:again',
      ]),
    )
    await d.waitForLine('echo', 'echo: running')
    const finished = d.events.filter((e) => e.type === 'call-finished')
    expect(finished).toHaveLength(3)
    expect(finished.map((e) => e.type === 'call-finished' && e.resultError)).toEqual([0, 7, 0])
    // The server keeps serving until asked to stop, then leaves its loop and exits 0.
    expect(await d.supervisor.stop('echo')).toEqual({ kind: 'exited', code: 0 })
  })

  it('a callee that traps mid-call fails its caller promptly and is marked failed', async () => {
    const d = deploymentFor()
    await d.supervisor.start({ name: 'echo', compiled: server })
    const started = Date.now()
    expect(await d.runClient('client', ['client', 'test.v1.echo', 'trap'])).toEqual({
      kind: 'exited',
      code: 0,
    })
    expect(Date.now() - started).toBeLessThan(2500) // well before the 3 s call timeout
    expect(d.lines('client')).toContain(`result trap -> error 1 kernel ${KernelErr.ServiceFailed}`)
    const failed = d.events.find((e) => e.type === 'service-state' && e.state === 'failed')
    expect(failed).toMatchObject({ name: 'test.v1.echo' })
    expect(failed?.type === 'service-state' && failed.reason).toMatch(/unreachable/)
    expect(await d.supervisor.guest('echo')?.ended).toMatchObject({ kind: 'failed' })
  })

  it('an infinite-loop guest is killed by the watchdog while another guest keeps serving', async () => {
    const d = deploymentFor({ callTimeoutMs: 400 }, 600)
    await d.supervisor.start({ name: 'spinner', compiled: server, args: ['test.v1', 'spin'] })
    await d.supervisor.start({ name: 'echo', compiled: server })
    expect(await d.runClient('spin-client', ['spin_client', 'test.v1.spin', 'spin'])).toEqual({
      kind: 'exited',
      code: 0,
    })
    expect(d.lines('spin-client')).toContain(
      `result spin -> error 1 kernel ${KernelErr.CallTimeout}`,
    )
    const spinnerEnd = await d.supervisor.guest('spinner')!.ended
    expect(spinnerEnd.kind).toBe('failed')
    expect(spinnerEnd.kind === 'failed' && spinnerEnd.reason).toMatch(
      /unresponsive: no host call for \d+ ms while serving test\.v1\.spin\.Echo/,
    )
    expect(
      await d.runClient('echo-client', ['echo_client', 'test.v1.echo', 'echo:still-here']),
    ).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('echo-client')).toContain('result echo:still-here -> ok echo:still-here')
  })

  it('1,000 calls queued at once are all answered by their own results, none lost', async () => {
    const d = deploymentFor()
    await d.supervisor.start({ name: 'echo', compiled: server })
    expect(await d.runClient('client', ['client', 'test.v1.echo', 'burst:1000:x'])).toEqual({
      kind: 'exited',
      code: 0,
    })
    expect(d.lines('client')).toContain('burst 1000 ok=1000 failed=0')
  })

  it('a missing exporter fails the launch with RunTimeout after the launch timeout', async () => {
    const d = deploymentFor({ launchTimeoutMs: 300 })
    expect(await d.runClient('client', ['client', 'test.v1.nobody', 'echo:x'])).toEqual({
      kind: 'exited',
      code: 4,
    })
    expect(d.lines('client')).toContain(
      `launch failed ${KernelErr.RunTimeout} kernel ${KernelErr.RunTimeout}`,
    )
    expect(d.lines('kernel').join('\n')).toContain(
      'unmet: test.v1.nobody (nobody exports test.v1.nobody)',
    )
  })

  it('messages larger than the 4096-byte default buffer arrive whole (DataTooLarge, then a retry)', async () => {
    const d = deploymentFor()
    await d.supervisor.start({ name: 'echo', compiled: server })
    const big = `echo:${'x'.repeat(6000)}`
    expect(await d.runClient('client', ['client', 'test.v1.echo', big])).toEqual({
      kind: 'exited',
      code: 0,
    })
    expect(d.lines('client')).toContain(`result ${big} -> ok ${big}`)
  })

  it('exit codes are clamped to 0..192', async () => {
    const d = deploymentFor()
    await d.supervisor.start({ name: 'echo', compiled: server })
    expect(await d.runClient('client', ['client', 'test.v1.echo', 'echo:a', 'exit:250'])).toEqual({
      kind: 'exited',
      code: 192,
    })
  })
})

describe('plugins in guest workers', () => {
  it('a third-party plugin loaded by path in the worker serves its guest', async () => {
    const { assembleFixture, fixturePath } = await import('../helpers/wat')
    const engine = createEngine()
    const greeter = await engine.compile(
      await assembleFixture('greeter-guest'),
      'greeter-guest.wat',
    )
    const d = deployment()
    const guest = await d.supervisor.start({
      name: 'greeter-guest',
      compiled: greeter,
      plugins: [
        {
          name: 'greeter',
          path: fixturePath('plugins/greeter-plugin.mjs'),
          symbol: 'GreeterPlugin',
        },
      ],
    })
    expect(await guest.ended).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('greeter-guest')).toContain('hello, world (from greeter-guest)')
  })

  it('a plugin that cannot load makes start fail with a message naming it', async () => {
    const { assembleFixture, fixturePath } = await import('../helpers/wat')
    const engine = createEngine()
    const greeter = await engine.compile(
      await assembleFixture('greeter-guest'),
      'greeter-guest.wat',
    )
    const d = deployment()
    await expect(
      d.supervisor.start({
        name: 'greeter-guest',
        compiled: greeter,
        plugins: [
          { name: 'greeter', path: fixturePath('plugins/greeter-plugin.mjs'), symbol: 'Nope' },
        ],
      }),
    ).rejects.toThrow(/has no export named "Nope"/)
    await expect(
      d.supervisor.start({
        name: 'other',
        compiled: greeter,
        plugins: [{ name: 'magic', builtin: 'magic' }],
      }),
    ).rejects.toThrow(/no built-in plugin "magic"/)
  })
})

describe('stopping a deployment', () => {
  it('stops every guest at any moment: a waiting server leaves its loop, a spinning one is terminated', async () => {
    const d = deployment({ callTimeoutMs: 10_000 }, 60_000)
    await d.supervisor.start({ name: 'echo', compiled: server })
    await d.supervisor.start({ name: 'spinner', compiled: server, args: ['test.v1', 'spin'] })
    await d.supervisor.start({
      name: 'spin-client',
      compiled: client,
      args: ['spin_client', 'test.v1.spin', 'spin'],
    })
    await d.waitForLine('spin-client', 'spin_client: running')
    await new Promise((r) => setTimeout(r, 100)) // the spinner is now inside its loop
    const started = Date.now()
    await d.supervisor.stopAll(500)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(await d.supervisor.guest('echo')!.ended).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('echo')).toContain('echo: exiting')
    expect(await d.supervisor.guest('spinner')!.ended).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('host').join('\n')).toContain(
      'spinner did not stop within 500 ms; terminating it',
    )
    expect(await d.supervisor.guest('spin-client')!.ended).toMatchObject({ kind: 'exited' })
  })
})
