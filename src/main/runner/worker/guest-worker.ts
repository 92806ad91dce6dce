// The entry point of one guest's worker thread. The worker starts idle (so a pool can start
// it ahead of time), receives one `run` message, instantiates the guest against WASI and the
// forwarding `parigot.*` imports, runs its entry point and reports how it ended.
import { parentPort } from 'node:worker_threads'
import { describeCompiled } from '../../engine/compile'
import { createEngine } from '../../engine/engine'
import type { WasmImport } from '../../engine/host-function'
import type { GuestInstance } from '../../engine/instance'
import type { GuestOutcome } from '../../engine/outcome'
import { createLogger } from '../../engine/logger'
import type { Logger } from '../../engine/logger'
import { createChannel, openChannel } from '../../kernel/transport/channel'
import { createSwitchboard, openSwitchboard } from '../../kernel/transport/switchboard'
import { callCounters, count, COUNTING } from '../../kernel/transport/call-counters'
import { fromRaw, newId, toRaw } from '../../../shared/id'
import type { SupervisorMessage, GuestWorkerData, WorkerMessage } from './messages'
import { GuestGroup } from './colocated-group'
import type { GroupMember } from './colocated-group'
import type { DirectPath } from './direct-path'
import { IdleTracker } from './idle-tracker'
import { CallContext } from './call-context'
import { PayloadCapture } from './payload-capture'
import { syscallForwarders } from './syscall-client'
import { WARM_UP_MODULE } from './warm-up-module'

const port = parentPort
if (port === null) throw new Error('guest-worker must run in a worker thread')
const post = (message: WorkerMessage) => {
  if (COUNTING) count(`postMessage ${message.type}`)
  port.postMessage(message)
}

/** The guest's engine (plugins initialised) and its instance; throws what instantiation threw. */
async function instantiate(
  data: GuestWorkerData,
  logger: Logger,
  onIdle: () => void = () => post({ type: 'idle' }),
  shared?: { readonly group: GuestGroup; readonly member: GroupMember },
  context?: CallContext,
  capture?: PayloadCapture,
): Promise<GuestInstance> {
  const hostId = fromRaw('host', data.hostId)
  const engine = createEngine()
  const direct = data.direct && {
    board: openSwitchboard(data.direct.switchboard),
    slot: data.direct.slot,
    gen: data.direct.gen,
    host: data.hostId,
    inboundQueue: data.direct.inboundQueue,
    callTimeoutMs: data.direct.callTimeoutMs,
  }
  const channel = openChannel(data.channel)
  const idle = new IdleTracker(channel.header, onIdle)
  const link = (path: DirectPath) => {
    if (shared === undefined) return
    shared.member.direct = path
    path.shared = shared.group
  }
  for (const def of syscallForwarders(channel, direct, idle, link, context, capture)) {
    engine.registerHostFunction(def)
  }
  engine.registerHostFunction(GuestGroup.colocatedImport(shared?.member))
  if (data.plugins.length > 0) {
    // Plugins (and the protobuf-es they decode with) load only for a guest that has some.
    const { initPlugins } = await import('./worker-plugins')
    await initPlugins(data.plugins, engine, logger, data.dataDir)
  }
  return engine.instantiate(describeCompiled(data.module, data.origin, 0), {
    serviceName: data.serviceName,
    args: data.args,
    env: data.env,
    logger,
    hostId: () => hostId,
    // Plugin and WASI calls are activity too (parigot's are seen by the forwarders).
    wrapImport: (module, _name, fn) => (module === 'parigot' ? fn : withActivity(fn, idle)),
  })
}

async function run(data: GuestWorkerData): Promise<void> {
  const context = data.tracing ? new CallContext(openChannel(data.channel).header) : undefined
  const capture = captureFor(data)
  const logger = createLogger(data.serviceName, (record) => {
    const call = context?.current
    post({
      type: 'log',
      level: record.level,
      message: record.message,
      timeMs: record.timeMs,
      ...(call !== undefined ? { call } : {}),
    })
  })
  let instance
  try {
    instance = await instantiate(data, logger, undefined, undefined, context, capture)
  } catch (err) {
    post({ type: 'instantiate-failed', message: err instanceof Error ? err.message : String(err) })
    return
  }
  post({ type: 'started' })
  const outcome = instance.start()
  // What the guest served last is sent before it is reported gone.
  capture?.flush()
  postEnded(outcome, instance, data)
}

function postEnded(
  outcome: GuestOutcome<unknown>,
  instance: GuestInstance,
  data: GuestWorkerData,
  guest?: number,
): void {
  const about = guest === undefined ? {} : { guest }
  if (COUNTING)
    post({
      type: 'log',
      level: 'info',
      message: `counters ${JSON.stringify(callCounters())}`,
      timeMs: Date.now(),
      ...about,
    })
  if (outcome.kind === 'exited')
    post({ type: 'ended', kind: 'exited', code: outcome.code, ...about })
  else if (outcome.kind === 'trapped')
    post({
      type: 'ended',
      kind: 'failed',
      reason: outcome.message + atLimit(instance, data),
      ...about,
    })
  else post({ type: 'ended', kind: 'exited', code: 0, ...about })
}

