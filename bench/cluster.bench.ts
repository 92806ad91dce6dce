// call-remote-p50-us: a wasm client guest on one host calls the wasm echo server on another host
// of the same deployment, over a real nats-server (loopback, JetStream), one call at a time,
// timed inside the client; next to floor-nats-request-us, a raw NATS request/reply carrying the
// same envelope bytes each way, measured in the same run (alternating rounds).
// The serving host is its own process, as users run it (`node out/main/cli.js run deploy.toml
// --host server`, out/ rebuilt first when stale); the calling host runs here, so the bench reads
// the client's timings. BENCH_SERVER_IN_PROCESS=1 runs both hosts in this process instead (the
// setting before; one main thread serves both kernels and both NATS connections), and
// BENCH_SERVER_NODE_ARGS passes node options to the serving process (e.g. `--cpu-prof`).
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { create } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { connect } from '@nats-io/transport-node'
import { ClusterNode } from '../src/main/cluster/cluster-node'
import { encodeCall, okResult } from '../src/main/cluster/envelope'
import { createLogger } from '../src/main/engine/logger'
import { createEngine } from '../src/main/engine'
import type { CompiledGuest } from '../src/main/engine'
import { Supervisor } from '../src/main/runner/supervisor'
import type { LogRecord } from '../src/shared/log/log-record'
import { compileAssemblyScript, compileGuestFixture } from '../test/helpers/asc'
import { startNatsServer } from '../test/helpers/nats-server'
import { ensureBuilt } from '../scripts/ensure-built.mjs'
import { timeCallingHandOff } from './fixtures/worker-hand-off.mjs'
import { startEchoResponder } from './lib/echo-responder'
import { median, percentile } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const CALLS = 2_000
const WARMUP = 300
const ROUNDS = 3
const CLI = join(import.meta.dirname, '..', 'out', 'main', 'cli.js')
const IN_PROCESS = process.env.BENCH_SERVER_IN_PROCESS === '1'

/** One host: a supervisor joined to the cluster as `host`. */
async function startHost(url: string, host: string, logs: LogRecord[]) {
  const logSink = (r: LogRecord) => logs.push(r)
  const late: { node?: ClusterNode } = {}
  const supervisor = new Supervisor({
    logSink,
    cluster: true,
    onEvent: (e) => late.node?.onKernelEvent(e),
  })
  const node = await ClusterNode.start({
    config: { nats: url, requireCredentials: false },
    deployment: 'bench',
    host,
    access: {
      kernel: supervisor.kernel,
      virtualHost: (name, onWake) => supervisor.virtualHost(name, onWake),
      flush: () => supervisor.flush(),
    },
    logger: createLogger('cluster', logSink),
  })
  late.node = node
  return { supervisor, node }
}

/**
 * The serving host as a user runs it: `parigot run deploy.toml --host server`, its own process
 * (so its NATS reads never wait behind the calling host's kernel work), until `stop` is called.
 */
