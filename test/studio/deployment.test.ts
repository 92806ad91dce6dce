// The Studio engine end to end: real guests built from source, run by a real session, observed
// through a real WebSocket client exactly as the renderer observes them.
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type {
  DeploymentStatus,
  LogLine,
  QueueMessageView,
  QueueView,
  ServiceDetails,
  ServiceGraph,
} from '../../src/shared/bridge/contract'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { BridgeServer } from '../../src/main/bridge/bridge-server'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { startStudioWebServer } from '../../src/main/bridge/web-server'
import type { StudioWebServer } from '../../src/main/bridge/web-server'
import { compileAssemblyScript, compileGuestFixture, REPO_ROOT } from '../helpers/asc'
import { compileCycleGuest, TestClient, until, writeDeployment } from './helpers'

let session: StudioSession
let bridge: BridgeServer
let server: StudioWebServer
let client: TestClient

beforeAll(async () => {
  const site = await mkdtemp(join(tmpdir(), 'studio-site-'))
  session = new StudioSession({
    version: 'test',
    roots: await WorkspaceRoots.create([tmpdir()]),
    dataDir: await mkdtemp(join(tmpdir(), 'studio-data-')),
    queuePollMs: 100,
  })
  bridge = new BridgeServer(session)
  server = await startStudioWebServer({ bridge, rendererDir: site })
  client = await TestClient.connect(
    `ws://127.0.0.1:${server.port}/bridge?token=${server.token}`,
    server.origin,
  )
})

afterEach(async () => {
  const status = await client.call<DeploymentStatus>('deployment.status')
  if (['starting', 'running', 'exited'].includes(status.state))
    await client.request('deployment.stop')
})

afterAll(async () => {
  client.close()
  await server.close()
  bridge.close()
  await session.close()
})

const graphOf = () => client.call<ServiceGraph>('graph.get')

