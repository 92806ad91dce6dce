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
  }
  // After warm-up, the heap must not keep growing with each cycle.
  const early = heapAfter[9]!
  const late = heapAfter[49]!
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`
  const summary = `heap ${mb(early)} -> ${mb(late)}, rss ${mb(rssAfter[9]!)} -> ${mb(rssAfter[49]!)}`
  console.log(`50 start/stop cycles: ${summary}`)
  expect(late - early, summary).toBeLessThan(16 * 1024 * 1024)
  expect(rssAfter[49]! - rssAfter[9]!, summary).toBeLessThan(96 * 1024 * 1024)
}, 120_000)
