import { createEngine } from '../src/main/engine'
import type { CompiledGuest } from '../src/main/engine'
import { Supervisor } from '../src/main/runner/supervisor'
import { WorkerPool } from '../src/main/runner/worker/worker-pool'
import type { KernelEvent } from '../src/shared/events/kernel-events'
import type { LogRecord } from '../src/shared/log/log-record'
import { compileAssemblyScript, compileGuestFixture } from '../test/helpers/asc'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const CALLS = 10_000
const WARMUP = 1_000
const COLD_STARTS = 15

/**
 * call-p50-us / call-p99-us / calls-per-s: a wasm client guest calls a wasm echo server guest
 * through the kernel, each in its own worker, one call at a time, timed inside the client.
 * cold-start-ms: a compiled module until its service is running (worker start included).
 */
export const callBenchmark: Benchmark = {
  name: 'calls between guests',
  async run(): Promise<BenchResult[]> {
    const engine = createEngine()
    const server = await engine.compile(
      await compileGuestFixture('test-server'),
      'test-server.wasm',
    )
    const client = await engine.compile(
      await compileAssemblyScript('bench/guests/call-bench-client.ts'),
      'call-bench-client.wasm',
    )

    const logs: LogRecord[] = []
    const supervisor = new Supervisor({ logSink: (r) => logs.push(r) })
    try {
      await supervisor.start({ name: 'echo', compiled: server })
      const bench = await supervisor.start({
        name: 'bench',
        compiled: client,
        args: ['test.v1.echo', String(CALLS), String(WARMUP)],
      })
      const ending = await bench.ended
      const line = logs.find((r) => r.source === 'bench' && r.message.startsWith('bench n='))
      if (ending.kind !== 'exited' || ending.code !== 0 || line === undefined) {
        throw new Error(
          `bench client ended ${JSON.stringify(ending)}:\n${logs.map((r) => `${r.source}: ${r.message}`).join('\n')}`,
        )
      }
      const value = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line.message)?.[1])
      const setting = `${CALLS} sequential Echo calls after ${WARMUP} warm-up, guest to guest, each guest in its own worker, kernel on the main thread (Atomics.waitAsync, then polls channels for 50 us after each request), small message`
      const warm = new WorkerPool(1)
      const coldStarts = await measureColdStarts(server, warm, true)
      await warm.close()
      const freshStarts = await measureColdStarts(server, new WorkerPool(0), false)
      return [
        {
          id: 'call-p50-us',
          value: value('p50_ns') / 1000,
          unit: 'us',
          better: 'lower',
          setting,
          target: '<= 10 us (DESIGN 9)',
        },
        { id: 'call-p99-us', value: value('p99_ns') / 1000, unit: 'us', better: 'lower', setting },
        {
          id: 'calls-per-s',
          value: CALLS / (value('total_ns') / 1e9),
          unit: 'calls/s',
          better: 'higher',
          setting,
        },
        {
          id: 'cold-start-ms',
          value: median(coldStarts),
          unit: 'ms',
          better: 'lower',
          setting: `median of ${COLD_STARTS}: compiled module -> service running (pre-started pool worker, instantiate, register/export/bind/launch)`,
          target: '<= 5 ms (DESIGN 9)',
        },
        {
          id: 'cold-start-new-worker-ms',
          value: median(freshStarts),
          unit: 'ms',
          better: 'lower',
          setting: `median of ${COLD_STARTS}: the same with no pool (a new worker thread is started and loads its script)`,
        },
      ]
    } finally {
      await supervisor.stopAll(1000)
      supervisor.close()
    }
  },
}

async function measureColdStarts(
  server: CompiledGuest,
  workers: WorkerPool,
  prewarm: boolean,
): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    if (prewarm) {
      workers.refill()
      await new Promise((r) => setTimeout(r, 300)) // let the pool's worker finish loading
    }
    let running: (() => void) | undefined
    const isRunning = new Promise<void>((resolve) => (running = resolve))
    const supervisor = new Supervisor({
      workers,
      logSink: () => undefined,
      onEvent: (e: KernelEvent) => {
        if (e.type === 'service-state' && e.state === 'running') running?.()
      },
    })
    const start = performance.now()
    await supervisor.start({ name: `cold${i}`, compiled: server })
    await isRunning
    samples.push(performance.now() - start)
    await supervisor.stopAll(1000)
    supervisor.close()
  }
  return samples
}
