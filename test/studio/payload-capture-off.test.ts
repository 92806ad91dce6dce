// `[cluster] capture_payloads = false` holds in a Studio running the file in one process too
// (no `--host`, no NATS): the chain example built from source, run by a real session. No
// worker captures, so nothing reaches the session's shelf, and an opened span says why.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { compileAssemblyScript } from '../helpers/asc'
import { until, writeDeployment } from './helpers'

let session: StudioSession | undefined

afterAll(async () => {
  await session?.stop().catch(() => undefined)
  await session?.close()
})

async function chainWasm(): Promise<Record<string, Uint8Array>> {
  const wasm: Record<string, Uint8Array> = {}
  for (const [name, source] of [
    ['store', 'examples/chain/guest/store.ts'],
    ['pricer', 'examples/chain/guest/pricer.ts'],
    ['checkout', 'examples/chain/guest/checkout.ts'],
    ['shopper', 'examples/chain/guest/main.ts'],
  ] as const)
    wasm[`${name}.wasm`] = await compileAssemblyScript(source)
  return wasm
}

const chainToml = (capture: string): string =>
  [
    '[deployment]',
    'name = "nocapture"',
    '[cluster]',
    'nats = "nats://127.0.0.1:4222"',
    capture,
    '[services.store]',
    'wasm = "store.wasm"',
    '[services.pricer]',
    'wasm = "pricer.wasm"',
    '[services.checkout]',
    'wasm = "checkout.wasm"',
    '[services.shopper]',
    'wasm = "shopper.wasm"',
    'role = "main"',
    '',
  ].join('\n')

/** Runs `file` to the end of its two requests, stops it (every worker flushes what it captured
 * before it is reported ended), and returns the Lookup spans. */
async function runToEnd(s: StudioSession, file: string) {
  await s.open(file)
  await s.run()
  await until('the two requests traced', () => s.traces.list({}, 10).traces.length === 2, 60_000)
  await s.stop()
  const spans = s.traces
    .list({}, 10)
    .traces.flatMap((t) => s.traces.get(t.traceId).spans)
    .filter((span) => span.method === 'Lookup')
  expect(spans.length).toBe(5)
  return spans
}

describe('capture_payloads = false in a Studio run (one process)', () => {
  it('captures nothing, and an opened span says capture is off and which file says so', async () => {
    const wasm = await chainWasm()
    const on = await writeDeployment(chainToml(''), wasm)
    const off = await writeDeployment(chainToml('capture_payloads = false'), wasm)
    session = new StudioSession({
      version: 'test',
      roots: await WorkspaceRoots.create([tmpdir()]),
      dataDir: await mkdtemp(join(tmpdir(), 'studio-data-')),
    })
    const s = session
    // The control: left on, every Lookup's payloads are on the shelf once the run is stopped.
    for (const span of await runToEnd(s, on.file)) {
      expect(s.traces.payloads.get(span.spanId)?.request).toBeDefined()
      expect((await s.spanPayload(span.spanId)).request?.typeName).toBe('chain.v1.LookupRequest')
    }
    // Off: the same run leaves nothing on the shelf, and the panel is told why.
    for (const span of await runToEnd(s, off.file)) {
      expect(s.traces.payloads.get(span.spanId)).toBeUndefined()
      expect(await s.spanPayload(span.spanId)).toEqual({
        captureOff: true,
        reason: `payload capture is off: ${off.file} sets [cluster] capture_payloads = false`,
      })
    }
  }, 180_000)
})