async function untilGraph(
  what: string,
  check: (g: ServiceGraph) => boolean,
): Promise<ServiceGraph> {
  let graph: ServiceGraph | undefined
  const start = Date.now()
  while (Date.now() - start < 20_000) {
    graph = await graphOf()
    if (check(graph)) return graph
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(graph)}`)
}

describe('a running deployment over the bridge', () => {
  it('reaches running, draws the graph, streams filtered logs, details and restarts a service', async () => {
    const { file } = await writeDeployment(
      [
        '[deployment]',
        'name = "echo"',
        '[services.echo]',
        'wasm = "server.wasm"',
        '[services.client]',
        'wasm = "client.wasm"',
        'role = "main"',
        'args = ["client", "test.v1.echo", "echo:one", "echo:two", "error:3"]',
        '',
      ].join('\n'),
      {
        'server.wasm': await compileGuestFixture('test-server'),
        'client.wasm': await compileGuestFixture('test-client'),
      },
    )
    const opened = await client.call<{ file: string; diagnostics: unknown[] }>('deployment.open', {
      file,
    })
    expect(opened.diagnostics).toEqual([])
    expect((await client.call<DeploymentStatus>('deployment.status')).state).toBe('ready')
    const before = await graphOf()
    expect(before.nodes.map((n) => [n.name, n.state])).toEqual([
      ['echo', 'not-started'],
      ['client', 'not-started'],
    ])

    // Only the client's lines, only warnings and up, only those mentioning "error".
    await client.call('logs.subscribe', {
      filter: { sources: ['client'], minLevel: 'info', text: 'RESULT error:\\d', regex: true },
      backfill: 100,
    })
    const started = await client.call<DeploymentStatus>('deployment.run')
    expect(started.state).toBe('starting')

    const graph = await untilGraph(
      'echo running and the client exited',
      (g) =>
        g.nodes.find((n) => n.name === 'echo')?.state === 'running' &&
        g.nodes.find((n) => n.name === 'client')?.state === 'exited',
    )
    expect(graph.edges).toMatchObject([{ from: 'client', to: 'echo', via: 'test.v1.echo' }])
    // The edge counts the client's calls to the echo service, the trapped one as an error.
    const edgeCalls = graph.edges[0]?.calls
    expect(edgeCalls?.count).toBeGreaterThanOrEqual(3)
    expect(edgeCalls?.errors).toBeGreaterThanOrEqual(1)
    expect(edgeCalls?.p50Ms).toBeGreaterThan(0)
    const echo = graph.nodes.find((n) => n.name === 'echo')
    expect(echo).toMatchObject({
      role: 'server',
      registered: ['test.v1.echo'],
      exports: ['test.v1.echo'],
    })
    expect(echo?.host).toMatch(/^host-/)
    expect(graph.nodes.find((n) => n.name === 'client')).toMatchObject({
      requires: ['test.v1.echo'],
      exitCode: 0,
    })
    expect(graph.cycle).toBeUndefined()
    // The server keeps serving after the main program: the deployment is still running.
    const statuses = client.payloads('deployment-status').map((s) => s.state)
    expect(statuses).toContain('starting')
    expect(statuses).toContain('running')
    expect((await client.call<DeploymentStatus>('deployment.status')).state).toBe('running')

    // The separator may come first, in a batch of its own: wait for the guest's line.
    await until('the filtered log line', () =>
      client.payloads('logs').some((p) => p.lines.some((l) => l.mark === undefined)),
    )
    const all = client.payloads('logs').flatMap((p) => p.lines)
    // Separators pass every filter: they frame the runs whatever is filtered.
    expect(all.filter((l) => l.mark === 'separator').map((l) => l.message)).toEqual([
      expect.stringMatching(/^echo — started at \d\d:\d\d:\d\d$/),
    ])
    const lines = all.filter((l) => l.mark === undefined)
    expect(lines.map((l) => l.message)).toEqual(['result error:3 -> error 3 kernel 0'])
    expect(lines.every((l) => l.source === 'client')).toBe(true)

    // Backfill: the newest matching lines already logged, in order, with increasing seq.
    const back = await client.call<{ lines: LogLine[]; truncated: boolean }>('logs.subscribe', {
      filter: { sources: ['client'], text: 'result echo' },
      backfill: 1,
    })
    expect(back.lines.map((l) => l.message)).toEqual(['result echo:two -> ok echo:two'])
    expect(back.truncated).toBe(true)

    const details = await client.call<ServiceDetails>('service.details', { name: 'echo' })
    expect(details.methods).toEqual({ 'test.v1.echo': ['Echo', 'Work'] })
    expect(details.history.map((h) => h.state)).toContain('running')
    const calls = details.recentCalls
    expect(calls.map((c) => c.method)).toEqual([
      'test.v1.echo.Echo',
      'test.v1.echo.Echo',
      'test.v1.echo.Echo',
    ])
    expect(calls.every((c) => c.caller === 'client' && c.target === 'echo')).toBe(true)
    expect(calls.every((c) => typeof c.latencyMs === 'number' && c.latencyMs >= 0)).toBe(true)
    expect(calls[2]?.resultError).toBe(3)
    const missing = await client.request('service.details', { name: 'nobody' })
    expect(!missing.ok && missing.error.code).toBe('not-found')

    // Restarting the server restarts the client too (it depends on echo) and it runs again.
    await client.call('logs.subscribe', { filter: { sources: ['runner', 'client'] }, backfill: 0 })
    client.events.length = 0
    await client.call('service.restart', { name: 'echo' })
    await until('the client ran again', () =>
      client
        .payloads('logs')
        .flatMap((p) => p.lines)
        .some((l) => l.message === 'result echo:two -> ok echo:two'),
    )
    const runnerLines = client
      .payloads('logs')
      .flatMap((p) => p.lines)
      .filter((l) => l.source === 'runner')
    expect(runnerLines.map((l) => l.message)).toContain(
      'echo restart requested: restarting echo, client',
    )
    expect(
      client
        .payloads('kernel-events')
        .flat()
        .some((e) => e.type === 'host-added'),
    ).toBe(true)

    const stopped = await client.call<DeploymentStatus>('deployment.stop')
    expect(stopped.state).toBe('stopped')
    const after = await graphOf()
    expect(after.nodes.every((n) => n.state === 'exited' || n.state === 'failed')).toBe(true)
    const again = await client.request('deployment.stop')
    expect(!again.ok && again.error.code).toBe('conflict')
  }, 60_000)

  it('shows a refused dependency cycle by program name', async () => {
    const cycle = await compileCycleGuest()
    const { file } = await writeDeployment(
      [
        '[deployment]',
        'name = "cycle"',
        '[services.alpha]',
        'wasm = "cycle.wasm"',
        'args = ["ring.alpha", "ring.beta"]',
        '[services.beta]',
        'wasm = "cycle.wasm"',
        'args = ["ring.beta", "ring.alpha"]',
        '',
      ].join('\n'),
      { 'cycle.wasm': cycle },
    )
    await client.call('deployment.open', { file })
    await client.call('logs.subscribe', { filter: { minLevel: 'error' }, backfill: 0 })
    client.events.length = 0
    await client.call('deployment.run')
    const graph = await untilGraph('the cycle', (g) => g.cycle !== undefined)
    // Both start at once: whichever requires second closes the cycle and is refused.
    const refused = graph.cycle?.[0] === 'alpha' ? 'alpha' : 'beta'
    const other = refused === 'alpha' ? 'beta' : 'alpha'
    expect(graph.cycle).toEqual([refused, other, refused])
    // The kernel's own account travels with the graph: who was refused, doing what.
    expect(graph.cycleReason).toMatch(
      new RegExp(
        `^ring\\.${refused}: requiring ring\\.${other} would create a dependency cycle: .+; refused$`,
      ),
    )
    // The other requires what the refused one exports; the refused require left no edge back.
    expect(graph.edges).toEqual([{ from: other, to: refused, via: `ring.${refused}` }])
    await until('the kernel error line', () =>
      client
        .payloads('logs')
        .flatMap((p) => p.lines)
        .some((l) => l.message.includes('would create a dependency cycle')),
    )
    await until('the error count', () =>
      client.payloads('deployment-status').some((s) => s.errorCount > 0),
    )
  }, 60_000)

  it('names the NATS server when a JetStream-backed deployment’s queues cannot be reached', async () => {
    const { file } = await writeDeployment(
      [
        '[deployment]',
        'name = "jsq"',
        '[cluster]',
        'nats = "nats://127.0.0.1:1"',
        '[plugins.queue]',
        'backend = "jetstream"',
        '[services.producer]',
        'wasm = "producer.wasm"',
        'plugins = ["queue"]',
        '',
      ].join('\n'),
      { 'producer.wasm': new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) },
    )
    await client.call('deployment.open', { file })
    const listed = await client.request('queue.list', {})
    expect(listed.ok).toBe(false)
    expect(!listed.ok && listed.error).toMatchObject({
      code: 'io',
      message: expect.stringMatching(/^JetStream queues: .*nats:\/\/127\.0\.0\.1:1/),
    })
  })

  it('inspects the queue example’s database: list, peek (decoded), search, delete, purge', async () => {
    const producer = await compileAssemblyScript(join('examples', 'queue', 'guest', 'producer.ts'))
    // The example's descriptor set, built from its .proto by buf as `npm run build:examples` does.
    const descriptors = buildDescriptorSet(join(REPO_ROOT, 'examples', 'queue', 'proto'))
    const { dir, file } = await writeDeployment(
      [
        '[deployment]',
        'name = "queue"',
        'data_dir = "data"',
        'descriptors = ["descriptors.binpb"]',
        '[services.producer]',
        'wasm = "producer.wasm"',
        'plugins = ["queue"]',
        '',
      ].join('\n'),
      { 'producer.wasm': producer, 'descriptors.binpb': descriptors },
    )
    await client.call('deployment.open', { file })
    expect(await client.call('queue.list')).toEqual({ queues: [] })
    client.events.length = 0
    await client.call('deployment.run')
    let queues: readonly QueueView[] = []
    await until('100 ready orders', () => {
      void client.call<{ queues: QueueView[] }>('queue.list').then((r) => (queues = r.queues))
      return queues[0]?.ready === 100
    })
    expect(existsSync(join(dir, 'data', 'queues.sqlite'))).toBe(true)
    expect(queues).toHaveLength(1)
    expect(queues[0]).toMatchObject({ name: 'orders', inFlight: 0, done: 0, dead: 0 })
    expect(queues[0]?.id).toMatch(/^queue-/)
    await until('a queues-changed event', () =>
      client.payloads('queues-changed').some((q) => q.queues.includes('orders')),
    )

    const page = await client.call<{ messages: QueueMessageView[] }>('queue.peek', {
      queue: 'orders',
      limit: 10,
    })
    expect(page.messages).toHaveLength(10)
    const first = page.messages[0] as QueueMessageView
    expect(first).toMatchObject({ state: 'ready', receiveCount: 0 })
    expect(first.payload).toEqual({
      typeUrl: 'type.googleapis.com/orders.v1.Order',
      typeName: 'orders.v1.Order',
      json: { id: 'order-0', item: 'apple', quantity: 1 },
    })
    expect(page.messages.map((m) => m.payload.json)).toContainEqual({
      id: 'order-7',
      item: 'pear',
      quantity: 3,
    })
    const next = await client.call<{ messages: QueueMessageView[] }>('queue.peek', {
      queue: 'orders',
      afterSeq: page.messages[9]?.seq,
      limit: 5,
    })
    expect(next.messages[0]?.seq).toBeGreaterThan(page.messages[9]?.seq ?? 0)

    const found = await client.call<{ messages: QueueMessageView[] }>('queue.search', {
      queue: 'orders',
      text: first.msgId,
    })
    expect(found.messages.map((m) => m.msgId)).toEqual([first.msgId])
    // Search reads the decoded orders.
    const byId = await client.call<{ messages: QueueMessageView[] }>('queue.search', {
      queue: 'orders',
      text: '"order-42"',
    })
    expect(byId.messages.map((m) => m.payload.json)).toEqual([
      { id: 'order-42', item: 'apple', quantity: 3 },
    ])

    client.events.length = 0
    expect(await client.call('queue.delete', { queue: 'orders', msgId: first.msgId })).toEqual({
      deleted: true,
    })
    expect(await client.call('queue.delete', { queue: 'orders', msgId: first.msgId })).toEqual({
      deleted: false,
    })
    await until('queues-changed after the delete', () =>
      client.payloads('queues-changed').some((q) => q.queues.includes('orders')),
    )
    const after = await client.call<{ queues: QueueView[] }>('queue.list')
    expect(after.queues[0]?.ready).toBe(99)
    const badId = await client.request('queue.delete', { queue: 'orders', msgId: 'nope' })
    expect(!badId.ok && badId.error.field).toBe('params.msgId')

    expect(await client.call('queue.redrive', { queue: 'orders' })).toEqual({ moved: 0 })
    expect(await client.call('queue.purge', { queue: 'orders' })).toEqual({ removed: 99 })
    const unknown = await client.request('queue.peek', { queue: 'missing' })
    expect(!unknown.ok && unknown.error.code).toBe('not-found')
  }, 60_000)
})
