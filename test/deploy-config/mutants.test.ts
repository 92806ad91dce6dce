// Hostile deploy configs: 320 seeded mutants of the example configs, each validated in-process
// through the CLI's main() (as `parigot validate` runs it), and a handful through the built CLI.
// Every one ends with exit 0, or exit 2 and diagnostics with a position; never a stack trace,
// never another code, never more than 2 s.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../src/main/cli/main'
import { REPO_ROOT } from '../helpers/asc'
import { mutants } from './mutants'

const EXAMPLES = ['chain', 'files', 'helloworld', 'queue']
const SEED = 20261204
const COUNT = 320

/** A folder shaped like examples/<name>/ (data_dir `../../.parigot-data/x` stays inside it). */
function workspace(): Record<string, string> {
  const base = mkdtempSync(join(tmpdir(), 'deploy-mutants-'))
  const dirs: Record<string, string> = {}
  for (const name of EXAMPLES) {
    const dir = join(base, 'examples', name)
    mkdirSync(dir, { recursive: true })
    symlinkSync(join(REPO_ROOT, 'examples', name, 'build'), join(dir, 'build'))
    dirs[name] = dir
  }
  return dirs
}

const sources = EXAMPLES.map((name) => ({
  name,
  text: readFileSync(join(REPO_ROOT, 'examples', name, 'deploy.toml'), 'utf8'),
}))

const DIAGNOSTIC = /^.+:\d+:\d+: (error|warning): .+$/s
const STACK = /\n\s+at |\bat .+\.(ts|js|mjs):\d+/

describe('mutated deploy configs', () => {
  it(`validates ${COUNT} seeded mutants: exit 0 or 2 with positioned diagnostics, each within 2 s`, async () => {
    const dirs = workspace()
    const all = mutants(sources, COUNT, SEED)
    expect(all.length).toBeGreaterThanOrEqual(300)
    const failures: string[] = []
    const codes = new Map<number, number>()
    let slowest = 0
    for (const mutant of all) {
      const file = join(dirs[mutant.example] as string, `mutant-${mutant.index}.toml`)
      writeFileSync(file, mutant.text)
      const out: string[] = []
      const err: string[] = []
      const started = performance.now()
      let code: number
      try {
        code = await main(['validate', file], {
          stdout: (l) => out.push(l),
          stderr: (l) => err.push(l),
          color: false,
          onInterrupt: () => () => undefined,
        })
      } catch (error) {
        failures.push(`#${mutant.index}: main threw ${String(error)}`)
        continue
      }
      const ms = performance.now() - started
      slowest = Math.max(slowest, ms)
      codes.set(code, (codes.get(code) ?? 0) + 1)
      const what = `#${mutant.index} (${mutant.example})`
      if (ms > 2000) failures.push(`${what}: ${ms.toFixed(0)} ms`)
      if (code === 0) {
        if (err.some((l) => /: error: /.test(l))) failures.push(`${what}: exit 0 with errors`)
      } else if (code === 2) {
        if (err.length === 0) failures.push(`${what}: exit 2 without a diagnostic`)
        for (const line of err)
          if (!DIAGNOSTIC.test(line))
            failures.push(`${what}: not a diagnostic: ${line.slice(0, 200)}`)
      } else {
        failures.push(`${what}: exit ${code}: ${err.join('\n').slice(0, 300)}`)
      }
      if (STACK.test(err.join('\n')))
        failures.push(`${what}: stack trace: ${err.join('\n').slice(0, 300)}`)
    }
    console.log(
      `mutants: ${all.length}, exit codes ${JSON.stringify(Object.fromEntries(codes))}, slowest ${slowest.toFixed(0)} ms`,
    )
    expect(failures).toEqual([])
  }, 300_000)

  it('answers a handful of them, and the worst inputs of the report, through the built CLI', () => {
    const dirs = workspace()
    const dir = dirs['helloworld'] as string
    const worst: Record<string, string> = {
      'services-300k': Array.from(
        { length: 300_000 },
        (_, i) => `[services.s${i}]\nwasm="a.wasm"\n`,
      ).join(''),
      'key-10mb': `${'k'.repeat(10_000_000)} = 1\n`,
      'dotted-100k': `[${Array(100_000).fill('a').join('.')}]\n`,
      'table-10k-deep': `x = ${'{ a = '.repeat(10_000)}1${' }'.repeat(10_000)}\n`,
      'data-dir-file':
        '[deployment]\ndata_dir = "/etc/passwd"\n[services.a]\nwasm = "build/main.wasm"\nrole = "main"\n',
      'data-dir-proc':
        '[deployment]\ndata_dir = "/proc/self"\n[services.a]\nwasm = "build/main.wasm"\nrole = "main"\n',
      'wasm-proc-mem': '[services.a]\nwasm = "/proc/self/mem"\nrole = "main"\n',
      'wasm-not-wasm': '[services.a]\nwasm = "deploy-not.toml"\nrole = "main"\n',
      'plugin-txt':
        '[services.a]\nwasm = "build/main.wasm"\nrole = "main"\n[services.a.plugin.p]\npath = "p.txt"\nsymbol = "x"\n',
    }
    writeFileSync(join(dir, 'deploy-not.toml'), 'not wasm')
    writeFileSync(join(dir, 'p.txt'), 'export const x = 1')
    const cases = [
      ...Object.entries(worst),
      ...mutants(sources, 6, SEED + 1).map((m) => [`mutant-${m.index}`, m.text] as const),
    ]
    for (const [name, text] of cases) {
      const file = join(dir, `${name}.toml`)
      writeFileSync(file, text)
      const started = performance.now()
      const run = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'validate', file],
        {
          encoding: 'utf8',
          timeout: 10_000,
        },
      )
      const ms = performance.now() - started
      expect(run.status, `${name}: ${run.stderr}`).toBe(
        name.startsWith('mutant') && run.status === 0 ? 0 : 2,
      )
      expect(run.stderr, name).not.toMatch(STACK)
      for (const line of run.stderr.trim().split('\n')) expect(line, name).toMatch(DIAGNOSTIC)
      // Node's own start-up is in this time; the answer itself is well under a second.
      expect(ms, name).toBeLessThan(2500)
    }
  }, 120_000)
})
