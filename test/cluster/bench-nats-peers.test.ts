// The peers `npm run bench -- remote` prints call-remote-p50-us next to, on a real nats-server:
// the echo responder in its own process answers with the bytes it was given, and through the
// worker hand-off (floor-nats-request-via-workers-us) the request a calling worker hands its
// main thread is the one sent, and the answer the responder's worker made is the one the
// calling worker reads, once per request; a worker that fails makes the measurement fail with
// its reason instead of waiting for it.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { timeCallingHandOff } from '../../bench/fixtures/worker-hand-off.mjs'
import { startEchoResponder } from '../../bench/lib/echo-responder'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let client: NatsConnection

beforeAll(async () => {
  nats = await startNatsServer()
  client = await connect({ servers: nats.url })
}, 30_000)

afterAll(async () => {
  await client?.close()
  await nats?.stop()
})

const request = new TextEncoder().encode('the request')
const reply = new TextEncoder().encode('the answer, made by the responder')

describe('the NATS peers of call-remote-p50-us', () => {
  it('a responder in its own process answers each request with its bytes', async () => {
    const stop = await startEchoResponder(nats.url, reply, false)
    try {
      const answer = await client.request('floor.echo', request, { timeout: 5000 })
      expect(new TextDecoder().decode(answer.data)).toBe(new TextDecoder().decode(reply))
    } finally {
      await stop()
    }
  }, 30_000)

  it('through workers at both ends, each request and answer passes whole, once', async () => {
    const stop = await startEchoResponder(nats.url, reply, true)
    const sent: string[] = []
    try {
      const { samples, lastAnswer } = await timeCallingHandOff(
        async (bytes) => {
          sent.push(new TextDecoder().decode(bytes))
          return (await client.request('floor.echo', bytes, { timeout: 5000 })).data
        },
        request,
        25,
        5,
      )
      expect(sent).toEqual(Array.from({ length: 25 }, () => 'the request'))
      expect(new TextDecoder().decode(lastAnswer)).toBe(new TextDecoder().decode(reply))
      expect(samples).toHaveLength(20)
      for (const us of samples) expect(us).toBeGreaterThan(0)
    } finally {
      await stop()
    }
  }, 30_000)

  it('a calling worker that fails is named, not waited for', async () => {
    const tooLong = new Uint8Array(65 * 1024)
    await expect(timeCallingHandOff(() => Promise.resolve(reply), tooLong, 3, 0)).rejects.toThrow(
      /the calling worker failed: hand-off: 66560 bytes > 65536/,
    )
  }, 30_000)
})
