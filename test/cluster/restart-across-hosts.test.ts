// A service restarted on one host while its dependents run on another (the chain example over
// three hosts, on a real nats-server): the dependents' bindings pointed at the old instance, so
// their host restarts them, as one process restarts a service's dependents, and a shopper
// started afterwards on a third host gets its basket totalled. The same after a stop then a
// start, and after the store's host is killed with SIGKILL and started again (a new instance).
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttachedSession } from '../../src/main/bridge/attached-session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { writeChainGuests } from '../helpers/chain-example'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { sessionUntil } from '../helpers/session-until'

let nats: NatsServer
let file: string
let session: AttachedSession
let warehouse: HostProcess
let front: HostProcess
const others: HostProcess[] = []

const until = (what: string, ready: () => boolean, ms = 30_000) =>
  sessionUntil(session, what, ready, ms, () => JSON.stringify(session.graph().nodes))

/** How many times `source` logged `message` (sources are `<guest>@<host>`). */
const count = (source: string, message: string) =>
  session.logs.tail(5000, (l) => l.source === source && l.message === message).lines.length

const stateOf = (name: string) => session.graph().nodes.find((n) => n.name === name)?.state

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-restart-'))
  nats = await startNatsServer()
  await writeChainGuests(dir)
  file = join(dir, 'deploy.toml')
  await writeFile(
    file,
    `[deployment]\nname = "shop"\nlaunch_timeout_ms = 60000\n\n[cluster]\nnats = "${nats.url}"\n\n` +
      `[services.store]\nwasm = "store.wasm"\nhost = "warehouse"\n\n` +
      `[services.pricer]\nwasm = "pricer.wasm"\nhost = "front"\n\n` +
      `[services.checkout]\nwasm = "checkout.wasm"\nhost = "front"\n\n` +
      `[services.shopper]\nwasm = "shopper.wasm"\nrole = "main"\nhost = "desk"\n`,
  )
  session = await AttachedSession.attach({
    version: 'test',
    roots: await WorkspaceRoots.create([dir]),
    cluster: { nats: nats.url, requireCredentials: false },
    deployment: 'shop',
  })
  warehouse = startHost(file, 'warehouse')
  front = startHost(file, 'front')
  await until('checkout ready on host front', () => count('checkout@front', 'checkout: ready') > 0)
}, 240_000)

afterAll(async () => {
  await Promise.all([warehouse, front, ...others].filter(Boolean).map(stopHost))
  await session?.close()
  await nats?.stop()
})

/** Runs the shopper on host desk: it must total its basket and see durian refused. */
async function shop(): Promise<void> {
  const desk = startHost(file, 'desk')
  others.push(desk)
  const code = await desk.ended
  expect(code, desk.output()).toBe(0)
  expect(desk.output()).toContain('[shopper] shopper: 3 lines cost 350 cents')
}

/** Waits until the store runs again and host front has brought pricer and checkout back. */
async function frontRebound(readyBefore: number): Promise<void> {
  await until('store running again', () => stateOf('store') === 'running')
  await until(
    'checkout ready again on host front',
    () => count('checkout@front', 'checkout: ready') > readyBefore,
  )
  await until('pricer and checkout running', () =>
    ['pricer', 'checkout'].every((n) => stateOf(n) === 'running'),
  )
}

describe('a service restarted on another host than its dependents', () => {
  it('restart of the store: a shopper on a third host afterwards gets its total', async () => {
    await shop()
    const before = count('checkout@front', 'checkout: ready')
    await session.control('restart', 'store')
    await frontRebound(before)
    await shop()
    // Once, with checkout along as pricer's dependent (not a second time on its own).
    expect(front.output().match(/which restarted: restarting/g)).toHaveLength(1)
    expect(front.output()).toMatch(
      /pricer needs store@warehouse, which restarted: restarting pricer, checkout\n/,
    )
  }, 120_000)

  it('stop, then start of the store: the same', async () => {
    const before = count('checkout@front', 'checkout: ready')
    await session.control('stop', 'store')
    await until('store not running', () => stateOf('store') !== 'running')
    await session.control('start', 'store')
    await frontRebound(before)
    await shop()
  }, 120_000)

  it("the store's host killed with SIGKILL and started again (a new instance): the same", async () => {
    const before = count('checkout@front', 'checkout: ready')
    warehouse.child.kill('SIGKILL')
    await warehouse.ended
    await until('store failed', () => stateOf('store') === 'failed')
    warehouse = startHost(file, 'warehouse')
    await frontRebound(before)
    await shop()
  }, 120_000)

  it("the store's host paused past the heartbeat limit, then resumed (the same instance): the same", async () => {
    const before = count('checkout@front', 'checkout: ready')
    const goneBefore = front.output().match(/host warehouse is gone/g)?.length ?? 0
    warehouse.child.kill('SIGSTOP')
    try {
      await until(
        'host front to mark host warehouse gone',
        () => (front.output().match(/host warehouse is gone/g)?.length ?? 0) > goneBefore,
      )
    } finally {
      warehouse.child.kill('SIGCONT')
    }
    await frontRebound(before)
    await shop()
    expect(front.output()).toMatch(/pricer needs store@warehouse, which restarted: restarting/)
  }, 120_000)
})
