// Failure propagation (issue 17, item 1): when a server a main requires exits, traps or reports
// not-ready, the main's launch or call ends at once with an error naming the server and why,
// the main exits with a documented code, and the run ends by itself.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import { compileAssemblyScript, compileGuestFixture } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-faults-'))
  await writeFile(join(dir, 'faulty.wasm'), await compileGuestFixture('faulty-greeter'))
  await writeFile(
    join(dir, 'main.wasm'),
    await compileAssemblyScript('examples/helloworld/guest/main.ts'),
  )
}, 120_000)

interface JsonLine {
  readonly type: string
  readonly event?: KernelEvent
  readonly source?: string
  readonly message?: string
  readonly exitCode?: number
}

/** Runs helloworld's main against the faulty greeter started with `how`, with --json. */
async function runWith(how: string) {
  const file = join(dir, `${how.replace(/\W/g, '-')}.toml`)
  await writeFile(
    file,
    `[services.greet]
wasm = "faulty.wasm"
args = ["${how}"]

[services.helloworld]
wasm = "main.wasm"
role = "main"
`,
  )
  const started = Date.now()
  const run = await runParigot(['run', '--json', file], { cwd: dir })
  const wallMs = Date.now() - started
  const lines = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine)
  const ended = (name: string) =>
    lines.find((l) => l.event?.type === 'host-ended' && l.event.name === name)?.event
  const text = lines
    .filter((l) => l.type === 'log')
    .map((l) => `[${l.source}] ${l.message}`)
    .join('\n')
  return { run, wallMs, lines, ended, text }
}

describe('a main whose required server fails ends by itself', () => {
  it.each([
    ['not-ready', 'exited 1', 1],
    ['exit:3', 'exited 3', 3],
    ['trap', 'failed', undefined],
  ] as const)(
    'server %s: the main ends within 2 s of the server, naming it',
    async (how, describedAs, serverCode) => {
      const r = await runWith(how)
      const greet = r.ended('greet')
      const main = r.ended('helloworld')
      if (greet?.type !== 'host-ended' || main?.type !== 'host-ended') throw new Error(r.text)
      if (serverCode !== undefined) expect(greet.exitCode).toBe(serverCode)
      else expect(greet.outcome).toBe('failed')
      // The main ended by itself, soon after the server: no timeout, no hang.
      expect(main.timeMs - greet.timeMs).toBeLessThan(2000)
      expect(r.run.code).not.toBe(0)
      expect(r.run.code).not.toBe(130)
      // Either the launch failed (the kernel names the requirement, its exporter and how it
      // ended; the main exits 4) or the call did (the callee named; the main exits 1).
      const launchFailed = new RegExp(
        `helloworld \\(helloworld\\.v1\\.hello\\): launch (failed|refused): requires greeting\\.v1\\.greeting, whose only exporter greet ${describedAs}`,
      )
      const callFailed = new RegExp(`callee greeting\\.v1\\.greeting ${describedAs.split(' ')[0]}`)
      expect(r.text).toMatch(new RegExp(`${launchFailed.source}|${callFailed.source}`))
      if (launchFailed.test(r.text)) {
        expect(r.run.code).toBe(4)
        expect(r.text).toContain('launch failed: ServiceFailed (41); exiting 4')
      } else {
        expect(r.run.code).toBe(1)
      }
      expect(r.text).toMatch(/helloworld exited with code \d+/)
    },
    30_000,
  )
})
