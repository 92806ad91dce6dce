// The Studio's queue inspector over JetStream queues, through the bridge (WebSocket), against a
// real nats-server: the queues are made and worked by the plugin's own JetStream backend (the
// synchronous one guests call, through its broker thread), the Studio lists, peeks, searches,
// sends, deletes, purges and redrives them, and a server that goes away is a named `io` error.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueueMessageView, QueueView } from '../../src/shared/bridge/contract'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { BridgeServer } from '../../src/main/bridge/bridge-server'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { startStudioWebServer, type StudioWebServer } from '../../src/main/bridge/web-server'
import type { StoreResult } from '../../src/main/plugins/queue/backend'
import { JetStreamQueueBackend } from '../../src/main/plugins/queue/jetstream/backend'
import { QueueErr } from '../../src/shared/gen/parigot/queue/v1/queue_pb'
import { formatId } from '../../src/shared/id'
import { REPO_ROOT } from '../helpers/asc'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { TestClient, until } from './helpers'
import { StudioError } from '../../src/main/bridge/errors'
import { JetStreamQueueAccess } from '../../src/main/bridge/jetstream-queues'
import { AttachedSession } from '../../src/main/bridge/attached-session'
import { createAttachedHandlers } from '../../src/main/bridge/attached-handlers'

const ORDER = 'type.googleapis.com/orders.v1.Order'

let nats: NatsServer
let session: StudioSession
let bridge: BridgeServer
let server: StudioWebServer
let client: TestClient
let dir: string

function value<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`${QueueErr[result.code]}: ${result.error}`)
  return result.value
}

/** The plugin's backend as a guest of deployment jsq has it. */
function backend(visibilityTimeoutMs: number, maxReceives: number): JetStreamQueueBackend {
  return new JetStreamQueueBackend({
    cluster: { nats: nats.url, requireCredentials: false },
    deployment: 'jsq',
    settings: { visibilityTimeoutMs, maxReceives, maxReceiveBatch: 100 },
    timeoutMs: 5000,
  })
}

const list = async (): Promise<QueueView[]> =>
  (await client.call<{ queues: QueueView[] }>('queue.list')).queues
const queueOf = async (name: string): Promise<QueueView | undefined> =>
  (await list()).find((q) => q.name === name)
const peek = async (queue: string, params: object = {}): Promise<QueueMessageView[]> =>
  (await client.call<{ messages: QueueMessageView[] }>('queue.peek', { queue, ...params })).messages

