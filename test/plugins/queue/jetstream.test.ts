// The JetStream queue backend against a real nats-server (loopback, temporary JetStream store):
// the same QueueBackend calls as SQLite's, made synchronously from this thread through the broker
// thread (out/main/queue-broker.js, built by the test set-up).
import { tmpdir } from 'node:os'
import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../../src/main/engine'
import { createQueuePlugin, parseQueueSettings } from '../../../src/main/plugins/queue/plugin'
import { newId } from '../../../src/shared/id'
import {
  CreateQueueRequestSchema,
  CreateQueueResponseSchema,
  LengthRequestSchema,
  LengthResponseSchema,
  QueueErr,
  SendRequestSchema,
  SendResponseSchema,
} from '../../../src/shared/gen/parigot/queue/v1/queue_pb'
import type { AnyBytes, StoreResult } from '../../../src/main/plugins/queue/backend'
import { JetStreamQueueBackend } from '../../../src/main/plugins/queue/jetstream/backend'
import { startNatsServer, type NatsServer } from '../../helpers/nats-server'
import { queueGuest } from './helpers'

let nats: NatsServer

beforeAll(async () => {
  nats = await startNatsServer()
}, 30_000)

afterAll(async () => {
  await nats?.stop()
})

const text = (s: string): AnyBytes => ({
  typeUrl: 'type.googleapis.com/google.protobuf.StringValue',
  value: new TextEncoder().encode(s),
})

function value<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(`${QueueErr[result.code]}: ${result.error}`)
  return result.value
}

function backend(deployment: string, visibilityTimeoutMs = 30_000, url = nats.url) {
  return new JetStreamQueueBackend({
    cluster: { nats: url, requireCredentials: false },
    deployment,
    settings: { visibilityTimeoutMs, maxReceives: 3, maxReceiveBatch: 100 },
    timeoutMs: 5000,
  })
}

