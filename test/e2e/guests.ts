// Guests and deploy configs the e2e tests need beyond the examples, built from source at run
// time into test-results/ (git-ignored). The cycle guest is AssemblyScript kept as text here:
// the test type-check and lint see TypeScript with Node's types, not AssemblyScript's.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compileAssemblyScript, compileGuestFixture, REPO_ROOT } from '../helpers/asc'

const WORK = join(REPO_ROOT, 'test-results', 'e2e-work')

/**
 * argv[1]: the `package.Service` it registers and exports; argv[2]: the one it requires. Two of
 * them requiring each other's export form a cycle the kernel must refuse.
 */
const CYCLE_NODE = `
import { args, EventKind, exitProcess, exportService, Fqs, launch, log, newCallId, readOne, register,
  requireService } from '../../../src/guest/runtime'

function fqs(name: string): Fqs {
  const dot = name.lastIndexOf('.')
  return new Fqs(name.substring(0, dot), name.substring(dot + 1))
}

const argv = args()
const own = fqs(argv[1])
const reg = register(own.packagePath, own.service)
if (!reg.ok) {
  log('register failed ' + reg.err.toString())
  exitProcess(5)
}
const exported = exportService(reg.value, [own])
if (exported != 0) {
  log('export failed ' + exported.toString())
  exitProcess(5)
}
const required = requireService(reg.value, [fqs(argv[2])])
if (required != 0) {
  log('require failed ' + required.toString())
  exitProcess(6)
}
launch(reg.value, newCallId())
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Exit) break
}
`

/**
 * argv[1]: the `package.Service` it registers and exports; argv[2...]: those it requires.
 * With `--fail` among them it logs an error (logError) once launched and then traps.
 */
const GRAPH_NODE = `
import { args, EventKind, exitProcess, exportService, Fqs, launch, log, logError, newCallId,
  readOne, register, requireService } from '../../../src/guest/runtime'

function fqs(name: string): Fqs {
  const dot = name.lastIndexOf('.')
  return new Fqs(name.substring(0, dot), name.substring(dot + 1))
}

const argv = args()
const own = fqs(argv[1])
let failing = false
const required: Fqs[] = []
for (let i = 2; i < argv.length; i++) {
  if (argv[i] == '--fail') failing = true
  else required.push(fqs(argv[i]))
}
const reg = register(own.packagePath, own.service)
if (!reg.ok) exitProcess(5)
if (exportService(reg.value, [own]) != 0) exitProcess(5)
if (required.length > 0 && requireService(reg.value, required) != 0) exitProcess(6)
const launchId = newCallId()
launch(reg.value, launchId)
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Resolved && ev.resolved.callId.equals(launchId)) break
  if (ev.kind == EventKind.Exit) exitProcess(0)
}
log(argv[1] + ' launched')
if (failing) {
  logError(argv[1] + ': giving up on purpose')
  unreachable()
}
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Exit) break
}
`

/**
 * `count` services in layers: service i requires service (i - 1) / 2 (a binary tree) and,
 * every third one, also service i - 2; the last one fails once launched (after a logError).
 * A main program `watcher` requires the root and keeps running until stopped; `hopeful`
 * requires a name nobody exports, so it waits (five minutes, its launch timeout: longer than the test, on any machine).
 */
export async function graphDeployment(count: number): Promise<string> {
  const dir = join(WORK, 'graph')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'node.wasm'), await compileSource('graph-node', GRAPH_NODE))
  const name = (i: number): string => `s${String(i).padStart(2, '0')}`
  const toml = ['[deployment]', 'name = "graph"', 'launch_timeout_ms = 300000']
  for (let i = 0; i < count; i++) {
    const requires: string[] = []
    if (i > 0) requires.push(`graph.v1.${name(Math.floor((i - 1) / 2))}`)
    if (i > 2 && i % 3 === 0) requires.push(`graph.v1.${name(i - 2)}`)
    if (i === count - 1) requires.push('--fail')
    toml.push(
      `[services.${name(i)}]`,
      'wasm = "node.wasm"',
      `args = ${JSON.stringify([`graph.v1.${name(i)}`, ...requires])}`,
    )
  }
  toml.push(
    '[services.hopeful]',
    'wasm = "node.wasm"',
    'args = ["graph.v1.hopeful", "graph.v1.nobody"]',
    '[services.watcher]',
    'wasm = "node.wasm"',
    'role = "main"',
    `args = ["graph.v1.watcher", "graph.v1.${name(0)}"]`,
  )
  return writeDeployment('graph', toml)
}

/** argv[1]: how many lines to log, as fast as the guest can. */
const FLOOD = `
import { args, log } from '../../../src/guest/runtime'

const n = I32.parseInt(args()[1])
for (let i = 0; i < n; i++) log('flood line ' + i.toString())
`

async function compileSource(name: string, source: string): Promise<Uint8Array> {
  const dir = join(WORK, 'guests')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${name}.ts`)
  await writeFile(file, source)
  return compileAssemblyScript(file)
}

async function writeDeployment(name: string, toml: string[]): Promise<string> {
  const dir = join(WORK, name)
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'deploy.toml')
  await writeFile(file, [...toml, ''].join('\n'))
  return file
}

/** Services `alpha` and `beta`, each requiring what the other exports. */
export async function cycleDeployment(): Promise<string> {
  const dir = join(WORK, 'cycle')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'cycle-node.wasm'), await compileSource('cycle-node', CYCLE_NODE))
  return writeDeployment('cycle', [
    '[deployment]',
    'name = "cycle"',
    'launch_timeout_ms = 2000',
    '[services.alpha]',
    'wasm = "cycle-node.wasm"',
    'args = ["ring.v1.alpha", "ring.v1.beta"]',
    '[services.beta]',
    'wasm = "cycle-node.wasm"',
    'args = ["ring.v1.beta", "ring.v1.alpha"]',
  ])
}

/**
 * An echo server and a client whose calls give log lines of every level the tests filter on:
 * echoes (info), and a call that traps the server (the runner's error lines).
 */
export async function echoDeployment(): Promise<string> {
  const dir = join(WORK, 'echo')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
  await writeFile(join(dir, 'client.wasm'), await compileGuestFixture('test-client'))
  return writeDeployment('echo', [
    '[deployment]',
    'name = "echo"',
    '[services.echo]',
    'wasm = "server.wasm"',
    '[services.client]',
    'wasm = "client.wasm"',
    'role = "main"',
    'args = ["client", "test.v1.echo", "echo:alpha", "echo:beta", "echo:gamma", "trap"]',
  ])
}

/** One main program that logs `lines` lines as fast as it can. */
export async function floodDeployment(lines: number): Promise<string> {
  const dir = join(WORK, 'flood')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'flood.wasm'), await compileSource('flood', FLOOD))
  return writeDeployment('flood', [
    '[deployment]',
    'name = "flood"',
    '[services.flood]',
    'wasm = "flood.wasm"',
    'role = "main"',
    `args = ["${lines}"]`,
  ])
}
