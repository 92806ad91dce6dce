// `parigot validate` and `parigot run --host` on the cluster keys, through the built CLI.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compileGuestFixture } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-cluster-cli-'))
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
}, 120_000)

async function config(name: string, text: string): Promise<string> {
  const file = join(dir, `${name}.toml`)
  await writeFile(file, text)
  return file
}

describe('cluster keys on the command line', () => {
  it('validate names a bad [cluster] key, a missing creds file, and accepts a good one', async () => {
    const bad = await config(
      'bad',
      `[cluster]\nnats = "http://x"\ncreds = "missing.creds"\n[services.echo]\nwasm = "server.wasm"\nhost = "a"\n`,
    )
    const run = await runParigot(['validate', bad])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /bad\.toml:2:8: error: .*must be `nats:\/\/HOST:PORT`.*\[cluster\.nats\]/,
    )
    const good = await config(
      'good',
      `[cluster]\nnats = "nats://127.0.0.1:4222"\ntoken = "t"\n[services.echo]\nwasm = "server.wasm"\nhost = "a"\n`,
    )
    const ok = await runParigot(['validate', good])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const missing = await config(
      'missing',
      `[cluster]\nnats = "nats://127.0.0.1:4222"\ncreds = "missing.creds"\n[services.echo]\nwasm = "server.wasm"\n`,
    )
    const noFile = await runParigot(['validate', missing])
    expect(noFile.code).toBe(2)
    expect(noFile.stderr).toMatch(/missing\.toml:3:9: error: .*missing\.creds.*\[cluster\.creds\]/)
  }, 60_000)

  it('run --host refuses a config without [cluster] and a host no service names', async () => {
    const plain = await config('plain', `[services.echo]\nwasm = "server.wasm"\n`)
    const noCluster = await runParigot(['run', plain, '--host', 'local'])
    expect(noCluster.code).toBe(2)
    expect(noCluster.stdout + noCluster.stderr).toContain(
      '--host local needs a [cluster] table with the NATS server the hosts meet on',
    )
    const placed = await config(
      'placed',
      `[cluster]\nnats = "nats://127.0.0.1:1"\n[services.echo]\nwasm = "server.wasm"\nhost = "a"\n`,
    )
    const unknown = await runParigot(['run', placed, '--host', 'b'])
    expect(unknown.code).toBe(2)
    expect(unknown.stdout + unknown.stderr).toContain(
      'no service runs on host "b"; the hosts are "a"',
    )
    const badName = await runParigot(['run', placed, '--host', 'two words'])
    expect(badName.code).toBe(1)
    expect(badName.stderr).toContain('--host expects a host name')
    // Nothing listens on port 1: the host says which server it could not reach.
    const down = await runParigot(['run', placed, '--host', 'a'])
    expect(down.code).toBe(2)
    expect(down.stdout + down.stderr).toContain(
      "cannot connect to the cluster's NATS server nats://127.0.0.1:1",
    )
  }, 60_000)
})