async function startServerProcess(
  url: string,
  dir: string,
  wasm: Uint8Array,
): Promise<ServingHost> {
  await writeFile(join(dir, 'server.wasm'), wasm)
  const config = join(dir, 'deploy.toml')
  await writeFile(
    config,
    `[deployment]\nname = "bench"\n[cluster]\nnats = "${url}"\n[services.echo]\nwasm = "server.wasm"\nhost = "server"\n`,
  )
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? []
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'run', config, '--host', 'server'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

interface ServingHost {
  output(): string
  stop(): Promise<void>
}

/** The serving host in this process (the setting before: both hosts on one main thread). */
async function startServerInProcess(url: string, wasm: CompiledGuest): Promise<ServingHost> {
  const logs: LogRecord[] = []
  const a = await startHost(url, 'server', logs)
  await a.supervisor.start({ name: 'echo', compiled: wasm })
  return {
    output: () => logs.map((r) => `${r.source}: ${r.message}`).join('\n'),
    stop: async () => {
      await a.supervisor.stopAll(1000)
      await a.node.close()
      await a.supervisor.close()
    },
  }
}

async function remoteRound(url: string, client: CompiledGuest, serving: ServingHost) {
  const logs: LogRecord[] = []
  const b = await startHost(url, 'client', logs)
  try {
    const bench = await b.supervisor.start({
      name: 'bench',
      compiled: client,
      args: ['test.v1.echo', String(CALLS), String(WARMUP)],
    })
    const ending = await bench.ended
    const line = logs.find((r) => r.source === 'bench' && r.message.startsWith('bench n='))
    if (ending.kind !== 'exited' || ending.code !== 0 || line === undefined)
      throw new Error(
        `bench client ended ${JSON.stringify(ending)}:\n${logs.map((r) => `${r.source}: ${r.message}`).join('\n')}\nserving host:\n${serving.output()}`,
      )
    return Number(/p50_ns=(\d+)/.exec(line.message)?.[1]) / 1000
  } finally {
    await b.supervisor.stopAll(1000)
    await b.node.close()
    await b.supervisor.close()
    await serving.stop()
  }
}

/** A remote Echo call's envelope and its answer, as bytes. */
function echoEnvelopes() {
  const param = create(AnySchema, {
    typeUrl: 'type.googleapis.com/test.v1.Text',
    value: new TextEncoder().encode('echo:x'),
  })
  const request = encodeCall({
    service: 'test.v1.echo',
    method: 'Echo',
    callId: 'cal-000000000000000000-0000000000000000',
    caller: 'client',
    traceparent: '',
    timeoutMs: 3000,
    param,
  })
  const reply = okResult('cal-000000000000000000-0000000000000000', 'server', param, 0)
  return { request, reply }
}

/** p50 of sequential `floor.echo` requests from a connection of this process. */
async function timeRequests(url: string, request: Uint8Array): Promise<number> {
  const requester = await connect({ servers: url })
  try {
    const samples: number[] = []
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const start = process.hrtime.bigint()
      await requester.request('floor.echo', request, { timeout: 3000 })
      if (i >= WARMUP) samples.push(Number(process.hrtime.bigint() - start) / 1000)
    }
    return percentile(samples, 50)
  } finally {
    await requester.close()
  }
}

/** The same envelopes as a remote Echo call and its answer, over a bare request/reply. */
async function natsRound(url: string): Promise<number> {
  const { request, reply } = echoEnvelopes()
  const responder = await connect({ servers: url })
  try {
    responder.subscribe('floor.echo', {
      callback: (_err, msg) => {
        msg.respond(reply)
      },
    })
    await responder.flush()
    return await timeRequests(url, request)
  } finally {
    await responder.close()
  }
}

/**
 * The same, with the responder in its own process, as the serving host of a remote call is: the
 * request and the reply each wake another process, where in natsRound one event loop serves both
 * ends.
 */
async function natsCrossProcessRound(url: string): Promise<number> {
  const { request, reply } = echoEnvelopes()
  const stop = await startEchoResponder(url, reply, false)
  try {
    return await timeRequests(url, request)
  } finally {
    await stop()
  }
}

/**
 * The same again, with each end's bytes handed between a worker thread and its process's main
 * thread (bench/fixtures/worker-hand-off.mjs), as a guest's are: the request is timed in the
 * calling worker, the answer made in a worker of the responder's process. These are the four
 * socket hops and four thread wake-ups any design pays whose guests run in workers behind the
 * thread that holds the NATS connection, with none of parigot's work.
 */
async function natsViaWorkersRound(url: string): Promise<number> {
  const { request, reply } = echoEnvelopes()
  const stop = await startEchoResponder(url, reply, true)
  const requester = await connect({ servers: url })
  try {
    const { samples } = await timeCallingHandOff(
      async (bytes: Uint8Array) =>
        (await requester.request('floor.echo', bytes, { timeout: 3000 })).data,
      request,
      WARMUP + CALLS,
      WARMUP,
    )
    return percentile(samples, 50)
  } finally {
    await requester.close()
    await stop()
  }
}

