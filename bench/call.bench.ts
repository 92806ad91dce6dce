import { readFileSync } from 'node:fs'
import { createEngine } from '../src/main/engine'
import type { CompiledGuest } from '../src/main/engine'
import { Supervisor } from '../src/main/runner/supervisor'
import { WorkerPool } from '../src/main/runner/worker/worker-pool'
import type { KernelEvent } from '../src/shared/events/kernel-events'
import type { LogRecord } from '../src/shared/log/log-record'
import { compileAssemblyScript, compileGuestFixture } from '../test/helpers/asc'
import { median } from './lib/stats'
import { callCounters, COUNTING, resetCounters } from '../src/main/kernel/transport/call-counters'
import type { Benchmark, BenchResult } from './lib/result'

const CALLS = 10_000
const WARMUP = 1_000
const COLD_STARTS = 15
const ROUNDS = 7

/**
 * call-p50-us / call-p99-us / calls-per-s: a wasm client guest calls a wasm echo server guest,
 * each in its own worker, one call at a time, timed inside the client; compared with the bare
 * worker round trip (floor-worker-roundtrip-us) and, alternating rounds, with the kernel path.
 * call-main-thread-cpu-us: the main thread's CPU time per call while the calls run.
 */
async function calls(): Promise<BenchResult[]> {
  const engine = createEngine()
  const server = await engine.compile(await compileGuestFixture('test-server'), 'test-server.wasm')
  const client = await engine.compile(
    await compileAssemblyScript('bench/guests/call-bench-client.ts'),
    'call-bench-client.wasm',
  )
  // The same client and server, over the worker-to-worker path and over the kernel path,
  // alternating (ROUNDS each) so both see the same machine load; medians of the rounds.
  const direct: CallFigures[] = []
  const viaKernel: CallFigures[] = []
  const traced: CallFigures[] = []
  const captured: CallFigures[] = []
  for (let round = 0; round < ROUNDS; round++) {
    direct.push(await measureCalls(server, client, true))
    traced.push(await measureCalls(server, client, true, true))
    captured.push(await measureCalls(server, client, true, 'capture'))
    viaKernel.push(await measureCalls(server, client, false))
  }
  const med = (runs: CallFigures[], pick: (f: CallFigures) => number) => median(runs.map(pick))
  const setting = `median of ${ROUNDS} rounds x ${CALLS} sequential Echo calls after ${WARMUP} warm-up, guest to guest, each guest in its own worker, small message; worker to worker through shared mailboxes (bounded adaptive spin, then Atomics.wait), kernel told through its notice ring`
  const kernelSetting = `the same rounds, alternating, with directCalls: false (every syscall through the kernel on the main thread)`
  const cpuSetting = `main thread's CPU time (user + system, /proc/self/task/<main tid>/stat; event-loop busy time where there is no /proc) between the client's "bench start" and result lines, per call`
  return [
    {
      id: 'call-p50-us',
      value: med(direct, (f) => f.p50Us),
      unit: 'us',
      better: 'lower',
      setting,
      baseline: 'floor-worker-roundtrip-us',
      targets: [{ kind: 'max-ratio', of: 'floor-worker-roundtrip-us', ratio: 1.5 }],
    },
    {
      id: 'call-p99-us',
      value: med(direct, (f) => f.p99Us),
      unit: 'us',
      better: 'lower',
      setting,
      baseline: 'floor-worker-roundtrip-us',
      targets: [{ kind: 'max-ratio', of: 'floor-worker-roundtrip-us', ratio: 5 }],
    },
    {
      id: 'calls-per-s',
      value: med(direct, (f) => f.callsPerS),
      unit: 'calls/s',
      better: 'higher',
      setting,
      baseline: 'call-kernel-path-calls-per-s',
    },
    {
      id: 'calls-per-s-traced',
      value: med(traced, (f) => f.callsPerS),
      unit: 'calls/s',
      better: 'higher',
      setting: `${setting}; tracing on (every call a span, the guest's call context tracked in its worker), alternating with the untraced rounds`,
      baseline: 'calls-per-s',
      targets: [{ kind: 'min-ratio', of: 'calls-per-s', ratio: 0.9 }],
    },
    {
      id: 'calls-per-s-captured',
      value: med(captured, (f) => f.callsPerS),
      unit: 'calls/s',
      better: 'higher',
      setting: `${setting}; tracing on and every call's request and response captured (<= 4 KiB each, copied in the callee's worker and posted to the main thread), as in a Studio run; alternating with the other rounds`,
      baseline: 'calls-per-s-traced',
    },
    {
      id: 'call-traced-p50-us',
      value: med(traced, (f) => f.p50Us),
      unit: 'us',
      better: 'lower',
      setting: `${setting}; tracing on`,
      baseline: 'call-p50-us',
    },
    {
      id: 'call-captured-p50-us',
      value: med(captured, (f) => f.p50Us),
      unit: 'us',
      better: 'lower',
      setting: `${setting}; tracing on and payloads captured`,
      baseline: 'call-traced-p50-us',
    },
    {
      id: 'call-main-thread-cpu-us',
      value: med(direct, (f) => f.mainCpuUs),
      unit: 'us',
      better: 'lower',
      setting: `${cpuSetting}, worker-to-worker path`,
      targets: [{ kind: 'max', value: 2 }],
    },
    {
      id: 'call-traced-main-thread-cpu-us',
      value: med(traced, (f) => f.mainCpuUs),
      unit: 'us',
      better: 'lower',
      setting: `${cpuSetting}, worker-to-worker path, tracing on (the kernel thread makes each span)`,
      baseline: 'call-main-thread-cpu-us',
    },
    {
      id: 'call-kernel-path-p50-us',
      value: med(viaKernel, (f) => f.p50Us),
      unit: 'us',
      better: 'lower',
      setting: kernelSetting,
      baseline: 'floor-worker-roundtrip-us',
    },
    {
      id: 'call-kernel-path-p99-us',
      value: med(viaKernel, (f) => f.p99Us),
      unit: 'us',
      better: 'lower',
      setting: kernelSetting,
    },
    {
      id: 'call-kernel-path-calls-per-s',
      value: med(viaKernel, (f) => f.callsPerS),
      unit: 'calls/s',
      better: 'higher',
      setting: kernelSetting,
    },
    {
      id: 'call-kernel-path-main-thread-cpu-us',
      value: med(viaKernel, (f) => f.mainCpuUs),
      unit: 'us',
      better: 'lower',
      setting: `${cpuSetting}, kernel path`,
    },
  ]
}

