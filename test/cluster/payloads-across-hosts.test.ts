// Requests and responses of calls across hosts in the attached Studio: the chain example split
// over two `parigot run --host` processes on a real nats-server (store on host a; shopper,
// checkout and pricer on host b, whose pricer calls a's store). Host a keeps what its store's
// worker captured and answers `parigot.<D>.payload.a` when the Studio opens a span; the Studio
// decodes it with the deploy config's descriptor set. Bad requests are refused naming the field,
// a bad answer is refused naming host and subject and counted, a killed host is an 'io' error.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttachedSession } from '../../src/main/bridge/attached-session'
import { StudioError } from '../../src/main/bridge/errors'
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

const until = (what: string, ready: () => boolean, ms = 30_000): Promise<void> =>
  sessionUntil(session, what, ready, ms)

/** Every span the session lists. */
const allSpans = (): SpanRecord[] =>
  session.traces.list({}, 100).traces.flatMap((t) => session.traces.get(t.traceId).spans)

/** The answer of `parigot.xpay.payload.<host>` to `body`, as JSON. */
async function ask(host: string, body: string): Promise<Record<string, unknown>> {
  const reply = await nc.request(`parigot.xpay.payload.${host}`, body, { timeout: 5000 })
  return JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown>
}

beforeAll(async () => {
  chain = await attachedChain('xpay')
  ;({ nats, dir, session, nc } = chain)
}, 240_000)

afterAll(async () => {
  await Promise.all(hosts.map(stopHost))
  await chain?.close()
})

describe('requests and responses across hosts (attached Studio)', () => {
  it("shows a call's request and response, read from the host that served it", async () => {
    const file = join(dir, 'deploy.toml')
    await writeFile(
      file,
      chainClusterToml('xpay', nats.url, { store: 'a', pricer: 'b', checkout: 'b', shopper: 'b' }),
    )
    const a = startHost(file, 'a')
    hosts.push(a)
    await a.waitFor(/store: open/)
    const b = startHost(file, 'b')
    hosts.push(b)
    expect(await b.ended).toBe(0)

    // Five lookups cross b -> a (apple, pear, fig; apple, durian): each is the caller's span on
    // b (to the stand-in store@a) and the server's on a (from `@b`), its child.
    await until(
      'the five lookups on both hosts',
      () =>
        allSpans().filter((s) => s.method === 'Lookup' && s.caller === '@b').length === 5 &&
        allSpans().filter((s) => s.method === 'Lookup' && s.caller === 'pricer@b').length === 5,
    )
    const spans = allSpans()
    const server = spans.find((s) => s.method === 'Lookup' && s.caller === '@b')!
    const caller = spans.find((s) => s.spanId === server.parentSpanId)!
    expect(caller).toMatchObject({ caller: 'pricer@b', callee: 'store@a' })

    // The server's span and the caller's show the same call, decoded with the descriptor set.
    for (const opened of [server, caller]) {
      const view = await session.spanPayload(opened.spanId)
      expect(view.reason).toBeUndefined()
      expect(view.host).toBe('a')
      expect(view.request).toMatchObject({ typeName: 'chain.v1.LookupRequest' })
      expect(JSON.parse(view.request!.json!)).toHaveProperty('item')
    }
    // Every lookup of the good basket answered a price; durian's answered an error, no price.
    const views = await Promise.all(
      spans
        .filter((s) => s.method === 'Lookup' && s.caller === '@b')
        .map((s) => session.spanPayload(s.spanId)),
    )
    const items = views.map((v) => (JSON.parse(v.request!.json!) as { item: string }).item)
    expect(items.sort()).toEqual(['apple', 'apple', 'durian', 'fig', 'pear'])
    const apple = views.find((v) => v.request!.json!.includes('apple'))!
    expect(apple.response).toMatchObject({ typeName: 'chain.v1.LookupResponse' })
    expect(JSON.parse(apple.response!.json!)).toHaveProperty('unitCents')

    // A span of host b (which ended) asks b: nobody serves its subject any more.
    const total = spans.find((s) => s.method === 'Total')!
    await expect(session.spanPayload(total.spanId)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(
        /host b (does not answer on parigot\.xpay\.payload\.b|is down)/,
      ),
    })
  }, 180_000)

  it('host a answers ids it never ran as unknown, and refuses a malformed request naming the field', async () => {
    const traceId = 'ab'.repeat(16)
    const spanId = 'cd'.repeat(8)
    expect(await ask('a', JSON.stringify({ traceId, spanId }))).toEqual({ status: 'unknown' })
    expect(await ask('a', JSON.stringify({ traceId: 'AB'.repeat(16), spanId }))).toEqual({
      status: 'refused',
      error: 'field traceId is not 32 lowercase hex digits',
    })
    expect(await ask('a', JSON.stringify({ traceId, spanId: 7 }))).toEqual({
      status: 'refused',
      error: 'field spanId is not 16 lowercase hex digits',
    })
    expect(await ask('a', 'not json')).toEqual({
      status: 'refused',
      error: 'request is not a JSON object',
    })
    expect(await ask('a', JSON.stringify({ traceId, spanId, pad: 'x'.repeat(300) }))).toMatchObject(
      { status: 'refused', error: expect.stringContaining('over 256') },
    )
  }, 60_000)

  it("refuses and counts a host's malformed answer, naming host and subject", async () => {
    // A forged host z: one span, and a payload subject that answers a payload over the cap.
    const span: SpanRecord = {
      traceId: 'ef'.repeat(16),
      spanId: '12'.repeat(8),
      caller: 'x',
      callee: 'y',
      service: 'forged.v1.Service',
      method: 'Forged',
      startMs: Date.now(),
      durationMs: 1,
      resultError: 0,
      kernelError: 0,
    }
    const sub = nc.subscribe('parigot.xpay.payload.z', {
      callback: (_err, msg) => {
        msg.respond(
          JSON.stringify({
            status: 'captured',
            resultError: 0,
            request: { typeUrl: '', size: 9000, bytes: Buffer.alloc(5000).toString('base64') },
          }),
        )
      },
    })
    nc.publish('parigot.xpay.span.z', JSON.stringify({ instance: 'z', dropped: 0, items: [span] }))
    await nc.flush()
    await until('the forged span listed', () => allSpans().some((s) => s.spanId === span.spanId))
    const before = session.counters().rejected
    const failure = await session.spanPayload(span.spanId).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(StudioError)
    expect(failure).toMatchObject({
      code: 'io',
      message:
        'payload answer of host z on parigot.xpay.payload.z refused: field request.bytes holds 5000 bytes, over 4096',
    })
    expect(session.counters().rejected).toBe(before + 1)
    sub.unsubscribe()
  }, 60_000)

  it('a killed host is an io error naming it, within the bounded wait', async () => {
    const server = allSpans().find((s) => s.method === 'Lookup' && s.caller === '@b')!
    const a = hosts[0]!
    a.child.kill('SIGKILL')
    await a.ended
    const started = Date.now()
    await expect(session.spanPayload(server.spanId)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringContaining('host a'),
    })
    expect(Date.now() - started).toBeLessThan(5000)
    // Once its heartbeat is missed, the Studio says so without asking.
    await until('host a down', () => session.status().message?.includes('down: a') === true)
    await expect(session.spanPayload(server.spanId)).rejects.toMatchObject({
      code: 'io',
      message: expect.stringMatching(
        /^host a is down \(.*\): the call's request and response are kept there$/,
      ),
    })
  }, 60_000)
})
