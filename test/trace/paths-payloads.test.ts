// Requests and responses are captured whichever path a call takes: worker to worker, through
// the kernel's thread, between guests sharing one worker, and from outside the guests. The chain
// example's guests, built from source, under a Supervisor with tracing and payload capture on;
// every call's payloads arrive filed under its span, and decode as the messages the guests sent.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create, fromBinary } from '@bufbuild/protobuf'
import type { DescMessage } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildDescriptorSet } from '../../src/codegen/generate'
import { createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import { loadDescriptorSets } from '../../src/main/runner/descriptor-sets'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { SpanPayloadRecord } from '../../src/main/runner/trace/payloads'
import type { SpanRecord } from '../../src/shared/trace/span'
import { REPO_ROOT } from '../helpers/asc'
import { buildChain } from './build-chain'

const guests = new Map<string, CompiledGuest>()
let message: (name: string) => DescMessage

beforeAll(async () => {
  await buildChain()
  const engine = createEngine()
  for (const name of ['store', 'pricer', 'checkout', 'main']) {
    const file = join(REPO_ROOT, 'examples', 'chain', 'build', `${name}.wasm`)
    guests.set(name, await engine.compile(await readFile(file), `${name}.wasm`))
  }
  const set = join(mkdtempSync(join(tmpdir(), 'payloads-')), 'chain.binpb')
  writeFileSync(set, buildDescriptorSet(join(REPO_ROOT, 'examples', 'chain', 'proto')))
  const registry = loadDescriptorSets([set]).registry
  message = (name) => {
    const desc = registry?.getMessage(name)
    if (desc === undefined) throw new Error(`no ${name} in the chain's descriptors`)
    return desc
  }
}, 120_000)

/** PriceRequest {item = 1, quantity = 2} as protobuf bytes. */
function priceRequest(item: string, quantity: number): Uint8Array {
  const text = new TextEncoder().encode(item)
  return Uint8Array.from([0x0a, text.length, ...text, 0x10, quantity])
}

describe.each([
  ['worker to worker', true, false],
  ['through the kernel', false, false],
  ['between guests sharing a worker', true, true],
])('payloads, calls %s', (_path, directCalls, shared) => {
  it('every call’s request and response arrive under its span, decodable', async () => {
    const spans: SpanRecord[] = []
    const payloads = new Map<string, SpanPayloadRecord>()
    // The Studio's Price (and its Lookup), then the two baskets: 2 + 7 + 5 calls.
    const CALLS = 14
    let allArrived: () => void = () => undefined
    const arrived = new Promise<void>((resolve) => (allArrived = resolve))
    const check = (): void => {
      if (spans.length >= CALLS && payloads.size >= CALLS) allArrived()
    }
    const running = new Set<string>()
    let allRunning: () => void = () => undefined
    const servers = new Promise<void>((resolve) => (allRunning = resolve))
    const supervisor = new Supervisor({
      onEvent: (e) => {
        if (e.type === 'service-state' && e.state === 'running') running.add(e.name)
        if (running.size === 3) allRunning()
      },
      logSink: () => undefined,
      tracing: true,
      directCalls,
      outsideCallers: true,
      onSpan: (s) => {
        spans.push(s)
        check()
      },
      onPayload: (p) => {
        payloads.set(p.spanId, p)
        check()
      },
    })
    try {
      const specs = ['store', 'pricer', 'checkout'].map((name) => ({
        name,
        compiled: guests.get(name) as CompiledGuest,
      }))
      if (shared) await supervisor.startGroup(specs)
      else for (const spec of specs) await supervisor.start(spec)
      await servers
      const studio = supervisor.externalCaller('studio')
      const answer = await studio.call(
        'chain.v1.pricer',
        'Price',
        create(AnySchema, {
          typeUrl: 'type.googleapis.com/chain.v1.PriceRequest',
          value: priceRequest('pear', 2),
        }),
      )
      expect(answer.kind).toBe('ok')
      const shopper = await supervisor.start({
        name: 'shopper',
        compiled: guests.get('main') as CompiledGuest,
        program: true,
      })
      expect(await shopper.ended).toEqual({ kind: 'exited', code: 0 })
      await arrived
      expect(spans).toHaveLength(CALLS)
      expect([...payloads.keys()].sort()).toEqual(spans.map((s) => s.spanId).sort())

      const decoded = (span: SpanRecord, part: 'request' | 'response') => {
        const p = payloads.get(span.spanId)?.[part]
        if (p === undefined) return undefined
        expect(p.bytes.byteLength).toBe(p.size)
        return fromBinary(message(p.typeUrl.slice(p.typeUrl.lastIndexOf('/') + 1)), p.bytes)
      }
      const studioPrice = spans.find((s) => s.caller === 'studio')!
      expect(decoded(studioPrice, 'request')).toMatchObject({ item: 'pear', quantity: 2 })
      expect(decoded(studioPrice, 'response')).toMatchObject({ cents: expect.any(BigInt) })
      const lookups = spans.filter((s) => s.method === 'Lookup')
      const items = lookups.map((s) => (decoded(s, 'request') as { item?: string }).item).sort()
      expect(items).toEqual(['apple', 'apple', 'durian', 'fig', 'pear', 'pear'])
      // The store knows no durian: an error code, and no response message.
      for (const s of lookups.filter(
        (l) => (decoded(l, 'request') as { item?: string }).item === 'durian',
      )) {
        expect(payloads.get(s.spanId)?.resultError).toBe(s.resultError)
        expect(s.resultError).not.toBe(0)
        expect(decoded(s, 'response')).toBeUndefined()
      }
      const totals = spans.filter((s) => s.method === 'Total')
      expect(
        totals.map((t) => (decoded(t, 'request') as unknown as { lines: unknown[] }).lines.length),
      ).toEqual([3, 2])
    } finally {
      await supervisor.stopAll(1000)
      await supervisor.close()
    }
  }, 60_000)
})
