// CallRequests (src/main/cluster/call-requests.ts), the request/reply of calls between hosts,
// on a real nats-server: each outcome a caller's kernel error comes from (docs/cluster.md,
// "Errors a caller sees"): a reply, no responders, no answer in time, the connection leaving.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CallRequests, type RequestOutcome } from '../../src/main/cluster/call-requests'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let server: NatsConnection
let client: NatsConnection

beforeAll(async () => {
  nats = await startNatsServer()
  server = await connect({ servers: nats.url })
  client = await connect({ servers: nats.url })
  server.subscribe('echo', {
    callback: (_err, msg) => {
      msg.respond(msg.data)
    },
  })
  // Answers only the requests whose first byte is even.
  server.subscribe('picky', {
    callback: (_err, msg) => {
      if ((msg.data[0] ?? 1) % 2 === 0) msg.respond(msg.data)
    },
  })
  await server.flush()
}, 30_000)

afterAll(async () => {
  await client?.close()
  await server?.close()
  await nats?.stop()
})

function ask(
  requests: CallRequests,
  subject: string,
  data: Uint8Array,
  timeoutMs: number,
): Promise<RequestOutcome | { kind: 'reply'; bytes: number[] }> {
  // A reply's data is a Buffer: compared as its bytes.
  return new Promise((resolve) =>
    requests.request(subject, data, timeoutMs, (o) =>
      resolve(o.kind === 'reply' ? { kind: 'reply', bytes: [...o.data] } : o),
    ),
  )
}

describe('requests of calls between hosts', () => {
  it('matches each reply to its request, many at a time', async () => {
    const requests = new CallRequests(client, (err) => {
      throw err
    })
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ask(requests, 'echo', new Uint8Array([i, i >> 8]), 5000),
      ),
    )
    outcomes.forEach((o, i) => expect(o).toEqual({ kind: 'reply', bytes: [i & 255, i >> 8] }))
    expect(requests.waiting).toBe(0)
    requests.close('done')
  })

  it('says no responders when no one serves the subject', async () => {
    const requests = new CallRequests(client, (err) => {
      throw err
    })
    expect(await ask(requests, 'nobody.here', new Uint8Array([1]), 5000)).toEqual({
      kind: 'no-responders',
    })
    requests.close('done')
  })

  it('times out the unanswered requests only, each at its deadline, with one timer', async () => {
    const requests = new CallRequests(client, (err) => {
      throw err
    })
    const started = performance.now()
    const unanswered = ask(requests, 'picky', new Uint8Array([1]), 300)
    const answered = ask(requests, 'picky', new Uint8Array([2]), 300)
    const later = ask(requests, 'picky', new Uint8Array([3]), 900)
    expect(await answered).toEqual({ kind: 'reply', bytes: [2] })
    expect(await unanswered).toEqual({ kind: 'timeout', afterMs: 300 })
    const first = performance.now() - started
    expect(first).toBeGreaterThanOrEqual(299)
    expect(await later).toEqual({ kind: 'timeout', afterMs: 900 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(899)
    expect(requests.waiting).toBe(0)
    requests.close('done')
  })

  it('fails the waiting requests with the reason when it closes, and any request after', async () => {
    const requests = new CallRequests(client, (err) => {
      throw err
    })
    const waiting = ask(requests, 'picky', new Uint8Array([5]), 60_000)
    requests.close('host a is leaving the deployment')
    expect(await waiting).toEqual({ kind: 'failed', reason: 'host a is leaving the deployment' })
    expect(await ask(requests, 'echo', new Uint8Array([2]), 1000)).toEqual({
      kind: 'failed',
      reason: 'the connection is closing',
    })
  })

  it('a settle callback that throws is reported, and the next replies still arrive', async () => {
    const errors: unknown[] = []
    const requests = new CallRequests(client, (err) => errors.push(err))
    requests.request('echo', new Uint8Array([1]), 5000, () => {
      throw new Error('kernel refused')
    })
    expect(await ask(requests, 'echo', new Uint8Array([2]), 5000)).toMatchObject({ kind: 'reply' })
    expect(errors).toEqual([new Error('kernel refused')])
    requests.close('done')
  })
})