/**
 * call-colocated-p50-us / calls-colocated-per-s: the same client calling an echo server on the
 * SDK's service layer, both guests sharing one worker thread (Supervisor.startGroup): calls stay
 * in the thread. Compared with floor-inthread-call-us (a bare wasm -> host -> wasm call).
 */
async function colocatedCalls(): Promise<BenchResult[]> {
  const engine = createEngine()
  const server = await engine.compile(
    await compileAssemblyScript('bench/guests/echo-sdk-server.ts'),
    'echo-sdk-server.wasm',
  )
  const client = await engine.compile(
    await compileAssemblyScript('bench/guests/call-bench-client.ts'),
    'call-bench-client.wasm',
  )
  const runs: CallFigures[] = []
  for (let round = 0; round < ROUNDS; round++)
    runs.push(await measureCalls(server, client, 'shared'))
  const setting = `median of ${ROUNDS} rounds x ${CALLS} sequential Echo calls after ${WARMUP} warm-up, timed inside the client: client and echo server (SDK service layer) sharing one worker thread, the call queued in the thread and the server pumped by the worker, the kernel told through its notice ring`
  return [
    {
      id: 'call-colocated-p50-us',
      value: median(runs.map((f) => f.p50Us)),
      unit: 'us',
      better: 'lower',
      setting,
      baseline: 'floor-inthread-call-us',
      targets: [{ kind: 'max-ratio', of: 'floor-inthread-call-us', ratio: 3 }],
    },
    {
      id: 'calls-colocated-per-s',
      value: median(runs.map((f) => f.callsPerS)),
      unit: 'calls/s',
      better: 'higher',
      setting,
      baseline: 'calls-per-s',
      targets: [{ kind: 'min', value: 200_000 }],
    },
  ]
}

async function coldStarts(): Promise<BenchResult[]> {
  const engine = createEngine()
  const server = await engine.compile(await compileGuestFixture('test-server'), 'test-server.wasm')
  const warm = new WorkerPool(1)
  const pooled = await measureColdStarts(server, warm, true)
  await warm.close()
  const fresh = await measureColdStarts(server, new WorkerPool(0), false)
  return [
    {
      id: 'cold-start-ms',
      value: median(pooled),
      unit: 'ms',
      better: 'lower',
      setting: `median of ${COLD_STARTS}: compiled module -> service running (pre-started pool worker, instantiate, register/export/bind/launch)`,
      targets: [{ kind: 'max', value: 5 }],
    },
    {
      id: 'cold-start-new-worker-ms',
      value: median(fresh),
      unit: 'ms',
      better: 'lower',
      setting: `median of ${COLD_STARTS}: the same with no pool (a new worker thread is started and loads its script)`,
    },
  ]
}

export const callBenchmark: Benchmark = {
  name: 'calls between guests',
  measurements: [
    {
      ids: [
        'call-p50-us',
        'call-p99-us',
        'calls-per-s',
        'calls-per-s-traced',
        'call-traced-main-thread-cpu-us',
        'calls-per-s-captured',
        'call-traced-p50-us',
        'call-captured-p50-us',
        'call-main-thread-cpu-us',
        'call-kernel-path-*',
      ],
      run: calls,
    },
    { ids: ['call-colocated-p50-us', 'calls-colocated-per-s'], run: colocatedCalls },
    { ids: ['cold-start-ms', 'cold-start-new-worker-ms'], run: coldStarts },
  ],
}