describe('the JetStream queue backend', () => {
  it('creates, locates, sends, receives, marks done and deletes as the API says', () => {
    const q = backend('jsapi')
    const created = value(q.createQueue('orders.v1'))
    expect(q.createQueue('orders.v1')).toMatchObject({ ok: false, code: QueueErr.AlreadyExists })
    expect(q.createQueue('1bad')).toMatchObject({ ok: false, code: QueueErr.InvalidName })
    expect(value(q.locate('orders.v1')).id).toEqual(created.id)
    expect(q.locate('nope')).toMatchObject({ ok: false, code: QueueErr.NotFound })

    const ids = value(
      q.send(created.id, [{ payload: text('a') }, { payload: text('b'), sender: text('me') }]),
    )
    expect(ids).toHaveLength(2)
    expect(q.send(created.id, [{ payload: text('c') }, {}])).toMatchObject({
      code: QueueErr.NoPayload,
    })
    expect(value(q.length(created.id))).toBe(2)

    const got = value(q.receive(created.id, 10))
    expect(got.map((m) => new TextDecoder().decode(m.payload.value))).toEqual(['a', 'b'])
    expect(got.map((m) => m.msgId)).toEqual(ids)
    expect(got[1]?.sender?.typeUrl).toBe(text('me').typeUrl)
    expect(got[0]?.receiveCount).toBe(0)
    // In flight: not visible to another receive, still counted.
    expect(value(q.receive(created.id, 10))).toEqual([])
    expect(value(q.length(created.id))).toBe(2)

    const otherQueueMsg = { ...ids[0]!, high: ids[0]!.high ^ 1n }
    expect(value(q.markDone(created.id, [ids[0]!, otherQueueMsg]))).toEqual([otherQueueMsg])
    expect(value(q.length(created.id))).toBe(1)
    // Folded: the second is acknowledged by the next receive.
    expect(value(q.markDoneAndReceive(created.id, [ids[1]!], 5))).toEqual({
      unmodified: [],
      messages: [],
    })
    expect(value(q.length(created.id))).toBe(0)
    // Already done: accepted again.
    expect(value(q.markDone(created.id, [ids[0]!]))).toEqual([])

    expect(value(q.deleteQueue(created.id)).name).toBe('orders.v1')
    expect(q.length(created.id)).toMatchObject({ ok: false, code: QueueErr.NotFound })
    // A re-created name gets a new id; the old id names nothing.
    const again = value(q.createQueue('orders.v1'))
    expect(again.id).not.toEqual(created.id)
    expect(q.send(created.id, [{ payload: text('x') }])).toMatchObject({ code: QueueErr.NotFound })
    expect(q.length(newId('queue'))).toMatchObject({ ok: false, code: QueueErr.NotFound })
  })

  it('two brokers (as on two hosts) share a queue: done by either, deleted by one is gone for both', () => {
    const a = backend('jstwo')
    const b = backend('jstwo', 29_999) // other settings: a broker of its own, its own connection
    const id = value(a.createQueue('shared')).id
    expect(value(b.locate('shared')).id).toEqual(id)
    const [first, second] = value(b.send(id, [{ payload: text('1') }, { payload: text('2') }]))
    // a received both; b marks one done (it never received it: deleted by sequence).
    expect(value(a.receive(id, 5)).map((m) => m.msgId)).toEqual([first, second])
    expect(value(b.markDone(id, [first!]))).toEqual([])
    expect(value(a.length(id))).toBe(1)
    // A sequence the stream never had is not a message of the queue.
    const never = { ...first!, low: 999n }
    expect(value(b.markDone(id, [never]))).toEqual([never])
    expect(value(a.markDone(id, [second!]))).toEqual([])
    expect(value(b.length(id))).toBe(0)
    // b deletes it; a, which has it cached, now finds no such queue.
    value(b.deleteQueue(id))
    expect(a.send(id, [{ payload: text('3') }])).toMatchObject({
      ok: false,
      code: QueueErr.NotFound,
    })
    expect(a.receive(id, 1)).toMatchObject({ ok: false, code: QueueErr.NotFound })
  })

  it('an unacknowledged message comes back after the visibility timeout, then goes to the dead letters', async () => {
    const q = backend('jsredeliver', 300)
    const id = value(q.createQueue('work')).id
    // Deployments do not see each other's queues.
    expect(backend('jsother').locate('work')).toMatchObject({ ok: false, code: QueueErr.NotFound })
    value(q.send(id, [{ payload: text('x') }]))
    const pause = new Int32Array(new SharedArrayBuffer(4))
    const counts: number[] = []
    const deadline = Date.now() + 15_000
    // The redelivery is a server timer with nothing to await here: look every 50 ms.
    while (counts.length < 3 && Date.now() < deadline) {
      const got = value(q.receive(id, 1))
      if (got[0] !== undefined) counts.push(got[0].receiveCount)
      else Atomics.wait(pause, 0, 0, 50)
    }
    expect(counts).toEqual([0, 1, 2])
    // maxReceives is 3: the next receive that meets it moves it to the dead letters instead.
    while (value(q.length(id)) > 0 && Date.now() < deadline) {
      expect(value(q.receive(id, 1))).toEqual([])
      Atomics.wait(pause, 0, 0, 50)
    }
    expect(value(q.length(id))).toBe(0)
    const nc = await connect({ servers: nats.url })
    try {
      const dead = await (await jetstreamManager(nc)).streams.info('PQD_jsredeliver_work')
      expect(dead.state.messages).toBe(1)
    } finally {
      await nc.close()
    }
  }, 30_000)
})

