// The CLI users run is the built one: `node out/main/cli.js` and `npx parigot` (bin/parigot.mjs,
// which runs that same bundle). These tests start it as a user would and fail when any runtime
// entry of the build is missing.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RUNTIME_ENTRIES } from '../../scripts/ensure-built.mjs'
import { buildExample } from '../e2e/harness'
import { REPO_ROOT } from '../helpers/asc'

function run(cwd: string, args: string[]) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 })
}

describe('the built product in out/', () => {
  let helloworld: string
  beforeAll(async () => {
    helloworld = await buildExample('helloworld')
  }, 120_000)

  it('has every runtime entry: Electron main, preload, renderer, CLI and the guest worker', () => {
    for (const entry of RUNTIME_ENTRIES) {
      expect(
        statSync(join(REPO_ROOT, entry), { throwIfNoEntry: false })?.size,
        entry,
      ).toBeGreaterThan(0)
    }
  })

  it('bundles everything it runs: no TypeScript loader or bundler is imported at run time', () => {
    const outMain = join(REPO_ROOT, 'out', 'main')
    for (const file of readdirSync(outMain).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(outMain, file), 'utf8')
      expect(code, file).not.toMatch(/from\s*["'](tsx|esbuild)[/"']|import\(\s*["'](tsx|esbuild)/)
    }
  })

  it('node out/main/cli.js runs helloworld: "bonjour, world", exit 0', () => {
    const result = run(REPO_ROOT, [join('out', 'main', 'cli.js'), 'run', helloworld])
    expect(result.stdout + result.stderr).toContain('[helloworld] bonjour, world')
    expect(result.status).toBe(0)
  })

  describe('bin/parigot.mjs in a copy with only bin/, out/ and package.json (as packed)', () => {
    let copy: string
    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'parigot-packed-cli-'))
      for (const part of ['bin', 'out', 'package.json']) {
        cpSync(join(REPO_ROOT, part), join(copy, part), { recursive: true })
      }
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'))
      mkdirSync(join(copy, 'examples'))
      cpSync(join(REPO_ROOT, 'examples', 'helloworld'), join(copy, 'examples', 'helloworld'), {
        recursive: true,
      })
    })
    afterAll(() => rmSync(copy, { recursive: true, force: true }))

    it('runs helloworld from the bundle, with no sources to run or build', () => {
      const result = run(copy, ['bin/parigot.mjs', 'run', 'examples/helloworld/deploy.toml'])
      expect(result.stdout + result.stderr).toContain('[helloworld] bonjour, world')
      expect(result.stderr).not.toContain('building')
      expect(result.status).toBe(0)
    })

    it('fails with exit 2, naming the file, when the guest worker is missing from out/', () => {
      rmSync(join(copy, 'out', 'main', 'guest-worker.js'))
      const result = run(copy, ['bin/parigot.mjs', 'run', 'examples/helloworld/deploy.toml'])
      expect(result.stdout + result.stderr).toMatch(
        /guest-worker\.js is missing: run `npm run build`/,
      )
      expect(result.status).toBe(2)
    })
  })
})
