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
const ROUNDS = 3

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

    // The same client and server, over the worker-to-worker path and over the kernel path,
    // alternating (ROUNDS each) so both see the same machine load; medians of the rounds.
    const direct: CallFigures[] = []
    const viaKernel: CallFigures[] = []
    for (let round = 0; round < ROUNDS; round++) {
      direct.push(await measureCalls(server, client, true))
      viaKernel.push(await measureCalls(server, client, false))
    }
    const med = (runs: CallFigures[], pick: (f: CallFigures) => number) => median(runs.map(pick))
    const p50 = med(direct, (f) => f.p50Us)
    const p99 = med(direct, (f) => f.p99Us)
    const rate = med(direct, (f) => f.callsPerS)
    const setting = `median of ${ROUNDS} rounds x ${CALLS} sequential Echo calls after ${WARMUP} warm-up, guest to guest, each guest in its own worker, small message; worker to worker through shared mailboxes (bounded adaptive spin, then Atomics.wait), kernel told through its notice ring`
    const kernelSetting = `the same rounds, alternating, with directCalls: false (every syscall through the kernel on the main thread: Atomics.waitAsync, then polls channels for 50 us after each request)`
    const warm = new WorkerPool(1)
    const coldStarts = await measureColdStarts(server, warm, true)
    await warm.close()
    const freshStarts = await measureColdStarts(server, new WorkerPool(0), false)
    const k50 = med(viaKernel, (f) => f.p50Us)
    const k99 = med(viaKernel, (f) => f.p99Us)
    const kRate = med(viaKernel, (f) => f.callsPerS)
    return [
      {
        id: 'call-p50-us',
        value: p50,
        unit: 'us',
        better: 'lower',
        setting,
        baseline: { id: 'call-kernel-path-p50-us', value: k50 },
        target: '<= 10 us (DESIGN 9)',
      },
      {
        id: 'call-p99-us',
        value: p99,
        unit: 'us',
        better: 'lower',
        setting,
        baseline: { id: 'call-kernel-path-p99-us', value: k99 },
      },
      {
        id: 'calls-per-s',
        value: rate,
        unit: 'calls/s',
        better: 'higher',
        setting,
        baseline: { id: 'call-kernel-path-calls-per-s', value: kRate },
      },
      {
        id: 'call-kernel-path-p50-us',
        value: k50,
        unit: 'us',
        better: 'lower',
        setting: kernelSetting,
      },
      {
        id: 'call-kernel-path-p99-us',
        value: k99,
        unit: 'us',
        better: 'lower',
        setting: kernelSetting,
      },
      {
        id: 'call-kernel-path-calls-per-s',
        value: kRate,
        unit: 'calls/s',
        better: 'higher',
        setting: kernelSetting,
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
  },
}

interface CallFigures {
  readonly p50Us: number
  readonly p99Us: number
  readonly callsPerS: number
}

/** One deployment (echo server + bench client), one client run; its figures. */
async function measureCalls(
  server: CompiledGuest,
  client: CompiledGuest,
  directCalls: boolean,
): Promise<CallFigures> {
  const logs: LogRecord[] = []
  const supervisor = new Supervisor({ logSink: (r) => logs.push(r), directCalls })
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
    return {
      p50Us: value('p50_ns') / 1000,
      p99Us: value('p99_ns') / 1000,
      callsPerS: CALLS / (value('total_ns') / 1e9),
    }
  } finally {
    await supervisor.stopAll(1000)
    await supervisor.close()
  }
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
    await supervisor.close()
  }
  return samples
}