describe('the JetStream queue backend when NATS does not answer', () => {
  it('an unreachable server gives a typed error naming the operation and the queue, not a hang', () => {
    // A port nothing listens on: the server of this file, stopped, would do; 1 is never open.
    const q = backend('jsdown', 30_000, 'nats://127.0.0.1:1')
    const started = Date.now()
    const result = q.locate('orders')
    expect(result).toMatchObject({ ok: false, code: QueueErr.InternalError })
    expect(!result.ok && result.error).toMatch(/^queue\.locate on queue "orders": .*127\.0\.0\.1:1/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('a server that stops answering mid-way gives the typed error within the bound', async () => {
    const server = await startNatsServer()
    try {
      const q = new JetStreamQueueBackend({
        cluster: { nats: server.url, requireCredentials: false },
        deployment: 'jsfrozen',
        settings: { visibilityTimeoutMs: 30_000, maxReceives: 3, maxReceiveBatch: 100 },
        // Roomy enough for the set-up calls on a loaded machine; the bound is what is checked.
        timeoutMs: 3000,
      })
      const id = value(q.createQueue('work')).id
      server.process.kill('SIGSTOP')
      try {
        const started = Date.now()
        const result = q.send(id, [{ payload: text('x') }])
        const took = Date.now() - started
        expect(result).toMatchObject({ ok: false, code: QueueErr.InternalError })
        expect(!result.ok && result.error).toMatch(
          /^queue\.send on queue queue-[0-9a-f]+-[0-9a-f]+: /,
        )
        expect(took).toBeLessThanOrEqual(3500)
      } finally {
        server.process.kill('SIGCONT')
      }
    } finally {
      await server.stop()
    }
  }, 30_000)
})

describe('backend = "jetstream" settings', () => {
  it('are checked: the backend name, SQLite-only keys, and [cluster] being there', () => {
    const dir = tmpdir()
    expect(parseQueueSettings({ backend: 'kafka' }, dir)).toMatchObject({
      ok: false,
      error: 'queue setting "backend" is "kafka"; expected one of sqlite, jetstream',
    })
    expect(parseQueueSettings({ backend: 'jetstream', synchronous: 'FULL' }, dir)).toMatchObject({
      ok: false,
      error:
        'queue setting "synchronous" applies to the sqlite backend only, not to backend "jetstream"',
    })
    expect(parseQueueSettings({ backend: 'jetstream', brokerTimeoutMs: 0 }, dir)).toMatchObject({
      ok: false,
    })
    expect(parseQueueSettings({}, dir)).toMatchObject({ ok: true, settings: { backend: 'sqlite' } })

    const { logger, records } = createMemoryLogger()
    const init = (deployment?: {
      name: string
      cluster?: { nats: string; requireCredentials: boolean }
    }) =>
      createQueuePlugin().init(
        {
          name: 'queue',
          logger,
          invokeAdapter,
          settings: { backend: 'jetstream' },
          dataDir: dir,
          ...(deployment ? { deployment } : {}),
        },
        createEngine(),
      )
    expect(init({ name: 'd' })).toBe(false)
    expect(records.at(-1)?.message).toBe(
      'plugin "queue": queue setting backend = "jetstream" needs the deployment\'s [cluster] nats server',
    )
    // With a server the plugin starts (the broker connects in the background).
    expect(init({ name: 'd', cluster: { nats: nats.url, requireCredentials: false } })).toBe(true)
  })
})

describe('send_ through the host function, JetStream backend', () => {
  it('a batch the server takes only in part: NoError, succeed lists exactly the stored ids, fail the rest', async () => {
    const g = await queueGuest(
      tmpdir(),
      undefined,
      { backend: 'jetstream' },
      {
        name: 'jspartial',
        cluster: { nats: nats.url, requireCredentials: false },
      },
    )
    const created = g.call(
      'create_queue',
      CreateQueueRequestSchema,
      { queueName: 'capped' },
      CreateQueueResponseSchema,
    )
    expect(created.code).toBe(QueueErr.NoError)
    // The stream refuses a third message (at most 2, discard new), as a full server would.
    const nc = await connect({ servers: nats.url })
    try {
      const jsm = await jetstreamManager(nc)
      const si = await jsm.streams.info('PQ_jspartial_capped')
      await jsm.streams.update('PQ_jspartial_capped', {
        ...si.config,
        max_msgs: 2,
        discard: DiscardPolicy.New,
      })
    } finally {
      await nc.close()
    }
    const payloads = ['1', '2', '3'].map((t) => {
      const { typeUrl, value } = text(t)
      return { payload: { typeUrl, value } }
    })
    const sent = g.call(
      'send',
      SendRequestSchema,
      { id: created.res?.id, msg: payloads },
      SendResponseSchema,
    )
    expect(sent.code).toBe(QueueErr.NoError)
    expect(sent.res?.succeed.map((id) => id.low)).toEqual([1n, 2n])
    expect(sent.res?.fail.map((m) => new TextDecoder().decode(m.payload?.value))).toEqual(['3'])
    expect(g.records.map((r) => r.message)).toContainEqual(
      expect.stringMatching(
        /^queue\.send_: queue\.send on queue queue-[0-9a-f-]+: 2 of 3 message\(s\) stored in queue capped; not stored: message\(s\) 2 \(.*maximum messages/,
      ),
    )
    // The two stored are there to receive.
    const length = g.call(
      'length',
      LengthRequestSchema,
      { id: created.res?.id },
      LengthResponseSchema,
    )
    expect(length.res?.length).toBe(2n)
  })
})
