// Keeps out/ (the electron-vite build: Electron main, preload, renderer, CLI, guest worker)
// current with its sources. Used by bin/parigot.mjs before it runs the built CLI, and by the test
// set-up, so that every test drives the same bundle users run. Processes that find it stale at
// the same time build once: a lock directory serialises them, and whoever waited re-checks.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export const ROOT = dirname(import.meta.dirname)

/** Every file a run needs from the build; a test checks each is there and used. */
export const RUNTIME_ENTRIES = [
  'out/main/index.js',
  'out/main/cli.js',
  'out/main/guest-worker.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
]

const INPUTS = ['src', 'package.json', 'electron.vite.config.ts', 'svelte.config.js']
const LOCK_STALE_MS = 120_000

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** Why out/ needs a build, or undefined when it is current (or there are no sources to build). */
export function staleReason(root = ROOT) {
  const missing = RUNTIME_ENTRIES.find((entry) => !existsSync(join(root, entry)))
  if (missing !== undefined) return `${missing} is not built`
  if (!existsSync(join(root, 'src'))) return undefined
  const built = Math.min(...RUNTIME_ENTRIES.map((entry) => statSync(join(root, entry)).mtimeMs))
  const changed = INPUTS.find((input) => newestMtime(join(root, input)) > built)
  return changed === undefined ? undefined : `${changed} changed since the last build`
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Builds out/ when it is stale. `notice` is told the reason once, before building. Throws with
 * the build's own output when the build fails.
 */
export async function ensureBuilt({ root = ROOT, notice = () => {} } = {}) {
  const lock = join(root, 'node_modules', '.cache', 'parigot-build.lock')
  for (;;) {
    const reason = staleReason(root)
    if (reason === undefined) return
    mkdirSync(dirname(lock), { recursive: true })
    try {
      mkdirSync(lock)
    } catch {
      // Someone else is building; a lock older than LOCK_STALE_MS is left from a crashed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0)
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true })
      await sleep(200)
      continue
    }
    try {
      const again = staleReason(root)
      if (again === undefined) return
      notice(again)
      const require = createRequire(join(root, 'package.json'))
      const vite = join(
        dirname(require.resolve('electron-vite/package.json')),
        'bin/electron-vite.js',
      )
      const built = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
        cwd: root,
        encoding: 'utf8',
      })
      if (built.status !== 0) {
        throw new Error(`the build failed (npm run build):\n${built.stdout}${built.stderr}`)
      }
      return
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
}
