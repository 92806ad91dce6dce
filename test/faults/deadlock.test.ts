// Deadlock detection from kernel state (issue 17, item 2): when every live guest waits for good
// and nothing can wake any, the deployment ends at once (exit 254) with a report naming each
// guest and what it waits for; no timer drives it (the launch timeout here is 60 s).
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { StudioSession } from '../../src/main/bridge/session'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import { compileGuestFixture } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-deadlock-'))
  await writeFile(join(dir, 'idle.wasm'), await compileGuestFixture('idle-main'))
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
}, 120_000)

async function run(how: string, extra = '') {
  const file = join(dir, `${how.replace(/\W/g, '_')}.toml`)
  await writeFile(
    file,
    `[deployment]
launch_timeout_ms = 60000

[services.echo]
wasm = "server.wasm"
${extra}
[services.helloworld]
wasm = "idle.wasm"
role = "main"
args = ["${how}"]
`,
  )
  const started = Date.now()
  const result = await runParigot(['run', file], { cwd: dir })
  return { ...result, ms: Date.now() - started }
}

describe('deadlock detection', () => {
  it('a main that never calls launch_ and waits: the run ends with a report naming every guest', async () => {
    const r = await run('no-launch')
    expect(r.code, r.stdout + r.stderr).toBe(254)
    expect(r.stdout).toContain('deadlock: every guest waits and none can wake another')
    expect(r.stdout).toContain(
      'helloworld waits in read_one_ with nothing outstanding: helloworld.v1.hello never called launch_',
    )
    expect(r.stdout).toContain(
      'echo waits in read_one_ for calls to test.v1.echo; no guest is calling it',
    )
    expect(r.stdout).toContain('[runner] error: deadlock: the deployment ended (exit code 254)')
    expect(r.ms).toBeLessThan(20_000)
  }, 60_000)

  it('a main waiting in launch for a name nobody exports ends long before the launch timeout', async () => {
    const r = await run('missing')
    expect(r.code, r.stdout + r.stderr).toBe(254)
    expect(r.stdout).toContain(
      'helloworld waits in launch of helloworld.v1.hello for nobody.v1.Nobody (nobody exports nobody.v1.Nobody)',
    )
    expect(r.ms).toBeLessThan(20_000)
  }, 60_000)

  it('--json carries the report as a deadlock event', async () => {
    const file = join(dir, 'no_launch.toml')
    const r = await runParigot(['run', '--json', file], { cwd: dir })
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; event?: KernelEvent })
      .flatMap((l) => (l.event ? [l.event] : []))
    const deadlock = events.find((e) => e.type === 'deadlock')
    expect(deadlock).toMatchObject({
      type: 'deadlock',
      guests: expect.arrayContaining([
        expect.objectContaining({ name: 'helloworld' }),
        expect.objectContaining({ name: 'echo' }),
      ]) as unknown,
    })
    expect(r.code).toBe(254)
  }, 60_000)

  it('the Studio gets the report: exited 254 with the report as its status message', async () => {
    const session = new StudioSession({
      version: 'test',
      dataDir: await mkdtemp(join(tmpdir(), 'sd-')),
      roots: await WorkspaceRoots.create([tmpdir()]),
    })
    const seen: string[] = []
    session.subscribe((e) => {
      if (e.kind === 'kernel' && e.event.type === 'deadlock') seen.push(e.event.reason)
    })
    try {
      await session.open(join(dir, 'no_launch.toml'))
      await session.run()
      const start = Date.now()
      while (session.status().state !== 'exited' && Date.now() - start < 20_000) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(session.status()).toMatchObject({ state: 'exited', exitCode: 254 })
      expect(session.status().message).toContain('helloworld waits in read_one_')
      expect(seen).toHaveLength(1)
    } finally {
      await session.close()
    }
  }, 60_000)

  it('a main busy between reads (WASI sleeps) is not a deadlock: it ends with its own code', async () => {
    const r = await run('sleepy:30')
    expect(r.stdout).toContain('[helloworld] idle main: done')
    expect(r.stdout).not.toContain('deadlock')
    expect(r.code).toBe(0)
  }, 60_000)
})
