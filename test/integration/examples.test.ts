import { existsSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileGuestFixture, REPO_ROOT } from '../helpers/asc'
import { buildExample } from '../helpers/examples'
import { runParigot } from '../helpers/parigot-cli'

const parigot = (args: string[]) => runParigot(args)

describe('examples', () => {
  it('files: a guest writes, reads back, inspects and deletes files on real disk, exit 0', async () => {
    await buildExample('files')
    const run = await parigot(['run', 'examples/files/deploy.toml'])
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('[files] files example: all 16 steps passed')
    expect(run.code).toBe(0)
    // It ran against real disk: its data directory exists, and what it deleted is gone.
    const app = join(REPO_ROOT, '.parigot-data', 'files', 'app')
    expect(existsSync(app)).toBe(true)
    for (const file of ['notes/hello.txt', 'notes/log.txt']) {
      expect(existsSync(join(app, file))).toBe(false)
    }
  }, 60_000)

  it('queue: a producer fills a durable queue with orders.v1.Order messages, the consumer decodes 75 of them exactly once and leaves 25 ready', async () => {
    // With build/descriptors.binpb, which deploy.toml names: `parigot run` checks that it exists.
    await buildExample('queue')
    for (let run = 0; run < 2; run++) {
      const result = await parigot(['run', 'examples/queue/deploy.toml'])
      expect(result.stderr).toBe('')
      expect(result.stdout).toContain('[producer] producer: sent 100 orders')
      expect(result.stdout).toContain(
        '[consumer] consumer: received and acknowledged 75 orders exactly once; 25 stay in queue "orders" for the inspector',
      )
      // Each run after the first starts from the 25 orders the last one left.
      if (run > 0) expect(result.stdout).toContain('left by an earlier run')
      expect(result.code).toBe(0)
    }
    expect(existsSync(join(REPO_ROOT, '.parigot-data', 'queue', 'queues.sqlite'))).toBe(true)
    // A producer alone (as if the consumer had crashed) leaves a full queue behind; the next run
    // starts afresh and still sees every message exactly once.
    const dir = await mkdtemp(join(tmpdir(), 'parigot-queue-example-'))
    await writeFile(join(dir, 'idle.wasm'), await compileGuestFixture('test-client'))
    const producerOnly = join(dir, 'producer-only.toml')
    await writeFile(
      producerOnly,
      [
        '[deployment]',
        `data_dir = ${JSON.stringify(join(REPO_ROOT, '.parigot-data', 'queue'))}`,
        '[services.producer]',
        `wasm = ${JSON.stringify(join(REPO_ROOT, 'examples', 'queue', 'build', 'producer.wasm'))}`,
        'plugins = ["queue"]',
        '[services.idle]',
        'wasm = "idle.wasm"',
        'role = "main"',
        'args = ["idle", "orders.v1.producer"]',
        '',
      ].join('\n'),
    )
    const alone = await parigot(['run', producerOnly])
    expect(alone.stdout).toContain('[producer] producer: sent 100 orders')
    // The idle main only waits for the producer to run, then ends the deployment; it exits 5
    // because the producer has no method for it to call, which is beside the point here.
    expect(alone.stdout).toContain('[idle] locate failed no method Echo')
    const again = await parigot(['run', 'examples/queue/deploy.toml'])
    expect(again.stdout).toContain('left by an earlier run')
    expect(again.code).toBe(0)
  }, 90_000)
})