interface CallFigures {
  readonly p50Us: number
  readonly p99Us: number
  readonly callsPerS: number
  /** Main-thread busy time per measured call. */
  readonly mainCpuUs: number
}

/** One deployment (echo server + bench client), one client run; its figures. */
async function measureCalls(
  server: CompiledGuest,
  client: CompiledGuest,
  /** true: worker to worker; false: through the kernel; 'shared': both in one worker. */
  path: boolean | 'shared',
  /** 'capture': tracing, and each call's request and response captured (a Studio run). */
  tracing: boolean | 'capture' = false,
): Promise<CallFigures> {
  let payloads = 0
  let spans = 0
  const logs: LogRecord[] = []
  resetCounters()
  let busyAtStart: number | undefined
  let busy: number | undefined
  const supervisor = new Supervisor({
    logSink: (r) => {
      if (r.source === 'bench' && r.message === 'bench start') busyAtStart = mainThreadCpuMs()
      else if (
        r.source === 'bench' &&
        r.message.startsWith('bench n=') &&
        busyAtStart !== undefined
      )
        busy = mainThreadCpuMs() - busyAtStart
      logs.push(r)
    },
    directCalls: path !== false,
    tracing: tracing !== false,
    // A consumer, as every traced run has (the Studio's trace desk, a trace file, OTLP): the
    // collector keeps no spans itself.
    ...(tracing !== false ? { onSpan: () => void spans++ } : {}),
    ...(tracing === 'capture' ? { onPayload: () => void payloads++ } : {}),
  })
  try {
    const benchSpec = {
      name: 'bench',
      compiled: client,
      args: ['test.v1.echo', String(CALLS), String(WARMUP)],
    }
    let bench
    if (path === 'shared') {
      ;[, bench] = await supervisor.startGroup([{ name: 'echo', compiled: server }, benchSpec])
      if (bench === undefined) throw new Error('startGroup returned no bench guest')
    } else {
      await supervisor.start({ name: 'echo', compiled: server })
      bench = await supervisor.start(benchSpec)
    }
    const ending = await bench.ended
    const line = logs.find((r) => r.source === 'bench' && r.message.startsWith('bench n='))
    if (ending.kind !== 'exited' || ending.code !== 0 || line === undefined) {
      throw new Error(
        `bench client ended ${JSON.stringify(ending)}:\n${logs.map((r) => `${r.source}: ${r.message}`).join('\n')}`,
      )
    }
    if (tracing !== false && spans < CALLS)
      throw new Error(`only ${spans} spans for ${CALLS + WARMUP} traced calls`)
    if (tracing === 'capture' && payloads < CALLS)
      throw new Error(`only ${payloads} of ${CALLS + WARMUP} calls' payloads arrived`)
    const value = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line.message)?.[1])
    return {
      p50Us: value('p50_ns') / 1000,
      p99Us: value('p99_ns') / 1000,
      callsPerS: CALLS / (value('total_ns') / 1e9),
      mainCpuUs: busy === undefined ? NaN : (busy * 1000) / CALLS,
    }
  } finally {
    await supervisor.stopAll(1000)
    await supervisor.close()
    if (COUNTING) printCounters(path, tracing, logs)
  }
}

/**
 * The main thread's CPU time so far (ms): utime + stime of its task in /proc (its tid is the
 * process id), in clock ticks of 10 ms, so over a run of 10,000 calls it is exact to a few
 * percent. Event-loop utilisation counts a thread that is runnable but descheduled as busy, which
 * on a loaded two-core machine said twice the real figure. Without /proc: the event loop's busy time.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return performance.eventLoopUtilization().active
  }
}

/**
 * PARIGOT_CALL_COUNTERS=1: what each call cost in thread hops, per thread (every syscall of the
 * run, start-up included, divided by the calls made: warm-up and measured).
 */
function printCounters(
  path: boolean | 'shared',
  tracing: boolean | 'capture',
  logs: readonly LogRecord[],
) {
  const perCall = (counts: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, Math.round((v / (CALLS + WARMUP)) * 1000) / 1000]),
    )
  const name = path === 'shared' ? 'co-located' : path ? 'worker to worker' : 'kernel path'
  console.error(
    `per call, ${name}${tracing === 'capture' ? ', traced, payloads captured' : tracing ? ', traced' : ''}:`,
  )
  for (const r of logs) {
    if (!r.message.startsWith('counters ')) continue
    const counts = JSON.parse(r.message.slice('counters '.length)) as Record<string, number>
    console.error(`  worker of ${r.source}: ${JSON.stringify(perCall(counts))}`)
  }
  console.error(`  kernel thread: ${JSON.stringify(perCall(callCounters()))}`)
}

async function measureColdStarts(
  server: CompiledGuest,
  workers: WorkerPool,
  prewarm: boolean,
): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    // A pooled start takes a worker that has loaded and warmed up.
    if (prewarm) await workers.filled()
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
