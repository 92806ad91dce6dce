import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Deployment } from '../src/main/runner/deployment'
import { loadDeployConfig } from '../src/main/runner/load-config'
import { compileGuestFixture } from '../test/helpers/asc'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const REPO = fileURLToPath(new URL('../', import.meta.url))
const CLI = join(REPO, 'out/main/cli.js')
const HELLOWORLD = join(REPO, 'examples/helloworld/deploy.toml')
const START_REPEATS = 3
const PROCESS_REPEATS = 7
const RSS_SERVICES = 20

function leb128(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

/** The same guest made a distinct module (its own bytes, its own compile): a custom section. */
function distinctModule(wasm: Uint8Array, tag: string): Uint8Array {
  const name = Buffer.from('parigot-bench')
  const payload = Buffer.from(tag)
  const body = [...leb128(name.length), ...name, ...payload]
  return Buffer.concat([wasm, Buffer.from([0, ...leb128(body.length), ...body])])
}

/**
 * A deploy config of `n` trivial servers (the echo test server, each under its own service
 * name) in a fresh directory, each .wasm distinct so nothing is shared or cached between them.
 */
async function writeServers(n: number, tag: string): Promise<{ dir: string; file: string }> {
  const wasm = await compileGuestFixture('test-server')
  const dir = mkdtempSync(join(tmpdir(), 'parigot-start-bench-'))
  let toml = `[deployment]\nname = "start-bench"\n`
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, `s${i}.wasm`), distinctModule(wasm, `${tag}-${i}`))
    toml += `\n[services.s${i}]\nwasm = "s${i}.wasm"\nargs = ["bench.s${i}.v1", "echo"]\n`
  }
  const file = join(dir, 'deploy.toml')
  writeFileSync(file, toml)
  return { dir, file }
}

/** Milliseconds from loading the config until every one of its `n` services is running. */
async function startOnce(n: number, tag: string): Promise<number> {
  const { dir, file } = await writeServers(n, tag)
  try {
    const started = performance.now()
    const loaded = await loadDeployConfig(file)
    if (loaded.config === undefined) {
      throw new Error(`bench config invalid: ${JSON.stringify(loaded.diagnostics)}`)
    }
    const running = new Set<string>()
    const logs: string[] = []
    let allRunning: (() => void) | undefined
    const ready = new Promise<void>((resolve) => (allRunning = resolve))
    const deployment = new Deployment(
      { ...loaded.config, dataDir: join(dir, 'data') },
      {
        mode: 'run',
        onLog: (r) => logs.push(`${r.source}: ${r.message}`),
        onEvent: (e) => {
          if (e.type === 'service-state' && e.state === 'running') {
            running.add(e.name)
            if (running.size === n) allRunning?.()
          }
        },
      },
    )
    const ran = deployment.run()
    const ended = ran.then((code) => {
      throw new Error(
        `deployment ended (${code}) with ${running.size}/${n} running:\n${logs.join('\n')}`,
      )
    })
    await Promise.race([ready, ended])
    const ms = performance.now() - started
    await deployment.stop()
    await ran
    return ms
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function startServices(n: number): Promise<BenchResult[]> {
  const samples: number[] = []
  for (let r = 0; r < START_REPEATS; r++)
    samples.push(await startOnce(n, `${n}-${r}-${Date.now()}`))
  const targets = { 10: 1000, 50: 3000 } as Record<number, number>
  const target = targets[n]
  return [
    {
      id: `start-${n}-service${n === 1 ? '' : 's'}-ms`,
      value: median(samples),
      unit: 'ms',
      better: 'lower',
      setting: `median of ${START_REPEATS}, in the bench process: load the deploy config of ${n} trivial servers (the echo test server, each a distinct .wasm), compile, start, until every service-state event says running`,
      ...(target === undefined ? {} : { targets: [{ kind: 'max' as const, value: target }] }),
      detail: { samples: samples.map((s) => s.toFixed(1)).join(' ') },
    },
  ]
}

/** Wall time of a whole process, spawned to exited; throws on a non-zero exit. */
function timeProcess(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += String(d)))
    child.stderr.on('data', (d: Buffer) => (output += String(d)))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      const ms = performance.now() - started
      if (code === 0) resolve(ms)
      else reject(new Error(`node ${args.join(' ')} exited ${code ?? signal}:\n${output}`))
    })
  })
}

