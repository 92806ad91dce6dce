// The Studio attached to a deployment running on two hosts (`parigot serve --cluster`), at the
// bridge: an AttachedSession over a real nats-server watches two `parigot run --host` processes,
// and the bridge answers with every host's services (grouped by host), host up/down, and every
// host's log lines. Untrusted messages on the deployment's subjects are refused and counted.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttachedSession } from '../../src/main/bridge/attached-session'
import { BridgeServer } from '../../src/main/bridge/bridge-server'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import type { ServiceGraph } from '../../src/shared/bridge/contract'
import { writeChainGuests } from '../helpers/chain-example'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { sessionUntil } from '../helpers/session-until'

let nats: NatsServer
let dir: string
let session: AttachedSession
const hosts: HostProcess[] = []

/** Resolves when `ready()` holds, checked at every session event (rejects after `ms`). */
const until = (what: string, ready: () => boolean, ms = 20_000): Promise<void> =>
  sessionUntil(session, what, ready, ms, () => `graph ${JSON.stringify(session.graph())}`)

const hostOf = (graph: ServiceGraph, name: string) => graph.hosts?.find((h) => h.name === name)

beforeAll(async () => {
  ;[nats, dir] = await Promise.all([startNatsServer(), mkdtemp(join(tmpdir(), 'parigot-attach-'))])
  await writeChainGuests(dir, ['store', 'pricer', 'checkout'])
  const file = join(dir, 'deploy.toml')
  await writeFile(
    file,
    `[deployment]\nname = "shop"\nlaunch_timeout_ms = 60000\n\n[cluster]\nnats = "${nats.url}"\n\n` +
      `[services.store]\nwasm = "store.wasm"\nhost = "a"\n\n` +
      `[services.pricer]\nwasm = "pricer.wasm"\nhost = "b"\n\n` +
      `[services.checkout]\nwasm = "checkout.wasm"\nhost = "b"\n`,
  )
  session = await AttachedSession.attach({
    version: 'test',
    roots: await WorkspaceRoots.create([dir]),
    cluster: { nats: nats.url, requireCredentials: false },
    deployment: 'shop',
  })
  hosts.push(startHost(file, 'a'), startHost(file, 'b'))
}, 240_000)

afterAll(async () => {
  await Promise.all(hosts.map(stopHost))
  await session?.close()
  await nats?.stop()
})

describe('the Studio attached to a deployment on two hosts', () => {
  it("shows both hosts' services, grouped by host, and both hosts' log lines", async () => {
    await until('three services running on hosts a and b, both up', () => {
      const g = session.graph()
      return (
        g.nodes.filter((n) => n.state === 'running').length === 3 &&
        hostOf(g, 'a')?.up === true &&
        hostOf(g, 'b')?.up === true
      )
    })
    const graph = session.graph()
    expect(graph.nodes.map((n) => [n.name, n.clusterHost]).sort()).toEqual([
      ['checkout', 'b'],
      ['pricer', 'b'],
      ['store', 'a'],
    ])
    // The require edges cross hosts: pricer (b) requires what store (a) exports.
    expect(graph.edges).toContainEqual(expect.objectContaining({ from: 'pricer', to: 'store' }))
    await until('log lines of both hosts', () => {
      const sources = new Set(session.logs.tail(1000, () => true).lines.map((l) => l.source))
      return sources.has('store@a') && sources.has('checkout@b')
    })
    const lines = session.logs.tail(1000, () => true).lines
    expect(lines.find((l) => l.source === 'store@a')?.message).toBe('store: open')
    // A Studio attaching now reads back what the hosts logged before it came.
    const late = await AttachedSession.attach({
      version: 'test',
      roots: await WorkspaceRoots.create([dir]),
      cluster: { nats: nats.url, requireCredentials: false },
      deployment: 'shop',
    })
    try {
      const early = late.logs.tail(1000, () => true).lines
      expect(early.find((l) => l.source === 'store@a')?.message).toBe('store: open')
      expect(early.some((l) => l.source === 'checkout@b')).toBe(true)
    } finally {
      await late.close()
    }
    expect(session.status()).toMatchObject({
      state: 'running',
      attached: { deployment: 'shop' },
      message: expect.stringContaining('2 of 2 host(s) up'),
    })

    // Over the bridge, as the renderer asks.
    const bridge = new BridgeServer(session)
    const answer = await bridge.dispatch(
      { kind: 'request', id: 1, method: 'graph.get', params: {} },
      { subscribeLogs: () => undefined },
    )
    expect(answer).toMatchObject({ ok: true, result: { hosts: [{ name: 'a' }, { name: 'b' }] } })
    const refused = await bridge.dispatch(
      { kind: 'request', id: 2, method: 'deployment.stop', params: {} },
      { subscribeLogs: () => undefined },
    )
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } })
    bridge.close()
  }, 120_000)

  it('refuses and counts bad batches on the log and event subjects, and keeps going', async () => {
    const nc = await connect({ servers: nats.url })
    const before = session.counters().rejected
    nc.publish('parigot.shop.log.a', 'not json')
    nc.publish('parigot.shop.log.a', new Uint8Array(300 * 1024))
    nc.publish(
      'parigot.shop.log.b',
      JSON.stringify({
        instance: 'x',
        dropped: 0,
        items: [
          { timeMs: 1, level: 'loud', source: 's', message: 'bad level' },
          { timeMs: 1, level: 'info', source: 'forged', message: 'a valid line' },
        ],
      }),
    )
    nc.publish('parigot.shop.ev.a', JSON.stringify({ instance: 'x', dropped: 0, items: [{}] }))
    await nc.flush()
    await until('four refusals counted', () => session.counters().rejected >= before + 4)
    expect(session.counters().rejected).toBe(before + 4)
    // The valid line of the mixed batch got through, the bad one did not.
    const messages = session.logs.tail(5000, () => true).lines.map((l) => l.message)
    expect(messages).toContain('a valid line')
    expect(messages).not.toContain('bad level')
    expect(messages.some((m) => m.includes('not JSON'))).toBe(true)
    await nc.close()
  }, 60_000)

  it('stops, starts and restarts a service on the host that runs it', async () => {
    const stateOf = (name: string) => session.graph().nodes.find((n) => n.name === name)?.state
    await session.control('stop', 'store')
    // The host answers once its guest has stopped; the registry then says so.
    await until('store not running', () => stateOf('store') !== 'running')
    expect(hosts[0]?.output()).toMatch(/stop of store asked by an attached Studio/)
    await session.control('start', 'store')
    await until('store running again', () => stateOf('store') === 'running')
    await session.control('restart', 'pricer')
    await until('pricer running after its restart', () => stateOf('pricer') === 'running')
    expect(hosts[1]?.output()).toMatch(/restart of pricer asked by an attached Studio/)
    await expect(session.control('stop', 'nobody')).rejects.toMatchObject({ code: 'not-found' })
  }, 60_000)

  it('shows a killed host as down within 3 s, its services failed', async () => {
    const a = hosts[0] as HostProcess
    const killedAt = Date.now()
    a.child.kill('SIGKILL')
    await until('host a down', () => hostOf(session.graph(), 'a')?.up === false, 5000)
    expect(Date.now() - killedAt).toBeLessThan(3000)
    const store = session.graph().nodes.find((n) => n.name === 'store')
    expect(store).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('host a is down'),
    })
    expect(session.status().message).toContain('1 of 2 host(s) up')
  }, 30_000)
})
