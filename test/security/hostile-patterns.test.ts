// A client-supplied pattern cannot stall the engine: log filters and the queue-payload search run
// through RE2 (linear time). Each known catastrophic pattern is answered within 100 ms over lines
// and payloads built to make a backtracking engine explode, while a second client keeps being
// served; patterns RE2 does not run are refused with a typed error naming the field.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openQueueDatabase } from '../../src/main/plugins/queue/schema'
import { QueueStore } from '../../src/main/plugins/queue/store'
import type { BridgeResponse, LogLine } from '../../src/shared/bridge/contract'
import type { TestClient } from '../studio/helpers'
import { compileGuestSource, until, writeDeployment } from '../studio/helpers'
import { serveStudio } from './serve-process'
import type { ServedStudio } from './serve-process'

/** 40 `a`s then `!`: `^(.+)+Q` or `(a+)+$` takes 2^40 steps on it in a backtracking engine. */
const EVIL = `${'a'.repeat(40)}!`
const LINES = 3000

const NOISY_GUEST = `
import { log } from '../../../src/guest/runtime'
for (let i = 0; i < ${LINES}; i++) log('${EVIL} ' + i.toString())
`

const CATASTROPHIC = [
  '^(.+)+Q',
  '(a+)+$',
  '(a+)+b',
  '(a|aa)+$',
  '(a|a?)+$',
  '(.*a){20}',
  '(.*){1,30}[bc]',
  '(x+x+)+y',
  '^(a+)+$',
  '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(\\w+\\s?)*$',
  '(?:a*)*b',
  '(((((((((a*)*)*)*)*)*)*)*)*)*b',
  '(a*)*(b*)*$',
  '^(\\d+)*$',
  '(.|\\s)*!Q',
  '([a-z]+)*[0-9]',
  '(a?){25}a{25}',
  '(.{0,50}){2}Q',
]

/** Patterns RE2 cannot run in linear time (or at all): refused, naming the field. */
const REFUSED = ['(a)\\1', '(?=a)a', '(?<=a)b', '(?!a)b', '(a{1000}){1000}', '.{900}', '(unclosed']

let studio: ServedStudio
let a: TestClient
let b: TestClient

beforeAll(async () => {
  const wasm = await compileGuestSource('noisy-evil', NOISY_GUEST)
  const { dir, file } = await writeDeployment(
    '[deployment]\nname = "noisy"\ndata_dir = "data"\n\n[services.noisy]\nwasm = "noisy.wasm"\nrole = "main"\n',
    { 'noisy.wasm': wasm },
  )
  // The queue database the inspector opens, with payloads of an unregistered type: searched as
  // hex and as text, so the evil text is what the pattern meets.
  await mkdir(join(dir, 'data'), { recursive: true })
  const db = openQueueDatabase(join(dir, 'data', 'queues.sqlite'), {
    synchronous: 'NORMAL',
    busyTimeoutMs: 5000,
  })
  try {
    const store = new QueueStore(db)
    const queue = store.createQueue('evil')
    if (!queue.ok) throw new Error(queue.error)
    const sent = store.send(
      queue.value.id,
      Array.from({ length: 1000 }, (_, i) => ({
        payload: { typeUrl: 'type.googleapis.com/x.Evil', value: Buffer.from(`${EVIL}${i}`) },
      })),
    )
    if (!sent.ok) throw new Error(sent.error)
  } finally {
    db.close()
  }
  studio = await serveStudio(['--root', dir])
  a = await studio.connect()
  b = await studio.connect()
  await a.call('deployment.open', { file })
  await a.call('logs.subscribe', { filter: {}, backfill: 0 })
  await a.call('deployment.run')
  await until(
    'the noisy guest to log every line',
    () =>
      a
        .payloads('logs')
        .flatMap((p) => p.lines)
        .filter((l) => l.message.startsWith(EVIL)).length >= LINES,
    60_000,
  )
}, 120_000)

afterAll(async () => {
  a?.close()
  b?.close()
  await studio?.stop()
})

