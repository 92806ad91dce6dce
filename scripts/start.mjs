// `npm start`: builds Parigot Studio, then opens the Electron app when its binary is installed,
// or runs the engine-backed Studio for a browser (`parigot serve` on 127.0.0.1) when it is not
// (offline installs). Options: --port N (browser mode only; default 0 = an ephemeral port).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const repo = dirname(import.meta.dirname)

/** `--port N` or `--port=N` (browser mode); undefined lets `parigot serve` pick a free port. */
function parsePortArg(argv) {
  let value
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--port') value = argv[++i]
    else if (arg.startsWith('--port=')) value = arg.slice('--port='.length)
  }
  if (value === undefined) return undefined
  const port = Number(value)
  if (!/^\d+$/.test(value ?? '') || port > 65535) throw new Error(`invalid --port value: ${value}`)
  return port
}

function fail(message) {
  console.error(`parigot-studio: ${message}`)
  process.exit(1)
}

function build() {
  const bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin/electron-vite.js')
  const result = spawnSync(process.execPath, [bin, 'build'], { cwd: repo, stdio: 'inherit' })
  if (result.error) fail(`build failed to start: ${result.error.message}`)
  if (result.status !== 0) fail(`build failed (exit code ${result.status ?? result.signal})`)
}

function electronBinary() {
  let dir
  try {
    dir = dirname(require.resolve('electron/package.json'))
  } catch {
    return undefined
  }
  if (!existsSync(join(dir, 'path.txt'))) return undefined
  return require('electron') // the package's main exports the binary's path once installed
}

function runElectron(binary) {
  const child = spawn(binary, ['.'], { cwd: repo, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('error', (err) => fail(`cannot start Electron: ${err.message}`))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

function runBrowserMode(port) {
  console.log(
    'Electron binary not installed (offline install): starting Parigot Studio in browser mode',
  )
  // `parigot serve` prints the one line `Studio running at <url>` (the URL carries the token).
  const args = [join(repo, 'out/main/cli.js'), 'serve', '--no-build']
  if (port !== undefined) args.push('--port', String(port))
  const child = spawn(process.execPath, args, { cwd: repo, stdio: 'inherit' })
  // The child is in our process group: a terminal Ctrl-C reaches it directly; forward the rest.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('error', (err) => fail(`cannot start the Studio engine: ${err.message}`))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}

let port
try {
  port = parsePortArg(process.argv.slice(2))
} catch (err) {
  fail(err.message)
}
build()
const binary = electronBinary()
if (binary !== undefined) runElectron(binary)
else runBrowserMode(port)