beforeAll(async () => {
  nats = await startNatsServer()
  dir = mkdtempSync(join(tmpdir(), 'studio-jsq-'))
  writeFileSync(
    join(dir, 'orders.binpb'),
    buildDescriptorSet(join(REPO_ROOT, 'examples', 'queue', 'proto')),
  )
  writeFileSync(join(dir, 'producer.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
  writeFileSync(
    join(dir, 'deploy.toml'),
    [
      '[deployment]',
      'name = "jsq"',
      'descriptors = ["orders.binpb"]',
      '[cluster]',
      `nats = "${nats.url}"`,
      '[plugins.queue]',
      'backend = "jetstream"',
      '[services.producer]',
      'wasm = "producer.wasm"',
      'plugins = ["queue"]',
      '',
    ].join('\n'),
  )
  session = new StudioSession({
    version: 'test',
    roots: await WorkspaceRoots.create([tmpdir()]),
    dataDir: mkdtempSync(join(tmpdir(), 'studio-data-')),
    queuePollMs: 100,
  })
  bridge = new BridgeServer(session)
  server = await startStudioWebServer({ bridge, rendererDir: dir })
  client = await TestClient.connect(
    `ws://127.0.0.1:${server.port}/bridge?token=${server.token}`,
    server.origin,
  )
  await client.call('deployment.open', { file: join(dir, 'deploy.toml') })
}, 60_000)

afterAll(async () => {
  client?.close()
  await server?.close()
  bridge?.close()
  await session?.close()
  await nats?.stop()
})

describe('the queue inspector over JetStream (real nats-server)', () => {
  it('lists, peeks (decoded), searches, sends, deletes and purges', async () => {
    expect(await list()).toEqual([])
    const guest = backend(30_000, 5)
    const orders = value(guest.createQueue('orders')).id
    // Three orders sent from the Studio, as JSON of the deployment's orders.v1.Order.
    const sent: string[] = []
    for (let i = 0; i < 3; i++) {
      const payload = JSON.stringify({ id: `order-${i}`, item: 'apple', quantity: i + 1 })
      const { msgId } = await client.call<{ msgId: string }>('queue.send', {
        queue: 'orders',
        typeName: 'orders.v1.Order',
        payload,
      })
      sent.push(msgId)
    }
    expect(await queueOf('orders')).toMatchObject({
      ready: 3,
      inFlight: 0,
      done: 0,
      dead: 0,
      doneNotKept: true,
    })
    // A guest takes the first: in flight for the Studio, and the guest sees the Studio's order.
    const taken = value(guest.receive(orders, 1))
    expect(taken.map((m) => m.payload?.typeUrl)).toEqual([ORDER])
    expect(await queueOf('orders')).toMatchObject({ ready: 2, inFlight: 1 })
    const peeked = await peek('orders')
    expect(peeked.map((m) => [m.msgId, m.state])).toEqual([
      [sent[0], 'in-flight'],
      [sent[1], 'ready'],
      [sent[2], 'ready'],
    ])
    expect(peeked[1]?.payload).toMatchObject({
      typeName: 'orders.v1.Order',
      json: { id: 'order-1', item: 'apple', quantity: 2 },
    })
    // Peeking delivers nothing: the guest's next receive gets the second order, not a copy.
    expect(await peek('orders', { states: ['ready'], limit: 1 })).toHaveLength(1)
    expect(await peek('orders', { afterSeq: peeked[1]?.seq })).toHaveLength(1)
    const found = await client.call<{ messages: QueueMessageView[] }>('queue.search', {
      queue: 'orders',
      text: 'ORDER-2',
    })
    expect(found.messages.map((m) => m.msgId)).toEqual([sent[2]])

    expect(await client.call('queue.delete', { queue: 'orders', msgId: sent[2] })).toEqual({
      deleted: true,
    })
    expect(await client.call('queue.delete', { queue: 'orders', msgId: sent[2] })).toEqual({
      deleted: false,
    })
    expect(await queueOf('orders')).toMatchObject({ ready: 1, inFlight: 1 })
    // The Studio's actions are announced as queue changes.
    expect(client.payloads('queues-changed').some((p) => p.queues.includes('orders'))).toBe(true)

    // Purging the ready ones leaves the order the guest is working on.
    expect(await client.call('queue.purge', { queue: 'orders', state: 'ready' })).toEqual({
      removed: 1,
    })
    expect((await peek('orders')).map((m) => m.msgId)).toEqual([sent[0]])
    expect(value(guest.markDone(orders, [taken[0]!.msgId]))).toEqual([])
    expect(await queueOf('orders')).toMatchObject({ ready: 0, inFlight: 0 })
    value(
      guest.send(orders, [{ payload: { typeUrl: ORDER, value: new Uint8Array([10, 1, 120]) } }]),
    )
    expect(await client.call('queue.purge', { queue: 'orders' })).toEqual({ removed: 1 })
    guest.close()
  }, 60_000)

  it('shows a dead letter under its id and redrives it into the queue', async () => {
    const guest = backend(300, 1)
    const poison = value(guest.createQueue('poison')).id
    const [msgId] = value(
      guest.send(poison, [{ payload: { typeUrl: ORDER, value: new Uint8Array([10, 1, 112]) } }]),
    )
    expect(value(guest.receive(poison, 1))).toHaveLength(1)
    // Redelivered by the server after the 300 ms visibility timeout, it is over maxReceives:
    // the receive that meets it dead-letters it. The server's timer has no event to await.
    const deadline = Date.now() + 10_000
    while ((await queueOf('poison'))?.dead !== 1) {
      if (Date.now() > deadline) throw new Error('poison was not dead-lettered within 10 s')
      expect(value(guest.receive(poison, 1))).toEqual([])
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(await queueOf('poison')).toMatchObject({ ready: 0, inFlight: 0, dead: 1 })
    const [dead] = await peek('poison')
    expect(dead).toMatchObject({ state: 'dead', payload: { json: { id: 'p' } } })
    expect(dead?.msgId).toBe(msgId && formatId(msgId))

    expect(await client.call('queue.redrive', { queue: 'poison' })).toEqual({ moved: 1 })
    expect(await queueOf('poison')).toMatchObject({ ready: 1, dead: 0 })
    const again = value(guest.receive(poison, 1))
    expect(again.map((m) => [m.receiveCount, m.payload?.value])).toEqual([
      [0, new Uint8Array([10, 1, 112])],
    ])
    guest.close()
  }, 60_000)

  it('works the same in a Studio attached to the cluster, with live counts', async () => {
    const attached = await AttachedSession.attach({
      version: 'test',
      roots: await WorkspaceRoots.create([dir]),
      cluster: { nats: nats.url, requireCredentials: false },
      deployment: 'jsq',
      descriptors: [join(dir, 'orders.binpb')],
      queuePollMs: 100,
    })
    const changed: string[][] = []
    attached.subscribe((event) => {
      if (event.kind === 'queues') changed.push([...event.queues])
    })
    try {
      const handlers = createAttachedHandlers(attached)
      const caller = { subscribeLogs: () => undefined }
      const listed = await handlers['queue.list']({}, caller)
      expect(listed.queues.map((q) => q.name)).toEqual(['orders', 'poison'])
      const { msgId } = await handlers['queue.send'](
        { queue: 'orders', typeName: 'orders.v1.Order', payload: '{"id":"from-attached"}' },
        caller,
      )
      const peeked = await handlers['queue.peek']({ queue: 'orders' }, caller)
      expect(peeked.messages.map((m) => [m.msgId, m.payload.json])).toEqual([
        [msgId, { id: 'from-attached' }],
      ])
      // A guest's send, seen by the attached Studio's poll (at least every second).
      const guest = backend(30_000, 5)
      const orders = value(guest.locate('orders')).id
      const seen = changed.length
      value(
        guest.send(orders, [{ payload: { typeUrl: ORDER, value: new Uint8Array([10, 1, 103]) } }]),
      )
      await until('the attached Studio announces orders', () =>
        changed.slice(seen).some((q) => q.includes('orders')),
      )
      expect((await handlers['queue.list']({}, caller)).queues[0]).toMatchObject({
        name: 'orders',
        ready: 2,
      })
      guest.close()
    } finally {
      await attached.close()
    }
  }, 60_000)

  it('answers a typed error naming the queue, or the server when it is gone', async () => {
    const missing = await client.request('queue.peek', { queue: 'nowhere' })
    expect(!missing.ok && missing.error).toMatchObject({
      code: 'not-found',
      message: 'queue inspector: no queue named "nowhere"',
    })
    const search = await client.request('queue.search', { queue: 'nowhere', text: 'x' })
    expect(!search.ok && search.error).toMatchObject({ code: 'not-found' })
    await nats.stop()
    const started = Date.now()
    const gone = await client.request('queue.list')
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(!gone.ok && gone.error).toMatchObject({
      code: 'io',
      message: expect.stringContaining(`NATS server ${nats.url}`),
    })
  }, 60_000)

  it('names a permission the account lacks as forbidden', async () => {
    // One account, two users: "admin" may do anything, "viewer" may not read messages.
    const restricted = await startNatsServer({
      config: [
        'accounts {',
        '  A: {',
        '    jetstream: enabled',
        '    users: [',
        '      { user: admin, password: admin }',
        '      { user: viewer, password: viewer, permissions: { publish: { deny: ["$JS.API.STREAM.MSG.GET.>"] } } }',
        '    ]',
        '  }',
        '}',
        '',
      ].join('\n'),
    })
    try {
      const admin = new JetStreamQueueBackend({
        cluster: {
          nats: restricted.url,
          requireCredentials: false,
          user: 'admin',
          password: 'admin',
        },
        deployment: 'jsq',
        settings: { visibilityTimeoutMs: 30_000, maxReceives: 5, maxReceiveBatch: 100 },
        timeoutMs: 5000,
      })
      const id = value(admin.createQueue('orders')).id
      value(admin.send(id, [{ payload: { typeUrl: ORDER, value: new Uint8Array([10, 1, 120]) } }]))
      admin.close()
      const viewer = new JetStreamQueueAccess(
        {
          cluster: {
            nats: restricted.url,
            requireCredentials: false,
            user: 'viewer',
            password: 'viewer',
          },
          deployment: 'jsq',
        },
        () => undefined,
      )
      try {
        expect((await viewer.list()).map((q) => [q.name, q.ready])).toEqual([['orders', 1]])
        const refused = await viewer.peek('orders', {}).catch((err: unknown) => err)
        expect(refused).toBeInstanceOf(StudioError)
        expect(refused).toMatchObject({
          code: 'forbidden',
          message: expect.stringMatching(
            /^JetStream queues: peek on queue "orders" \(stream PQ_jsq_orders\) of deployment jsq, NATS server nats:\/\/127\.0\.0\.1:\d+: permission denied: /,
          ),
        })
      } finally {
        await viewer.close()
      }
    } finally {
      await restricted.stop()
    }
  }, 60_000)
})
