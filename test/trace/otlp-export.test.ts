// [telemetry] otlp: a real `parigot run` of examples/chain sends its spans and log lines to an
// OTLP/HTTP receiver (a small HTTP server in this test), with the links of the call structure.

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { buildChain } from './build-chain'

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  status?: { code?: number }
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[]
}
interface OtlpLog {
  traceId?: string
  spanId?: string
  body?: { stringValue?: string }
}

const received = { traces: [] as unknown[], logs: [] as unknown[], contentTypes: new Set<string>() }
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (d: Buffer) => (body += d.toString()))
  req.on('end', () => {
    received.contentTypes.add(req.headers['content-type'] ?? '')
    const json: unknown = JSON.parse(body)
    if (req.url === '/v1/traces') received.traces.push(json)
    else if (req.url === '/v1/logs') received.logs.push(json)
    res.writeHead(req.url === '/v1/traces' || req.url === '/v1/logs' ? 200 : 404, {
      'content-type': 'application/json',
    })
    res.end('{}')
  })
})

/** examples/chain with `[telemetry] otlp = url`, in a scratch folder. */
async function chainConfig(url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-otlp-'))
  const build = join(REPO_ROOT, 'examples', 'chain', 'build')
  const file = join(dir, 'deploy.toml')
  await writeFile(
    file,
    [
      '[deployment]',
      'name = "chain"',
      `data_dir = ${JSON.stringify(join(dir, 'data'))}`,
      '[telemetry]',
      `otlp = ${JSON.stringify(url)}`,
      ...['store', 'pricer', 'checkout'].map(
        (s) => `[services.${s}]\nwasm = ${JSON.stringify(join(build, `${s}.wasm`))}`,
      ),
      `[services.shopper]\nwasm = ${JSON.stringify(join(build, 'main.wasm'))}\nrole = "main"`,
    ].join('\n'),
  )
  return file
}

beforeAll(async () => {
  await buildChain()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
}, 120_000)
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('OTLP export', () => {
  it('a collector that is down: the run still exits 0, and says what did not reach it', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const started = performance.now()
    const run = await runParigot(['run', await chainConfig(`http://127.0.0.1:${port}`)])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /telemetry: exporting \d+ (spans|log lines) to .* failed: .*ECONNREFUSED/,
    )
    expect(run.stdout).toMatch(/telemetry: 12 spans and \d+ log lines did not reach/)
    // Each export gives up after EXPORT_TIMEOUT_MS (2 s), retries included.
    expect(performance.now() - started).toBeLessThan(15_000)
  }, 60_000)

  it('chain with [telemetry] otlp: the receiver gets 12 spans linked as the calls nest, and the log lines with their span ids', async () => {
    const port = (server.address() as AddressInfo).port
    const file = await chainConfig(`http://127.0.0.1:${port}`)
    const run = await runParigot(['run', file])
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toContain('telemetry:')
    expect(run.code).toBe(0)
    expect([...received.contentTypes]).toEqual(['application/json'])

    const spans = received.traces.flatMap((t) =>
      (t as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap(
        (r) => r.scopeSpans.flatMap((s) => s.spans),
      ),
    )
    expect(spans).toHaveLength(12)
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    const parentName = (s: OtlpSpan) =>
      s.parentSpanId ? (byId.get(s.parentSpanId)?.name ?? 'missing') : 'root'
    const links = spans.map((s) => `${parentName(s)} -> ${s.name}`).sort()
    expect(links).toEqual(
      [
        ...Array(2).fill('root -> chain.v1.checkout/Total'),
        ...Array(5).fill('chain.v1.checkout/Total -> chain.v1.pricer/Price'),
        ...Array(5).fill('chain.v1.pricer/Price -> chain.v1.store/Lookup'),
      ].sort(),
    )
    for (const span of spans) {
      if (span.parentSpanId) expect(span.traceId).toBe(byId.get(span.parentSpanId)?.traceId)
    }
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(2)
    // The durian's three spans are errors (status code 2).
    expect(spans.filter((s) => s.status?.code === 2)).toHaveLength(3)

    const logs = received.logs.flatMap((l) =>
      (l as { resourceLogs: { scopeLogs: { logRecords: OtlpLog[] }[] }[] }).resourceLogs.flatMap(
        (r) => r.scopeLogs.flatMap((s) => s.logRecords),
      ),
    )
    const refusal = logs.find((l) =>
      l.body?.stringValue?.startsWith('pricer: the store has no durian'),
    )
    const durianPrice = spans.find((s) => s.name.endsWith('/Price') && s.status?.code === 2)
    expect(refusal?.spanId).toBe(durianPrice?.spanId)
    expect(refusal?.traceId).toBe(durianPrice?.traceId)
  }, 90_000)
})
