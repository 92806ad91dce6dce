// `[cluster] capture_payloads = false`: the chain example over three `parigot run --host`
// processes on a real nats-server, host a (store) started from a copy of the deploy config that
// turns capture off, hosts c (pricer, checkout) and b (shopper) from one that leaves it on.
// Host a captures nothing and answers every payload request `capture-off` (never a hang), and
// the attached Studio says so naming host a; host c's calls are still captured and named as c's.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttachedSession } from '../../src/main/bridge/attached-session'
import type { SpanRecord } from '../../src/shared/trace/span'
import { attachedChain, chainClusterToml, type AttachedChain } from '../helpers/chain-example'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import type { NatsServer } from '../helpers/nats-server'
import { sessionUntil } from '../helpers/session-until'

let nats: NatsServer
let dir: string
let session: AttachedSession
let nc: NatsConnection
const hosts: HostProcess[] = []
let chain: AttachedChain

const allSpans = (): SpanRecord[] =>
  session.traces.list({}, 100).traces.flatMap((t) => session.traces.get(t.traceId).spans)

async function ask(host: string, body: string): Promise<Record<string, unknown>> {
  const reply = await nc.request(`parigot.xoff.payload.${host}`, body, { timeout: 5000 })
  return JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown>
}

const config = (capture: string) =>
  chainClusterToml(
    'xoff',
    nats.url,
    { store: 'a', pricer: 'c', checkout: 'c', shopper: 'b' },
    capture,
  )

beforeAll(async () => {
  chain = await attachedChain('xoff')
  ;({ nats, dir, session, nc } = chain)
}, 240_000)

afterAll(async () => {
  await Promise.all(hosts.map(stopHost))
  await chain?.close()
})

describe('capture_payloads = false on one host', () => {
  it('that host answers capture-off and the Studio names it; the other hosts still capture', async () => {
    const off = join(dir, 'deploy-off.toml')
    const on = join(dir, 'deploy.toml')
    await writeFile(off, config('capture_payloads = false\n'))
    await writeFile(on, config(''))
    const a = startHost(off, 'a')
    hosts.push(a)
    await a.waitFor(/host a captures no request or response/)
    await a.waitFor(/store: open/)
    const c = startHost(on, 'c')
    hosts.push(c)
    await c.waitFor(/host c joined/)
    const b = startHost(on, 'b')
    hosts.push(b)
    expect(await b.ended).toBe(0)
    expect(c.output()).not.toContain('captures no request')

    // Five lookups cross c -> a; the two totals cross b -> c.
    await sessionUntil(
      session,
      'the lookups on a and the totals on c',
      () =>
        allSpans().filter((s) => s.method === 'Lookup' && s.caller === '@c').length === 5 &&
        allSpans().filter((s) => s.method === 'Total' && s.caller === '@b').length === 2,
      30_000,
    )
    const spans = allSpans()
    const lookup = spans.find((s) => s.method === 'Lookup' && s.caller === '@c')!
    const lookupCaller = spans.find((s) => s.spanId === lookup.parentSpanId)!
    expect(lookupCaller).toMatchObject({ caller: 'pricer@c', callee: 'store@a' })
    // Host a's span, and c's span of the same call (which asks a), say capture is off on a.
    for (const opened of [lookup, lookupCaller]) {
      const view = await session.spanPayload(opened.spanId)
      expect(view).toEqual({
        host: 'a',
        captureOff: true,
        reason:
          'payload capture is off on host a (its deploy config sets [cluster] capture_payloads = false)',
      })
    }
    // Host a answers so for every span, even one it never ran: it holds nothing at all.
    expect(
      await ask('a', JSON.stringify({ traceId: lookup.traceId, spanId: lookup.spanId })),
    ).toEqual({ status: 'capture-off' })
    expect(
      await ask('a', JSON.stringify({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) })),
    ).toEqual({ status: 'capture-off' })
    // A malformed request is still refused naming the field.
    expect(await ask('a', JSON.stringify({ traceId: 'x', spanId: 'cd'.repeat(8) }))).toEqual({
      status: 'refused',
      error: 'field traceId is not 32 lowercase hex digits',
    })

    // Host c left capture on: its checkout's Total (from @b) is captured, named as c's.
    const total = spans.find((s) => s.method === 'Total' && s.caller === '@b')!
    const view = await session.spanPayload(total.spanId)
    expect(view.host).toBe('c')
    expect(view.captureOff).toBeUndefined()
    expect(view.request).toMatchObject({ typeName: 'chain.v1.TotalRequest' })
  }, 180_000)
})
