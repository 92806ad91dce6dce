// Guests sharing one worker thread (Supervisor.startGroup, deploy config `worker = "NAME"`):
// the chain example's four guests, built from source, in one worker give the same answers as in
// four; a trap in one fails only that one (its caller gets ServiceFailed); one co-located service
// stops and starts again while the others keep serving.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { GuestSpec } from '../../src/main/runner/supervisor'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileAssemblyScript, compileGuestFixture, GUEST_ASC_OPTIONS } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'

const guests: Record<string, CompiledGuest> = {}
const wasm: Record<string, Uint8Array> = {}

beforeAll(async () => {
  const engine = createEngine()
  for (const name of ['store', 'pricer', 'checkout', 'main']) {
    wasm[name] = await compileAssemblyScript(`examples/chain/guest/${name}.ts`)
    guests[name] = await engine.compile(wasm[name], `${name}.wasm`)
  }
  const hello = await compileAssemblyScript('examples/helloworld/guest/main.ts')
  guests['hello'] = await engine.compile(hello, 'hello.wasm')
  guests['test-server'] = await engine.compile(
    await compileGuestFixture('test-server'),
    'test-server.wasm',
  )
  guests['test-client'] = await engine.compile(
    await compileGuestFixture('test-client'),
    'test-client.wasm',
  )
  guests['faulty'] = await engine.compile(
    await compileGuestFixture('faulty-greeter'),
    'faulty.wasm',
  )
}, 180_000)

let current: Supervisor | undefined
afterEach(async () => {
  await current?.stopAll(1000)
  await current?.close()
  current = undefined
})

function deployment() {
  const logs: LogRecord[] = []
  const events: KernelEvent[] = []
  const supervisor = new Supervisor({
    logSink: (r) => logs.push(r),
    onEvent: (e) => events.push(e),
  })
  current = supervisor
  const lines = (source: string) => logs.filter((r) => r.source === source).map((r) => r.message)
  const all = () => logs.map((r) => `${r.source}: ${r.message}`).join('\n')
  return { supervisor, logs, events, lines, all }
}

const spec = (name: string, module: string, program = false, args?: string[]): GuestSpec => ({
  name,
  compiled: guests[module]!,
  program,
  ...(args ? { args } : {}),
})

const SHOPPER_LINES = [
  'shopper: 3 lines cost 350 cents',
  'shopper: durian refused with UnknownItem, as expected',
]