/** Several guests sharing this worker (colocated-group.ts): instantiate each, then take turns. */
async function runGroup(list: readonly GuestWorkerData[]): Promise<void> {
  const boardBuffer = list[0]?.direct?.switchboard
  if (boardBuffer === undefined || list.some((d) => d.direct === undefined)) {
    list.forEach((_, guest) =>
      post({
        type: 'instantiate-failed',
        guest,
        message: 'guests can share a worker only with direct calls between workers on',
      }),
    )
    return
  }
  const captures: (PayloadCapture | undefined)[] = []
  const group = new GuestGroup(
    openSwitchboard(boardBuffer),
    list.map((d) => ({
      name: d.serviceName,
      channel: openChannel(d.channel),
      slot: (d.direct as NonNullable<GuestWorkerData['direct']>).slot,
    })),
    (member, outcome) => {
      const data = list[member.index] as GuestWorkerData
      captures[member.index]?.flush()
      if (member.instance) postEnded(outcome, member.instance, data, member.index)
    },
    () => {
      // The worker is about to sleep: its guests' read_one_ will not run to send what they hold.
      for (const capture of captures) capture?.flush()
      post({ type: 'idle' })
    },
  )
  for (const [guest, data] of list.entries()) {
    const member = group.members[guest] as GroupMember
    const context = data.tracing ? new CallContext(openChannel(data.channel).header) : undefined
    const logger = createLogger(data.serviceName, (record) => {
      const call = context?.current
      post({
        type: 'log',
        guest,
        level: record.level,
        message: record.message,
        timeMs: record.timeMs,
        ...(call !== undefined ? { call } : {}),
      })
    })
    try {
      member.instance = await instantiate(
        data,
        logger,
        () => post({ type: 'idle', guest }),
        { group, member },
        context,
        (captures[guest] = captureFor(data, guest)),
      )
      if (!(member.instance.exports['table'] instanceof WebAssembly.Table)) {
        throw new Error(
          `${data.origin} exports no function table, so it cannot share a worker: build it with --exportTable (docs/guest-authoring.md)`,
        )
      }
    } catch (err) {
      member.state = 'ended'
      post({
        type: 'instantiate-failed',
        guest,
        message: err instanceof Error ? err.message : String(err),
      })
      continue
    }
    post({ type: 'started', guest })
  }
  group.run()
}

/** The guest's payload capture when the deployment asks for it; its calls go to the supervisor. */
function captureFor(data: GuestWorkerData, guest?: number): PayloadCapture | undefined {
  if (data.capturePayloads !== true || data.tracing !== true) return undefined
  const about = guest === undefined ? {} : { guest }
  return new PayloadCapture((calls) => post({ type: 'payloads', calls, ...about }))
}

/**
 * `fn`, telling `idle` first. Fixed arities for the common shapes (the plugin ABI has four
 * parameters), so a host call allocates no argument array.
 */
function withActivity(fn: WasmImport, idle: IdleTracker): WasmImport {
  type F = (...a: unknown[]) => unknown
  const f = fn as F
  switch (fn.length) {
    case 1:
      return ((a: unknown) => (idle.active(), f(a))) as WasmImport
    case 2:
      return ((a: unknown, b: unknown) => (idle.active(), f(a, b))) as WasmImport
    case 3:
      return ((a: unknown, b: unknown, c: unknown) => (idle.active(), f(a, b, c))) as WasmImport
    case 4:
      return ((a: unknown, b: unknown, c: unknown, d: unknown) => (
        idle.active(),
        f(a, b, c, d)
      )) as WasmImport
    default:
      return ((...args: unknown[]) => (idle.active(), f(...args))) as WasmImport
  }
}

/** A trap with the memory at its cap was most likely a failed allocation: say which cap. */
function atLimit(instance: GuestInstance, data: GuestWorkerData): string {
  const limit = data.memoryLimitMb
  if (limit === undefined) return ''
  const size = instance.memory.size
  // An allocator asks for more than it needs (AssemblyScript doubles), so the failed grow may
  // have left some room: within an eighth of the cap counts as at it.
  if (size < (limit * 1024 * 1024 * 7) / 8) return ''
  return ` (its linear memory is at its memory_limit_mb: ${Math.floor(size / 1048576)} of ${limit} MiB in use)`
}

/**
 * While the worker is still idle: goes once through what `run` does (engine, forwarders,
 * instantiation, WASI args and random_get, a rejected syscall) with a tiny module and a channel
 * of its own that no kernel serves, logging nowhere. Code that runs for the first time in a
 * thread is parsed and compiled then, and webcrypto loads on first use: done here, it is not
 * paid again while a real guest starts. Nothing of it is kept; a failure only skips the warm-up.
 */
async function warmUp(): Promise<void> {
  // A worker's `performance` loads perf_hooks on first use, 1-4 ms on this machine: it would
  // otherwise be the first syscall's wait of a starting guest (its doorbell and channel spins).
  performance.now()
  const logger = createLogger('warm-up', () => undefined)
  const instance = await instantiate(
    {
      module: await WebAssembly.compile(WARM_UP_MODULE),
      origin: 'warm-up',
      serviceName: 'warm-up',
      args: ['warm-up'],
      env: { WARM_UP: '1' },
      channel: createChannel(64).buffer,
      hostId: toRaw(newId('host')),
      plugins: [],
      dataDir: '.',
      direct: {
        switchboard: createSwitchboard().buffer,
        slot: 0,
        gen: 1,
        inboundQueue: 1,
        callTimeoutMs: 1,
      },
    },
    logger,
    () => undefined,
  )
  instance.start()
}

port.once('message', (message: SupervisorMessage) => {
  if (message.type === 'run') void run(message.data)
  else void runGroup(message.data)
})
void warmUp()
  .catch(() => undefined)
  .finally(() => post({ type: 'ready' }))
