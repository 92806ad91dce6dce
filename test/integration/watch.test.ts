import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { Deployment } from '../../src/main/runner/deployment'
import type { DeployConfig } from '../../src/shared/deploy-config/types'
import {
  compileAssemblyScript,
  compileGuestFixture,
  GUEST_ASC_OPTIONS,
  guestSourcePath,
} from '../helpers/asc'

async function until(what: string, check: () => boolean, lines: string[], timeoutMs = 15_000) {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out waiting for ${what}:\n${lines.join('\n')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

it('watch mode restarts a changed guest and its dependents; a broken build keeps the last good one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parigot-watch-'))
  const serverPath = join(dir, 'server.wasm')
  await writeFile(serverPath, await compileGuestFixture('test-server'))
  await writeFile(join(dir, 'client.wasm'), await compileGuestFixture('test-client'))
  // The same server built without optimisation: same behaviour, different bytes.
  const rebuilt = await compileAssemblyScript(guestSourcePath('test-server'), [
    ...GUEST_ASC_OPTIONS.filter((o) => o !== '-O2'),
    '-O0',
  ])
  const base = { env: {}, plugins: [] }
  const config: DeployConfig = {
    file: join(dir, 'deploy.toml'),
    name: 'watch',
    dataDir: join(dir, 'data'),
    logLevel: 'info',
    limits: { launchTimeoutMs: 10_000, callTimeoutMs: 3000, inboundQueue: 1024 },
    stopGraceMs: 1000,
    services: [
      { ...base, name: 'echo', wasm: serverPath, role: 'server', args: [] },
      {
        ...base,
        name: 'client',
        wasm: join(dir, 'client.wasm'),
        role: 'main',
        args: ['client', 'test.v1.echo', 'echo:w'],
      },
    ],
  }
  const lines: string[] = []
  const count = (text: string) => lines.filter((l) => l === text).length
  const deployment = new Deployment(config, {
    mode: 'run',
    watch: true,
    onLog: (r) => lines.push(`${r.source}: ${r.message}`),
  })
  const done = deployment.run()
  await until(
    'the first run of the client',
    () => count('client: result echo:w -> ok echo:w') === 1,
    lines,
  )
  await until('the watcher', () => lines.some((l) => l.includes('watching 2 module(s)')), lines)

  await writeFile(serverPath, rebuilt)
  await until('the restart', () => count('client: result echo:w -> ok echo:w') === 2, lines)
  expect(lines).toContain('runner: echo changed: restarting echo, client')
  expect(count('echo: echo: running')).toBe(2)

  await writeFile(serverPath, new TextEncoder().encode('this is not wasm'))
  await until(
    'the compile error',
    () => lines.some((l) => l.includes('keeping the last good version running')),
    lines,
  )
  expect(lines.find((l) => l.includes('keeping the last good version'))).toContain(
    'not a valid WebAssembly module',
  )
  expect(count('echo: echo: running')).toBe(2)

  await deployment.stop()
  expect(await done).toBe(130)
  expect(count('echo: echo: exiting')).toBeGreaterThanOrEqual(2)
}, 60_000)