describe('guests sharing one worker', () => {
  it('the chain example in one worker: the same answers as in four, every call booked by the kernel', async () => {
    const d = deployment()
    const handles = await d.supervisor.startGroup([
      spec('store', 'store'),
      spec('pricer', 'pricer'),
      spec('checkout', 'checkout'),
      spec('shopper', 'main', true),
    ])
    const shopper = handles.find((h) => h.name === 'shopper')!
    expect(await shopper.ended).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('shopper')).toEqual(SHOPPER_LINES)
    expect(d.lines('pricer')).toContain('pricer: the store has no durian (error 4)')
    expect(d.lines('checkout')).toEqual(['checkout: ready'])
    // The kernel learnt of every call (from the notices), and each one finished.
    d.supervisor.kernel.tick()
    const started = d.events.filter((e) => e.type === 'call-started').length
    const finished = d.events.filter((e) => e.type === 'call-finished').length
    expect(started).toBeGreaterThanOrEqual(8)
    expect(finished).toBe(started)
    // The others keep serving until asked to stop, then leave their loop and exit 0.
    expect(await d.supervisor.stop('checkout')).toEqual({ kind: 'exited', code: 0 })
    expect(await d.supervisor.stop('store')).toEqual({ kind: 'exited', code: 0 })
  }, 60_000)

  it('a co-located service stops and starts again (in a worker of its own) while the others serve', async () => {
    const d = deployment()
    await d.supervisor.startGroup([
      spec('store', 'store'),
      spec('pricer', 'pricer'),
      spec('checkout', 'checkout'),
    ])
    // Restarting a service restarts what depends on it too (as watch mode does); checkout is
    // the last of the chain here, so it restarts alone and calls back into the shared worker.
    expect(await d.supervisor.stop('checkout')).toEqual({ kind: 'exited', code: 0 })
    await d.supervisor.start(spec('checkout', 'checkout'))
    const shopper = await d.supervisor.start(spec('shopper', 'main', true))
    expect(await shopper.ended).toEqual({ kind: 'exited', code: 0 })
    expect(d.lines('shopper')).toEqual(SHOPPER_LINES)
    expect(d.lines('checkout')).toEqual(['checkout: ready', 'checkout: ready'])
    expect(d.lines('pricer')).toContain('pricer: the store has no durian (error 4)')
  }, 60_000)

  it('a trap in one guest fails only that guest: its caller in the same worker gets ServiceFailed, the third keeps serving', async () => {
    const d = deployment()
    const [greet, store, hello] = await d.supervisor.startGroup([
      spec('greet', 'faulty', false, ['trap-on-call']),
      spec('store', 'store'),
      spec('helloworld', 'hello', true, ['english']),
    ])
    expect(await hello!.ended).toEqual({ kind: 'exited', code: 1 })
    expect(d.lines('helloworld')).toContain('failed to fetch greeting: error 1')
    expect(await greet!.ended).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/unreachable/),
    })
    const finished = d.events.find((e) => e.type === 'call-finished')
    expect(finished).toMatchObject({ kernelError: KernelErr.ServiceFailed })
    const failed = d.events.filter((e) => e.type === 'service-state' && e.state === 'failed')
    expect(failed.map((e) => e.type === 'service-state' && e.name)).toEqual([
      'greeting.v1.greeting',
    ])
    // The store, in the same thread, still serves and stops normally.
    expect(await d.supervisor.stop(store!.name)).toEqual({ kind: 'exited', code: 0 })
  }, 60_000)

  it('parigot run: the chain example with `worker = "shop"` on every service prints what it prints in four workers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-colocated-'))
    const lines = ['[deployment]', 'name = "chain"']
    for (const [service, module, role] of [
      ['store', 'store', 'server'],
      ['pricer', 'pricer', 'server'],
      ['checkout', 'checkout', 'server'],
      ['shopper', 'main', 'main'],
    ] as const) {
      await writeFile(join(dir, `${module}.wasm`), wasm[module]!)
      lines.push(
        `[services.${service}]`,
        `wasm = "${module}.wasm"`,
        `role = "${role}"`,
        'worker = "shop"',
      )
    }
    await writeFile(join(dir, 'deploy.toml'), lines.join('\n') + '\n')
    const run = await runParigot(['run', join(dir, 'deploy.toml')])
    expect(run.stderr).toBe('')
    const of = (service: string) =>
      run.stdout
        .split('\n')
        .filter((l) => l.startsWith(`[${service}] `))
        .map((l) => l.slice(service.length + 3))
    expect(of('shopper')).toEqual(SHOPPER_LINES)
    expect(of('store')).toEqual(['store: open'])
    expect(of('checkout')).toEqual(['checkout: ready'])
    expect(of('pricer')).toContain('pricer: the store has no durian (error 4)')
    expect(run.code).toBe(0)
  }, 120_000)

  it('two guests that each loop on read_one_ themselves cannot share a worker: the second fails, saying why', async () => {
    const d = deployment()
    const [server, client] = await d.supervisor.startGroup([
      spec('echo', 'test-server'),
      spec('client', 'test-client', true, ['client', 'test.v1.echo', 'echo:x']),
    ])
    expect(await client!.ended).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining(
        "client waits in read_one_ outside the SDK's event loop while another guest of its worker does too",
      ),
    })
    expect(await d.supervisor.stop(server!.name)).toEqual({ kind: 'exited', code: 0 })
  }, 60_000)

  it('a module built without --exportTable is refused in a shared worker, named, and its worker-mates with it', async () => {
    const d = deployment()
    const options = GUEST_ASC_OPTIONS.filter((o) => o !== '--exportTable')
    const noTable = await createEngine().compile(
      await compileAssemblyScript('examples/chain/guest/store.ts', options),
      'store-without-table.wasm',
    )
    await expect(
      d.supervisor.startGroup([{ name: 'store', compiled: noTable }, spec('pricer', 'pricer')]),
    ).rejects.toThrow(
      /store-without-table\.wasm exports no function table, so it cannot share a worker: build it with --exportTable/,
    )
    expect(await d.supervisor.guest('pricer')!.ended).toMatchObject({ kind: 'failed' })
  }, 60_000)
})
