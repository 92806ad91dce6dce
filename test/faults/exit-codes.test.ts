// One exit-code rule (issue 17, item 3; docs/abi.md "Exit codes"): an exit_ code wins over
// what the guest does next; a code outside 0..192 becomes 192. Checked in every path that
// reports it: the kernel's host-ended event, the runner's result (the CLI's exit code), the
// `--json` result line and the Studio's status.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StudioSession } from '../../src/main/bridge/session'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import { compileGuestFixture } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'

/** How the guest ends -> the one code every path must report. */
const TABLE: readonly (readonly [string, number])[] = [
  ['exit_:7', 7],
  ['exit_:5000', 192],
  ['exit_:193', 192],
  ['proc_exit:5000', 192],
  ['proc_exit:-3', 192],
  ['proc_exit:192', 192],
  ['both:9:0', 9],
  ['proc_exit:0', 0],
]

let dir: string
let session: StudioSession

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-exit-'))
  await writeFile(join(dir, 'probe.wasm'), await compileGuestFixture('exit-probe'))
  session = new StudioSession({
    version: 'test',
    dataDir: await mkdtemp(join(tmpdir(), 'sd-')),
    roots: await WorkspaceRoots.create([tmpdir()]),
  })
}, 120_000)

afterAll(async () => {
  await session.close()
})

async function configFor(how: string): Promise<string> {
  const file = join(dir, `${how.replace(/\W/g, '_')}.toml`)
  await writeFile(file, `[services.probe]\nwasm = "probe.wasm"\nrole = "main"\nargs = ["${how}"]\n`)
  return file
}

describe('the exit-code table holds in every reporting path', () => {
  it.each(TABLE)(
    '%s -> %i',
    async (how, expected) => {
      const file = await configFor(how)
      const run = await runParigot(['run', '--json', file], { cwd: dir })
      const lines = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; event?: KernelEvent; exitCode?: number })
      // CLI exit code = runner result.
      expect(run.code, run.stdout + run.stderr).toBe(expected)
      // --json result line.
      expect(lines.find((l) => l.type === 'result')?.exitCode).toBe(expected)
      // Kernel event.
      const ended = lines.find((l) => l.event?.type === 'host-ended')?.event
      expect(ended).toMatchObject({ type: 'host-ended', outcome: 'exited', exitCode: expected })
      // The runner's own line.
      expect(run.stdout).toContain(`probe exited with code ${expected}`)

      // Studio: the session's status after the run.
      await session.open(file)
      await session.run()
      const start = Date.now()
      while (session.status().state !== 'exited' && Date.now() - start < 20_000) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(session.status()).toMatchObject({ state: 'exited', exitCode: expected })
    },
    60_000,
  )
})
