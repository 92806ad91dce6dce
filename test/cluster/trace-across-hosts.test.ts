// Calls across hosts in traces: the chain example split over three `parigot run --host`
// processes on a real nats-server, watched by an attached Studio session. Each host publishes its
// finished spans; the call envelope carries the caller's span as a W3C traceparent, so one
// request is one trace whose spans nest from host to host, and log lines written on any host
// while handling one of its calls carry its trace id. Bad span batches are refused and counted.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttachedSession } from '../../src/main/bridge/attached-session'
import { decodeCall, encodeCall } from '../../src/main/cluster/envelope'
import { formatTraceparent } from '../../src/main/cluster/trace-context'
import type { SpanRecord } from '../../src/shared/trace/span'
import { chainClusterToml, writeChainGuests } from '../helpers/chain-example'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'
import { sessionUntil } from '../helpers/session-until'

let nats: NatsServer
let dir: string
let session: AttachedSession
const hosts: HostProcess[] = []

/** Resolves when `ready()` holds, checked at every session event (rejects after `ms`). */
const until = (what: string, ready: () => boolean, ms = 30_000): Promise<void> =>
  sessionUntil(session, what, ready, ms)

beforeAll(async () => {
  ;[nats, dir] = await Promise.all([startNatsServer(), mkdtemp(join(tmpdir(), 'parigot-xtrace-'))])
  await writeChainGuests(dir)
  session = await AttachedSession.attach({
    version: 'test',
    roots: await import('../../src/main/bridge/workspace-roots').then((m) =>
      m.WorkspaceRoots.create([dir]),
    ),
    cluster: { nats: nats.url, requireCredentials: false },
    deployment: 'xshop',
  })
}, 240_000)

afterAll(async () => {
  await Promise.all(hosts.map(stopHost))
  await session?.close()
  await nats?.stop()
})

describe('traces across hosts (attached Studio)', () => {
  it('the chain over three hosts: one trace per request, its spans nested from host to host', async () => {
    const file = join(dir, 'deploy.toml')
    await writeFile(
      file,
      chainClusterToml('xshop', nats.url, { store: 'a', pricer: 'b', checkout: 'c', shopper: 'c' }),
    )
    const a = startHost(file, 'a')
    const b = startHost(file, 'b')
    hosts.push(a, b)
    await Promise.all([a.waitFor(/store: open/), b.waitFor(/pricer: ready/)])
    const c = startHost(file, 'c')
    hosts.push(c)
    expect(await c.ended).toBe(0)

    // The good basket: Total on c; each Price crosses c -> b, each Lookup b -> a. A call
    // between hosts is two spans: the caller's (to the stand-in `pricer@b`) and the server's
    // (from the remote caller `@c`), its child.
    const list = () => session.traces.list({}, 10).traces
    await until('both baskets, with every span of the good one', () => {
      const traces = list()
      return traces.length === 2 && traces.some((t) => t.spanCount === 13)
    })
    const traces = list()
    expect(traces.map((t) => t.root.method)).toEqual(['Total', 'Total'])
    const good = traces.find((t) => t.spanCount === 13)
    expect(good?.errorCount).toBe(0)
    const { spans } = session.traces.get(good!.traceId)
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1)
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    const parentOf = (s: SpanRecord) =>
      s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId)
    // Every span but the root has its parent in the trace.
    const roots = spans.filter((s) => parentOf(s) === undefined)
    expect(roots.map((s) => [s.caller, s.callee, s.method])).toEqual([
      ['shopper@c', 'checkout@c', 'Total'],
    ])
    const chainOf = (s: SpanRecord): string[] => {
      const out: string[] = []
      for (let at: SpanRecord | undefined = s; at !== undefined; at = parentOf(at))
        out.push(`${at.caller} -> ${at.callee} ${at.method}`)
      return out
    }
    const lookups = spans.filter((s) => s.method === 'Lookup' && s.caller === '@b')
    expect(lookups).toHaveLength(3)
    for (const lookup of lookups)
      expect(chainOf(lookup)).toEqual([
        '@b -> store@a Lookup',
        'pricer@b -> store@a Lookup',
        '@c -> pricer@b Price',
        'checkout@c -> pricer@b Price',
        'shopper@c -> checkout@c Total',
      ])
    // A server span starts about when its caller's does: each host stamps spans with its own
    // clock (performance.timeOrigin differs by some milliseconds between processes).
    for (const s of spans.filter((x) => x.caller.startsWith('@'))) {
      const parent = parentOf(s)!
      expect(Math.abs(s.startMs - parent.startMs)).toBeLessThan(1000)
    }

    // The durian basket failed on host a's store; host b's pricer logged why, in that trace.
    const durian = traces.find((t) => t !== good)!
    expect(durian.errorCount).toBeGreaterThan(0)
    await until('the pricer line of the durian trace', () =>
      session.traces
        .get(durian.traceId)
        .logs.some((l) => l.message.includes('the store has no durian')),
    )
    const line = session.traces
      .get(durian.traceId)
      .logs.find((l) => l.message.includes('the store has no durian'))
    expect(line?.source).toBe('pricer@b')
    const failedServer = session.traces
      .get(durian.traceId)
      .spans.find((s) => s.spanId === line?.spanId)
    expect(failedServer).toMatchObject({ caller: '@c', callee: 'pricer@b', method: 'Price' })
  }, 180_000)

  it('refuses and counts span batches with bad items, keeping the good ones', async () => {
    const nc = await connect({ servers: nats.url })
    const before = session.counters().rejected
    const good: SpanRecord = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      caller: 'x',
      callee: 'y',
      service: 'forged.v1.Service',
      method: 'Forged',
      startMs: Date.now(),
      durationMs: 1,
      resultError: 0,
      kernelError: 0,
    }
    nc.publish(
      'parigot.xshop.span.z',
      JSON.stringify({
        instance: 'z',
        dropped: 0,
        items: [
          { ...good, traceId: 'not hex' },
          { ...good, durationMs: -1 },
          { ...good, caller: 'a\u0007b' },
          good,
        ],
      }),
    )
    nc.publish('parigot.xshop.span.z', 'not json')
    await nc.flush()
    await until('four refusals', () => session.counters().rejected >= before + 4)
    expect(session.counters().rejected).toBe(before + 4)
    await until(
      'the good span listed',
      () => session.traces.list({ service: 'forged.v1.Service' }, 10).traces.length === 1,
    )
    expect(session.traces.get(good.traceId).spans[0]).toMatchObject({
      caller: 'x@z',
      callee: 'y@z',
    })
    await nc.close()
  }, 60_000)

  it('the envelope carries a W3C traceparent, and refuses one that is not', () => {
    const call = (traceparent: string) =>
      decodeCall(
        encodeCall({
          service: 'chain.v1.pricer',
          method: 'Price',
          callId: 'x',
          caller: 'c',
          traceparent,
          timeoutMs: 3000,
        }),
      )
    const good = formatTraceparent({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) })
    expect(good).toBe(`00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`)
    expect(call(good)).toMatchObject({ ok: true, value: { traceparent: good } })
    expect(call('')).toMatchObject({ ok: true })
    for (const bad of [
      `00-${'0'.repeat(32)}-${'cd'.repeat(8)}-01`,
      `00-${'ab'.repeat(16)}-${'0'.repeat(16)}-01`,
      `00-${'AB'.repeat(16)}-${'cd'.repeat(8)}-01`,
      'hello',
    ])
      expect(call(bad)).toEqual({
        ok: false,
        message: expect.stringContaining('field traceparent is not a W3C traceparent'),
      })
  })
})