function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`)
  const wasm = join(REPO, 'examples/helloworld/build/main.wasm')
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run npm run build:examples`)
}

/** The built CLI as whole processes, alternating with a bare `node -e 0` (the floor). */
async function cliProcesses(): Promise<BenchResult[]> {
  requireBuilt()
  const floor: number[] = []
  const validate: number[] = []
  const hello: number[] = []
  await timeProcess(['-e', '0']) // warm the file cache
  await timeProcess([CLI, 'validate', HELLOWORLD])
  for (let i = 0; i < PROCESS_REPEATS; i++) {
    floor.push(await timeProcess(['-e', '0']))
    validate.push(await timeProcess([CLI, 'validate', HELLOWORLD]))
    hello.push(await timeProcess([CLI, 'run', HELLOWORLD]))
  }
  const setting = `median of ${PROCESS_REPEATS}, alternating, wall time from spawn to exit`
  return [
    {
      id: 'floor-node-process-ms',
      value: median(floor),
      unit: 'ms',
      better: 'lower',
      setting: `${setting}: node -e 0`,
    },
    {
      id: 'cli-validate-ms',
      value: median(validate),
      unit: 'ms',
      better: 'lower',
      setting: `${setting}: node out/main/cli.js validate examples/helloworld/deploy.toml`,
      baseline: 'floor-node-process-ms',
      targets: [{ kind: 'max', value: 250 }],
    },
    {
      id: 'cli-run-helloworld-ms',
      value: median(hello),
      unit: 'ms',
      better: 'lower',
      setting: `${setting}: node out/main/cli.js run examples/helloworld/deploy.toml (prints bonjour, world, exits 0)`,
      baseline: 'floor-node-process-ms',
      targets: [{ kind: 'max', value: 450 }],
    },
  ]
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(kb)
}

/** RSS of `parigot run` (built CLI) once its `n` idle servers all log that they run. */
async function cliRssWith(n: number): Promise<number> {
  const { dir, file } = await writeServers(n, `rss-${n}-${Date.now()}`)
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'run', file], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      let running = 0
      let settle: NodeJS.Timeout | undefined
      const onData = (d: Buffer) => {
        const text = String(d)
        output += text
        running += text.split('\n').filter((l) => /: running$/.test(l)).length
        if (running === n && settle === undefined) {
          // Idle: let start-up garbage be collected and pool refills finish before sampling.
          settle = setTimeout(() => {
            try {
              resolve(rssKb(child.pid as number))
            } catch (err) {
              reject(err as Error)
            }
            child.kill('SIGINT')
          }, 1500)
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        clearTimeout(settle)
        if (running < n)
          reject(
            new Error(
              `parigot run exited ${code ?? signal} with ${running}/${n} running:\n${output}`,
            ),
          )
      })
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function idleWorkerRss(): Promise<BenchResult[]> {
  requireBuilt()
  const one = await cliRssWith(1)
  const many = await cliRssWith(RSS_SERVICES + 1)
  return [
    {
      id: 'idle-worker-rss-mb',
      value: (many - one) / RSS_SERVICES / 1024,
      unit: 'MB',
      better: 'lower',
      setting: `(RSS of parigot run with ${RSS_SERVICES + 1} idle echo servers - RSS with 1) / ${RSS_SERVICES}, built CLI, sampled 1.5 s after every server logged running; each server a distinct .wasm`,
      targets: [{ kind: 'max', value: 10 }],
      detail: { rssOneMb: (one / 1024).toFixed(1), rssManyMb: (many / 1024).toFixed(1) },
    },
  ]
}

/** Issue 14 section 5: start-up figures. */
export const startupBenchmark: Benchmark = {
  name: 'start-up',
  measurements: [
    { ids: ['start-1-service-ms'], run: () => startServices(1) },
    { ids: ['start-10-services-ms'], run: () => startServices(10) },
    { ids: ['start-50-services-ms'], run: () => startServices(50), timeoutMs: 300_000 },
    {
      ids: ['floor-node-process-ms', 'cli-validate-ms', 'cli-run-helloworld-ms'],
      run: cliProcesses,
    },
    { ids: ['idle-worker-rss-mb'], run: idleWorkerRss },
  ],
}
