// A host's log lines and kernel events for observers: the publisher's bounds (batch size, a
// counted drop when more wait than it keeps) on a real nats-server, and the checks an observer
// applies to every batch it reads.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HostTelemetry } from '../../src/main/cluster/host-telemetry'
import {
  MAX_BATCH_BYTES,
  parseEventBatch,
  parseLogBatch,
} from '../../src/main/cluster/telemetry-batch'
import type { LogRecord } from '../../src/shared/log/log-record'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let nc: NatsConnection

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
}, 60_000)

afterAll(async () => {
  await nc?.close()
  await nats?.stop()
})

const line = (message: string): LogRecord => ({
  timeMs: 1,
  level: 'info',
  source: 'svc',
  message,
})
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

describe('host telemetry', () => {
  it('sends every line in bounded batches, and counts what it could not keep', async () => {
    const received: { items: number; dropped: number; size: number }[] = []
    let total = 0
    const all = new Promise<void>((resolve) => {
      nc.subscribe('t.log', {
        callback: (_err, msg) => {
          const parsed = parseLogBatch('t.log', msg.data)
          if (!parsed.ok) throw new Error(parsed.message)
          received.push({
            items: parsed.batch.items.length,
            dropped: parsed.batch.dropped,
            size: msg.data.byteLength,
          })
          total += parsed.batch.items.length + parsed.batch.dropped
          if (total >= 10_100) resolve()
        },
      })
    })
    await nc.flush()
    const telemetry = new HostTelemetry(nc, { log: 't.log', event: 't.ev', span: 't.span' }, 'abc')
    // 10 100 lines before the first flush: 10 000 are kept, 100 dropped and counted.
    for (let i = 0; i < 10_100; i++) telemetry.log(line(`line ${i} ${'x'.repeat(100)}`))
    telemetry.close()
    await all
    expect(received.reduce((n, r) => n + r.dropped, 0)).toBe(100)
    expect(received.reduce((n, r) => n + r.items, 0)).toBe(10_000)
    expect(Math.max(...received.map((r) => r.size))).toBeLessThanOrEqual(MAX_BATCH_BYTES)
    expect(Math.max(...received.map((r) => r.items))).toBeLessThanOrEqual(1000)
  })

  it('refuses a batch over the size limit, without JSON, or with bad envelope fields', () => {
    expect(parseLogBatch('b', new Uint8Array(MAX_BATCH_BYTES + 1))).toMatchObject({ ok: false })
    expect(parseLogBatch('b', new TextEncoder().encode('{'))).toEqual({
      ok: false,
      message: 'b: not JSON',
    })
    expect(parseLogBatch('b', bytes({ instance: '', items: [], dropped: 0 }))).toEqual({
      ok: false,
      message: 'b: field instance is invalid',
    })
    expect(parseLogBatch('b', bytes({ instance: 'i', items: [], dropped: -1 }))).toEqual({
      ok: false,
      message: 'b: field dropped is invalid',
    })
    expect(
      parseLogBatch('b', bytes({ instance: 'i', items: new Array(1001).fill(0), dropped: 0 })),
    ).toEqual({ ok: false, message: 'b: field items is invalid' })
  })

  it('keeps the valid items of a batch and counts the others', () => {
    const parsed = parseLogBatch(
      'b',
      bytes({
        instance: 'i',
        dropped: 0,
        items: [
          line('fine'),
          { ...line('bad level'), level: 'loud' },
          { ...line('control in source'), source: 'a\u0007b' },
          { ...line('long'), message: 'x'.repeat(16 * 1024 + 1) },
          { ...line('bad trace id'), traceId: 'nothex' },
          { ...line('traced'), traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) },
        ],
      }),
    )
    expect(parsed).toMatchObject({ ok: true, rejected: 4 })
    if (parsed.ok) expect(parsed.batch.items.map((r) => r.message)).toEqual(['fine', 'traced'])
    const events = parseEventBatch(
      'e',
      bytes({
        instance: 'i',
        dropped: 0,
        items: [
          { type: 'host-added', host: 'h', name: 'n', timeMs: 1 },
          { type: 'made-up', timeMs: 1 },
          { type: 'host-added', timeMs: 1, deep: { a: { b: { c: { d: 1 } } } } },
        ],
      }),
    )
    expect(events).toMatchObject({ ok: true, rejected: 2 })
  })
})
