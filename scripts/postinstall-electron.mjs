// Fetches the Electron binary when the network allows it, and otherwise says, in one line, that
// the desktop shell is unavailable. Electron's own postinstall is disabled in package.json
// ("allowScripts") because its failure would fail the whole install on offline machines; this
// script runs the same installer but treats a failed download as "browser mode only".
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000
const FALLBACK =
  'the desktop shell is unavailable; `npm start` will run Parigot Studio in browser mode'

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'))
  } catch {
    return undefined
  }
}

function main() {
  const dir = electronDir()
  if (dir === undefined) return // production install without devDependencies: nothing to do
  if (existsSync(join(dir, 'path.txt'))) return // binary already present
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.log(
      `parigot-studio: Electron download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD); ${FALLBACK}.`,
    )
    return
  }
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (result.status === 0 && existsSync(join(dir, 'path.txt'))) {
    console.log('parigot-studio: Electron binary installed; `npm start` opens the desktop app.')
    return
  }
  const reason =
    result.error?.message ??
    (result.stderr || result.stdout || '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => /error/i.test(line)) ??
    `installer exited with code ${result.status}`
  console.log(`parigot-studio: could not download the Electron binary (${reason}); ${FALLBACK}.`)
}

main()
