// The JetStream queue backend against a real nats-server (loopback, temporary JetStream store):
// the same QueueBackend calls as SQLite's, made synchronously from this thread through the broker
// thread (out/main/queue-broker.js, built by the test set-up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../../src/shared/id'
import { QueueErr } from '../../../src/shared/gen/parigot/queue/v1/queue_pb'
import type { AnyBytes, StoreResult } from '../../../src/main/plugins/queue/backend'
import { JetStreamQueueBackend } from '../../../src/main/plugins/queue/jetstream/backend'
import { startNatsServer, type NatsServer } from '../../helpers/nats-server'

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

  it('a second process-like client (its own broker) shares the queue; unacknowledged messages come back', () => {
    const a = backend('jsshare', 1000)
    const b = backend('jsshare2', 1000) // another deployment: another broker, other streams
    const id = value(a.createQueue('work')).id
    expect(b.locate('work')).toMatchObject({ ok: false, code: QueueErr.NotFound })
    value(a.send(id, [{ payload: text('x') }]))
    const first = value(a.receive(id, 1))
    expect(first).toHaveLength(1)
    const deadline = Date.now() + 5000
    let again: ReturnType<typeof value<unknown>> = []
    while (Date.now() < deadline && (again as unknown[]).length === 0) {
      again = value(a.receive(id, 1))
    }
    expect((again as { receiveCount: number }[])[0]?.receiveCount).toBe(1)
  })
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
        timeoutMs: 1000,
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
        expect(took).toBeLessThanOrEqual(1500)
      } finally {
        server.process.kill('SIGCONT')
      }
    } finally {
      await server.stop()
    }
  }, 30_000)
})
