// One request through examples/chain is one trace of nested spans: `parigot run --trace FILE`
// on the real example (guests compiled from source), the file read back with the Studio's own
// decoder, and the span tree compared with the call structure the example's code makes.

import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeChromeTrace } from '../../src/shared/trace/chrome-trace'
import type { SpanRecord } from '../../src/shared/trace/span'
import { runParigot } from '../helpers/parigot-cli'
import { buildChain } from './build-chain'

/** `caller>callee service.method` of a span and its children, depth first, children sorted. */
function shape(span: SpanRecord, all: readonly SpanRecord[]): string {
  const kids = all
    .filter((s) => s.parentSpanId === span.spanId)
    .map((s) => shape(s, all))
    .sort()
  const self = `${span.caller}>${span.callee} ${span.service}.${span.method}`
  return kids.length === 0 ? self : `${self} [${kids.join(', ')}]`
}

describe('traces', () => {
  beforeAll(buildChain, 120_000)

  it('chain: each request is one trace whose spans nest as the calls do; log lines carry the ids of the call they were written in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-trace-'))
    const file = join(dir, 'chain.trace.json')
    const run = await runParigot(['run', 'examples/chain/deploy.toml', '--trace', file])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const decoded = decodeChromeTrace(await readFile(file, 'utf8'))
    if (!decoded.ok) throw new Error(decoded.error)
    const { spans, logs } = decoded.trace
    expect(spans).toHaveLength(2 * 1 + 5 * 2) // 2 totals, 5 prices, 5 lookups
    const roots = spans
      .filter((s) => s.parentSpanId === undefined)
      .sort((a, b) => a.startMs - b.startMs)
    expect(roots.map((r) => shape(r, spans))).toEqual([
      'shopper>checkout chain.v1.checkout.Total [' +
        Array(3)
          .fill('checkout>pricer chain.v1.pricer.Price [pricer>store chain.v1.store.Lookup]')
          .join(', ') +
        ']',
      'shopper>checkout chain.v1.checkout.Total [' +
        Array(2)
          .fill('checkout>pricer chain.v1.pricer.Price [pricer>store chain.v1.store.Lookup]')
          .join(', ') +
        ']',
    ])
    // Two traces; every span of a tree shares its root's trace id, and ids are unique.
    expect(new Set(roots.map((r) => r.traceId)).size).toBe(2)
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    expect(byId.size).toBe(spans.length)
    for (const span of spans) {
      let root = span
      while (root.parentSpanId !== undefined) root = byId.get(root.parentSpanId) as SpanRecord
      expect(span.traceId).toBe(root.traceId)
      // A child runs within its parent's time.
      const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId)
      if (parent !== undefined) {
        expect(span.startMs).toBeGreaterThanOrEqual(parent.startMs - 0.01)
        expect(span.startMs + span.durationMs).toBeLessThanOrEqual(
          parent.startMs + parent.durationMs + 0.01,
        )
      }
    }
    // The durian: the store refuses it (an error span), and so does the whole second trace.
    const failed = spans.filter((s) => s.resultError !== 0)
    expect(failed.map((s) => `${s.service}.${s.method}`).sort()).toEqual([
      'chain.v1.checkout.Total',
      'chain.v1.pricer.Price',
      'chain.v1.store.Lookup',
    ])
    expect(new Set(failed.map((s) => s.traceId)).size).toBe(1)
    // The pricer logs the refusal while finishing the durian's price call: that call's ids.
    const refusal = logs.find((l) => l.message.startsWith('pricer: the store has no durian'))
    const durianPrice = failed.find((s) => s.method === 'Price') as SpanRecord
    expect(refusal).toMatchObject({ traceId: durianPrice.traceId, spanId: durianPrice.spanId })
    // Lines written outside any call (start-up) carry none.
    const ready = logs.find((l) => l.message === 'pricer: ready')
    expect(ready).toBeDefined()
    expect(ready?.spanId).toBeUndefined()
  }, 60_000)
})