async function remoteCalls(): Promise<BenchResult[]> {
  const engine = createEngine()
  if (!IN_PROCESS)
    await ensureBuilt({ notice: (why) => console.error(`bench: ${why}; building out/`) })
  const serverWasm = await compileGuestFixture('test-server')
  const server = await engine.compile(serverWasm, 'test-server.wasm')
  const dir = await mkdtemp(join(tmpdir(), 'parigot-bench-cluster-'))
  const client = await engine.compile(
    await compileAssemblyScript('bench/guests/call-bench-client.ts'),
    'call-bench-client.wasm',
  )
  const nats = await startNatsServer()
  try {
    const remote: number[] = []
    const floor: number[] = []
    const crossProcess: number[] = []
    const viaWorkers: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      floor.push(await natsRound(nats.url))
      crossProcess.push(await natsCrossProcessRound(nats.url))
      viaWorkers.push(await natsViaWorkersRound(nats.url))
      const serving = IN_PROCESS
        ? await startServerInProcess(nats.url, server)
        : await startServerProcess(nats.url, dir, serverWasm)
      remote.push(await remoteRound(nats.url, client, serving))
    }
    const hosts = IN_PROCESS
      ? 'two supervisors and two NATS connections in one process'
      : 'host "server" its own process, `parigot run deploy.toml --host server`'
    const setting = `median of ${ROUNDS} rounds x ${CALLS} sequential Echo calls after ${WARMUP} warm-up, wasm guest on host "client" to wasm guest on host "server" (${hosts}), nats-server ${nats.url} on loopback`
    return [
      {
        id: 'floor-nats-request-us',
        value: median(floor),
        unit: 'us',
        better: 'lower',
        setting: `median of ${ROUNDS} rounds x ${CALLS} sequential requests after ${WARMUP} warm-up, raw NATS request/reply (two connections, one process) carrying the same RemoteCall / RemoteResult bytes as a remote Echo, alternating with the remote rounds`,
      },
      {
        id: 'floor-nats-request-cross-process-us',
        value: median(crossProcess),
        unit: 'us',
        better: 'lower',
        setting: `the same as floor-nats-request-us with the responder a bare NATS client in its own process (bench/fixtures/nats-echo-responder.mjs), as the serving host is, alternating with the remote rounds`,
        baseline: 'floor-nats-request-us',
      },
      {
        id: 'floor-nats-request-via-workers-us',
        value: median(viaWorkers),
        unit: 'us',
        better: 'lower',
        setting: `the same as floor-nats-request-cross-process-us with each end behind a worker thread, as a guest is (bench/fixtures/worker-hand-off.mjs): the request made and timed in a worker blocked in Atomics.wait, handed to its main thread (Atomics.waitAsync) which sends it; the answer made in a worker of the responder's process; alternating with the remote rounds`,
        baseline: 'floor-nats-request-us',
        alsoAgainst: ['floor-nats-request-cross-process-us'],
      },
      {
        id: 'call-remote-p50-us',
        value: median(remote),
        unit: 'us',
        better: 'lower',
        setting,
        baseline: 'floor-nats-request-us',
        alsoAgainst: ['floor-nats-request-cross-process-us', 'floor-nats-request-via-workers-us'],
        targets: [{ kind: 'max-ratio', of: 'floor-nats-request-us', ratio: 1.5 }],
      },
    ]
  } finally {
    await nats.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

export const clusterBenchmark: Benchmark = {
  name: 'calls between hosts (NATS)',
  measurements: [
    {
      ids: [
        'floor-nats-request-us',
        'floor-nats-request-cross-process-us',
        'floor-nats-request-via-workers-us',
        'call-remote-p50-us',
      ],
      run: remoteCalls,
    },
  ],
}
