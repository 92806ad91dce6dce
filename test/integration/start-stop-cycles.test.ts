import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { beforeAll, expect, it } from 'vitest'
import { Deployment } from '../../src/main/runner/deployment'
import type { DeployConfig } from '../../src/shared/deploy-config/types'
import { compileGuestFixture } from '../helpers/asc'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

let config: DeployConfig

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-cycles-'))
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
  await writeFile(join(dir, 'client.wasm'), await compileGuestFixture('test-client'))
  const base = { env: {}, plugins: [] }
  config = {
    file: join(dir, 'deploy.toml'),
    name: 'cycles',
    dataDir: join(dir, 'data'),
    logLevel: 'info',
    limits: { launchTimeoutMs: 10_000, callTimeoutMs: 3000, inboundQueue: 1024 },
    stopGraceMs: 1000,
    services: [
      { ...base, name: 'echo', wasm: join(dir, 'server.wasm'), role: 'server', args: [] },
      {
        ...base,
        name: 'client',
        wasm: join(dir, 'client.wasm'),
        role: 'main',
        args: ['client', 'test.v1.echo', 'echo:cycle'],
      },
    ],
  }
}, 120_000)

it('a deployment can be started and stopped 50 times in one process with stable memory', async () => {
  const heapAfter: number[] = []
  const rssAfter: number[] = []
  const threadsAfter: number[] = []
  const buffersAfter: number[] = []
  for (let cycle = 0; cycle < 50; cycle++) {
    const lines: string[] = []
    const code = await new Deployment(config, {
      mode: 'run',
      onLog: (r) => lines.push(`${r.source}: ${r.message}`),
    }).run()
    expect(code, lines.join('\n')).toBe(0)
    expect(lines).toContain('client: result echo:cycle -> ok echo:cycle')
    gc()
    heapAfter.push(process.memoryUsage().heapUsed)
    rssAfter.push(process.memoryUsage().rss)
    threadsAfter.push(threadCount())
    buffersAfter.push(process.memoryUsage().arrayBuffers)
  }
  // Workers of the last cycle end asynchronously (terminate, then their isolates go): let them
  // go before measuring what is retained, bounded, so a worker that never ends still fails.
  const settleUntil = Date.now() + 5_000
  while (threadCount() > threadsAfter[9]! && Date.now() < settleUntil) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  gc()
  const rssSettled = process.memoryUsage().rss
  const threadsSettled = threadCount()
  const buffersSettled = process.memoryUsage().arrayBuffers
  // After warm-up, the heap must not keep growing with each cycle.
  const early = heapAfter[9]!
  const late = heapAfter[49]!
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`
  const summary =
    `heap ${mb(early)} -> ${mb(late)}, rss ${mb(rssAfter[9]!)} -> ${mb(rssAfter[49]!)} ` +
    `(settled ${mb(rssSettled)}), threads ${threadsAfter[9]} -> ${threadsAfter[49]} ` +
    `(settled ${threadsSettled}), array buffers ${mb(buffersAfter[9]!)} -> ${mb(buffersAfter[49]!)} (settled ${mb(buffersSettled)})`
  console.log(`50 start/stop cycles: ${summary}`)
  expect(late - early, summary).toBeLessThan(16 * 1024 * 1024)
  // Each deployment's shared buffers (channels, the 8.5 MB switchboard) go with it: a buffer
  // kept by a forgotten waiter adds about 10 MB per cycle here, outside the JS heap. One
  // deployment's worth may still be on its way out at either sample.
  expect(buffersSettled - buffersAfter[9]!, summary).toBeLessThan(24 * 1024 * 1024)
  // Guest workers end with their deployment: only the pool's idle workers (and one refilling)
  // may be alive beyond the count after cycle 10.
  expect(threadsSettled - threadsAfter[9]!, summary).toBeLessThanOrEqual(2)
  expect(rssSettled - rssAfter[9]!, summary).toBeLessThan(96 * 1024 * 1024)
}, 120_000)

/** Threads of this process (Linux), so a worker that is never terminated shows up. */
function threadCount(): number {
  const status = readFileSync('/proc/self/status', 'utf8')
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN)
}
