// A 50-service deployment started and stopped five times through the Studio session (as the
// bridge's deployment.run / deployment.stop do): every stop ends within the bound, and threads
// and memory come back to where they were.
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import { StudioSession } from '../../src/main/bridge/session'
import { TERMINATE_WAIT_MS } from '../../src/main/runner/supervisor'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { compileGuestFixture } from '../helpers/asc'
import { writeDeployment } from './helpers'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const SERVICES = 50
const ROUNDS = 5
const STOP_GRACE_MS = 1000

/** Threads of this process (the guests' workers among them). */
function threadCount(): number {
  return readdirSync('/proc/self/task').length
}

async function settled<T>(read: () => T, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const start = Date.now()
  let value = read()
  while (!done(value) && Date.now() - start < ms) {
    await new Promise((r) => setTimeout(r, 50))
    value = read()
  }
  return value
}

it(`starts and stops ${SERVICES} services ${ROUNDS} times: bounded stops, threads and memory back to baseline`, async () => {
  const toml = [`[deployment]`, `name = "many"`, `stop_grace_ms = ${STOP_GRACE_MS}`, '']
  for (let i = 0; i < SERVICES; i++) {
    toml.push(`[services.s${i}]`, `wasm = "server.wasm"`, `args = ["test.v1", "svc${i}"]`, '')
  }
  const { dir, file } = await writeDeployment(toml.join('\n'), {
    'server.wasm': await compileGuestFixture('test-server'),
  })
  const session = new StudioSession({
    version: 'test',
    dataDir: dir,
    roots: await WorkspaceRoots.create([tmpdir()]),
  })
  try {
    await session.open(file)
    const baseThreads = threadCount()
    const stops: number[] = []
    const threads: number[] = []
    const heaps: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      await session.run()
      const running = await settled(
        () => session.graph().nodes.filter((n) => n.state === 'running').length,
        (n) => n === SERVICES,
        60_000,
      )
      expect(running).toBe(SERVICES)
      const start = Date.now()
      await session.stop()
      stops.push(Date.now() - start)
      expect(session.status().state).toBe('stopped')
      expect(session.graph().nodes.filter((n) => n.state === 'running')).toEqual([])
      gc()
      threads.push(await settled(threadCount, (n) => n <= baseThreads + 2))
      heaps.push(process.memoryUsage().heapUsed)
    }
    console.log(
      `${SERVICES} services x ${ROUNDS}: stops ${stops.join(', ')} ms; threads ${baseThreads} -> ${threads.join(', ')}; heap ${heaps.map((h) => (h / 1e6).toFixed(1)).join(', ')} MB`,
    )
    // Each stop: the guests' grace, then termination (TERMINATE_WAIT_MS at most for a thread to
    // end), plus a margin for 50 threads' teardown on a loaded 2-core machine.
    for (const ms of stops) expect(ms).toBeLessThan(STOP_GRACE_MS + TERMINATE_WAIT_MS + 5000)
    // Idle pool workers may stay (2), nothing else.
    for (const n of threads) expect(n).toBeLessThanOrEqual(baseThreads + 2)
    expect((heaps.at(-1) as number) - (heaps[0] as number)).toBeLessThan(20e6)
  } finally {
    await session.close()
  }
}, 300_000)