/** Calls `deployment.status` on `b` back to back until stopped; answers the slowest round trip. */
function keepServing(client: TestClient): { stop(): Promise<{ calls: number; worstMs: number }> } {
  let running = true
  let calls = 0
  let worstMs = 0
  const loop = (async () => {
    while (running) {
      const start = performance.now()
      await client.call('deployment.status')
      worstMs = Math.max(worstMs, performance.now() - start)
      calls++
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { calls, worstMs }
    },
  }
}

/**
 * One call's round trip, the faster of two tries: the machine running the tests is shared, and a
 * pattern that is truly slow is slow both times (a backtracking one would not answer at all).
 */
async function timed(
  client: TestClient,
  method: 'logs.subscribe' | 'queue.search',
  params: unknown,
): Promise<{ ms: number; response: BridgeResponse }> {
  let best: { ms: number; response: BridgeResponse } | undefined
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = performance.now()
    const response = await client.request(method, params)
    const ms = performance.now() - start
    if (best === undefined || ms < best.ms) best = { ms, response }
  }
  return best as { ms: number; response: BridgeResponse }
}

describe('catastrophic patterns against parigot serve', () => {
  it('answers each log filter within 100 ms, matching as RE2 does, while another client is served', async () => {
    // One warm-up call: the first RE2 compile in a fresh process pays for loading the module.
    await a.request('logs.subscribe', { filter: { text: 'x', regex: true }, backfill: 1 })
    const other = keepServing(b)
    const slow: string[] = []
    const times: string[] = []
    for (const text of CATASTROPHIC) {
      const { ms, response } = await timed(a, 'logs.subscribe', {
        filter: { text, regex: true },
        // Enough to scan the whole log when nothing matches (the costly case), without timing
        // the transfer of thousands of matching lines.
        backfill: 200,
      })
      expect(response.ok, `${text}: ${JSON.stringify(response)}`).toBe(true)
      const lines = response.ok ? (response.result as { lines: unknown[] }).lines.length : 0
      times.push(`${text} ${ms.toFixed(0)}ms/${lines}`)
      if (ms > 100) slow.push(`${text}: ${ms.toFixed(0)} ms`)
    }
    const served = await other.stop()
    console.log(`log filters: ${times.join(', ')}; other client: ${JSON.stringify(served)}`)
    expect(slow).toEqual([])
    expect(served.calls).toBeGreaterThan(CATASTROPHIC.length)
    expect(served.worstMs).toBeLessThan(250)
    // RE2 semantics, not a silent "match nothing": the newest evil line, and only it (`\b`: no
    // digit follows). Separator lines between runs pass every filter by design.
    const last = LINES - 1
    const found = await a.call<{ lines: LogLine[] }>('logs.subscribe', {
      filter: { text: `^(a+)+! ${last}\\b`, regex: true },
      backfill: 10,
    })
    expect(found.lines.filter((l) => l.mark !== 'separator').map((l) => l.message)).toEqual([
      `${EVIL} ${last}`,
    ])
  })

  it('answers each queue-payload search within 100 ms while another client is served', async () => {
    const other = keepServing(b)
    const slow: string[] = []
    for (const text of CATASTROPHIC) {
      const { ms, response } = await timed(a, 'queue.search', {
        queue: 'evil',
        text,
        regex: true,
        limit: 50,
      })
      expect(response.ok, `${text}: ${JSON.stringify(response)}`).toBe(true)
      if (ms > 100) slow.push(`${text}: ${ms.toFixed(0)} ms`)
    }
    const served = await other.stop()
    expect(slow).toEqual([])
    expect(served.worstMs).toBeLessThan(250)
    const found = await a.call<{ messages: { payload: { hex?: string } }[] }>('queue.search', {
      queue: 'evil',
      text: '(a+)+!7\\s',
      regex: true,
      limit: 1,
    })
    // Only the payload `…!7` (the 8th message): `…!70` and the like go on with a digit.
    expect(found.messages.map((m) => Buffer.from(m.payload.hex ?? '', 'hex').toString())).toEqual([
      `${EVIL}7`,
    ])
  })

  it('refuses what RE2 does not run, naming the field, and still answers', async () => {
    for (const text of REFUSED) {
      const log = await a.request('logs.subscribe', { filter: { text, regex: true }, backfill: 1 })
      expect(!log.ok && log.error, text).toMatchObject({
        code: 'invalid-params',
        field: 'params.filter.text',
      })
      const queue = await a.request('queue.search', { queue: 'evil', text, regex: true })
      expect(!queue.ok && queue.error, text).toMatchObject({
        code: 'invalid-params',
        field: 'params.text',
      })
    }
    expect((await b.call<{ protocol: number }>('studio.info')).protocol).toBe(1)
  })
})
