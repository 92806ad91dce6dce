// Spans cover every path a call takes: worker to worker (the default), every syscall through the
// kernel's thread (directCalls: false), and calls from outside the guests (the Studio's caller).
// The chain example's guests, built from source, under a Supervisor with tracing on.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { create } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { LogRecord } from '../../src/shared/log/log-record'
import type { SpanRecord } from '../../src/shared/trace/span'
import { REPO_ROOT } from '../helpers/asc'
import { buildChain } from './build-chain'

const guests = new Map<string, CompiledGuest>()

beforeAll(async () => {
  await buildChain()
  const engine = createEngine()
  for (const name of ['store', 'pricer', 'checkout', 'main']) {
    const file = join(REPO_ROOT, 'examples', 'chain', 'build', `${name}.wasm`)
    guests.set(name, await engine.compile(await readFile(file), `${name}.wasm`))
  }
}, 120_000)

/** `caller>callee method [children]`, children sorted. */
function shape(span: SpanRecord, all: readonly SpanRecord[]): string {
  const kids = all
    .filter((s) => s.parentSpanId === span.spanId)
    .map((s) => shape(s, all))
    .sort()
  const self = `${span.caller}>${span.callee} ${span.method}`
  return kids.length === 0 ? self : `${self} [${kids.join(', ')}]`
}

/** PriceRequest {item = 1, quantity = 2} as protobuf bytes. */
function priceRequest(item: string, quantity: number): Uint8Array {
  const text = new TextEncoder().encode(item)
  return Uint8Array.from([0x0a, text.length, ...text, 0x10, quantity])
}

describe.each([
  ['worker to worker', true],
  ['through the kernel', false],
])('spans, calls %s', (_path, directCalls) => {
  it('a Studio call and the chain’s requests nest as they were made; lines carry their span', async () => {
    const spans: SpanRecord[] = []
    const logs: LogRecord[] = []
    const running = new Set<string>()
    let allRunning: () => void = () => undefined
    const servers = new Promise<void>((resolve) => (allRunning = resolve))
    const supervisor = new Supervisor({
      onEvent: (e) => {
        if (e.type === 'service-state' && e.state === 'running') running.add(e.name)
        if (running.size === 3) allRunning()
      },
      logSink: (r) => logs.push(r),
      tracing: true,
      directCalls,
      outsideCallers: true,
      onSpan: (s) => spans.push(s),
    })
    try {
      for (const name of ['store', 'pricer', 'checkout']) {
        await supervisor.start({ name, compiled: guests.get(name) as CompiledGuest })
      }
      await servers
      const studio = supervisor.externalCaller('studio')
      const answer = await studio.call(
        'chain.v1.pricer',
        'Price',
        create(AnySchema, {
          typeUrl: 'type.googleapis.com/chain.v1.PriceRequest',
          value: priceRequest('durian', 1),
        }),
      )
      expect(answer.kind).toBe('error')
      const shopper = await supervisor.start({
        name: 'shopper',
        compiled: guests.get('main') as CompiledGuest,
        program: true,
      })
      expect(await shopper.ended).toEqual({ kind: 'exited', code: 0 })
      const roots = spans
        .filter((s) => s.parentSpanId === undefined)
        .sort((a, b) => a.startMs - b.startMs)
        .map((r) => shape(r, spans))
      const price = 'checkout>pricer Price [pricer>store Lookup]'
      expect(roots).toEqual([
        'studio>pricer Price [pricer>store Lookup]',
        `shopper>checkout Total [${[price, price, price].join(', ')}]`,
        `shopper>checkout Total [${[price, price].join(', ')}]`,
      ])
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(3)
      // Both durian refusals were logged inside the pricer's Price call that asked the store.
      const refusals = logs.filter((l) => l.message.startsWith('pricer: the store has no durian'))
      expect(refusals).toHaveLength(2)
      for (const line of refusals) {
        const span = spans.find((s) => s.spanId === line.spanId)
        expect(span).toMatchObject({ callee: 'pricer', method: 'Price', traceId: line.traceId })
      }
    } finally {
      await supervisor.stopAll(1000)
      await supervisor.close()
    }
  }, 60_000)
})
