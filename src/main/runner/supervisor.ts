// Over 400 lines, one class: every member acts on the same guests, kernel server and watchdog.
// What stands apart is elsewhere: a guest's record and its thread's end (running-guest.ts), the
// deadlock check (deadlock-check.ts), guests sharing a worker (shared-worker-start.ts).
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { HostId } from '../../shared/id'
import type { LogRecord } from '../../shared/log/log-record'
import type { SpanRecord } from '../../shared/trace/span'
import { createLogger } from '../engine/logger'
import type { Logger, LogSink } from '../engine/logger'
import { wallClockMs } from '../engine/wall-clock'
import { bookedCallEvents, Kernel } from '../kernel/kernel'
import type { BookedDirectCall, HostEnding } from '../kernel/kernel'
import type { KernelLimits } from '../kernel/limits'
import { formatId, toRaw } from '../../shared/id'
import { createChannel } from '../kernel/transport/channel'
import type { Channel } from '../kernel/transport/channel'
import { KernelServer } from '../kernel/transport/kernel-server'
import type { SlotGrant } from '../kernel/transport/kernel-server'
import { createSwitchboard } from '../kernel/transport/switchboard'
import type { GuestWorkerData, SupervisorMessage, WorkerMessage } from './worker/messages'
import { waitsForGood } from './deadlock-check'
import { ExternalCaller } from './external-caller'
import { endThread, newRunning } from './running-guest'
import type { GuestHandle, GuestSpec, Running } from './running-guest'
import { startShared } from './shared-worker-start'
import type { ShareContext } from './shared-worker-start'
import { sharedWorkerPool } from './worker/worker-pool'
import { TraceCollector } from './trace/collector'
import { callNamesOf } from './trace/call-names'
import { payloadRecord } from './trace/payloads'
import type { SpanPayloadRecord } from './trace/payloads'
import { callKeyOfWireKey } from '../kernel/transport/trace-words'
import type { WorkerPool } from './worker/worker-pool'
import { attachQueueBroker } from '../plugins/queue/jetstream/process-brokers'
import type { AttachQueueBroker } from '../plugins/queue/jetstream/protocol'

export { TERMINATE_WAIT_MS } from './running-guest'
export type { GuestHandle, GuestSpec } from './running-guest'

export interface SupervisorOptions {
  readonly logSink: LogSink
  readonly onEvent?: (event: KernelEvent) => void
  readonly limits?: Partial<KernelLimits>
  /**
   * A guest that took a call and then made no host call for this long (while not blocked in
   * one) is considered stuck (an infinite loop) and terminated. Default: twice the call timeout.
   */
  readonly unresponsiveMs?: number
  readonly now?: () => number
  /** Where guest workers come from; default: the process-wide pool of pre-started workers. */
  readonly workers?: WorkerPool
  /**
   * Calls between guests go worker to worker through shared mailboxes, the kernel told after
   * the fact (docs/architecture.md, "Guests in workers"). Default true; false sends every
   * syscall through the kernel's thread.
   */
  readonly directCalls?: boolean
  /**
   * Every live guest waits for good and nothing can wake any of them, with a program among
   * them: the kernel has logged the report (and emitted a `deadlock` event) and every live
   * guest is being killed. Receives the report.
   */
  readonly onDeadlock?: (report: string) => void
  /**
   * Calls can come from outside the guests (the Studio's invoke form): a program that serves a
   * running service can then always be woken, so no wait is final while one is live.
   */
  readonly outsideCallers?: boolean
  /**
   * The deployment is split over hosts (src/main/cluster): another host may yet export what a
   * guest here waits for, so no wait is final and there is no deadlock check.
   */
  readonly cluster?: boolean
  /** Record every call as a span (docs/architecture.md, "Traces"); default off. */
  readonly tracing?: boolean
  /** Receives every span as its call ends (when tracing). */
  readonly onSpan?: (span: SpanRecord) => void
  /**
   * With tracing: capture each call's request and response (bounded, on the callee's worker;
   * runner/worker/payload-capture.ts) and hand them here with the call's span ids.
   */
  readonly onPayload?: (payload: SpanPayloadRecord) => void
}

const WATCHDOG_INTERVAL_MS = 100

/**
 * Runs each guest in its own worker thread against one kernel, and keeps the kernel told of
 * every guest's fate: a trap, an out-of-memory, a crash of the worker, or a watchdog kill marks
 * its services failed and fails its callers at once, without disturbing the other guests.
 */
export class Supervisor {
  readonly kernel: Kernel
  private readonly server: KernelServer
  private readonly guests = new Map<string, Running>()
  private readonly logger: Logger
  private readonly now: () => number
  private readonly unresponsiveMs: number
  private readonly watchdog: NodeJS.Timeout
  private readonly externalCallers = new Map<string, ExternalCaller>()
  private readonly virtualHosts = new Map<string, () => void>()
  /** The deployment's spans, when it traces calls. */
  readonly traces: TraceCollector | undefined

  constructor(private readonly options: SupervisorOptions) {
    this.now = options.now ?? wallClockMs()
    this.logger = createLogger('host', options.logSink, this.now)
    // The kernel wakes hosts through the server, which needs the kernel: tie them late.
    const late: { server?: KernelServer } = {}
    this.kernel = new Kernel({
      now: this.now,
      logger: this.logger,
      ...(options.limits ? { limits: options.limits } : {}),
      // Without a listener the kernel makes no call events at all (their cost is per call).
      ...(options.tracing === true || options.onEvent !== undefined
        ? {
            onEvent: (event: KernelEvent) => {
              this.traces?.onEvent(event)
              options.onEvent?.(event)
              // Whoever waits for a service's state (a start, the Studio) waits on the event
              // loop: the kernel thread's busy poll would hold it up to 2 ms. States change
              // a few times in a service's life, so no call pays for this.
              if (event.type === 'service-state') late.server?.yieldTurn()
            },
          }
        : {}),
      // Traced, a direct call booked whole becomes a span at once (its events made only for a
      // listener that wants them): most of tracing's cost per call on this thread.
      ...(options.tracing === true
        ? {
            onCallCompleted: (call: BookedDirectCall) => {
              this.traces?.completed(call)
              const listener = options.onEvent
              if (listener === undefined) return
              const [started, finished] = bookedCallEvents(call)
              listener(started)
              listener(finished)
            },
          }
        : {}),
      onWake: (host) => {
        const external = this.externalCallers.get(formatId(host))
        const virtual = this.virtualHosts.get(formatId(host))
        if (external !== undefined) {
          queueMicrotask(() => external.collect())
          late.server?.yieldTurn()
        } else if (virtual !== undefined) {
          queueMicrotask(virtual)
          late.server?.yieldTurn()
        } else late.server?.wake(host)
      },
    })
    this.server = new KernelServer(
      this.kernel,
      this.logger,
      this.now,
      undefined,
      undefined,
      options.directCalls === false ? undefined : createSwitchboard(),
    )
    late.server = this.server
    if (options.tracing === true) {
      const traces = new TraceCollector(callNamesOf(this.kernel))
      this.traces = traces
      if (options.onSpan !== undefined) traces.subscribe(options.onSpan)
      this.server.onCallParent = (call, parent) => traces.noteParent(call, parent)
    }
    this.unresponsiveMs = options.unresponsiveMs ?? 2 * this.kernel.limits.callTimeoutMs
    this.watchdog = setInterval(() => this.checkResponsiveness(), WATCHDOG_INTERVAL_MS)
    this.watchdog.unref()
  }

  /** The trace and span ids of a log line written while its guest handled `call` (a wire key). */
  private traceOfLine(call: string | undefined): { traceId?: string; spanId?: string } {
    if (call === undefined || this.traces === undefined) return {}
    const key = callKeyOfWireKey(call)
    if (key === undefined) return {}
    // The call may have come straight from another worker: book its notice first.
    this.server.drainNotices()
    const context = this.traces.contextOf(key)
    return context === undefined ? {} : { traceId: context.traceId, spanId: context.spanId }
  }

  /** Starts a guest in a new worker; resolves once it is instantiated and running its entry. */
  async start(spec: GuestSpec): Promise<GuestHandle> {
    // While a guest is starting, it may yet export what the others wait for: no deadlock call.
    this.starting++
    try {
      return await this.startGuest(spec)
    } finally {
      this.starting--
      this.checkDeadlock()
    }
  }

  private starting = 0

  /** What a worker needs to run `spec` as `host` on `channel` (and its mailbox `slot`). */
  private workerData(
    spec: GuestSpec,
    host: HostId,
    channel: Channel,
    slot: SlotGrant | undefined,
  ): GuestWorkerData {
    const board = this.server.switchboard
    return {
      module: spec.compiled.module,
      origin: spec.compiled.origin,
      serviceName: spec.name,
      args: spec.args ?? [],
      env: spec.env ?? {},
      channel: channel.buffer,
      hostId: toRaw(host),
      plugins: spec.plugins ?? [],
      dataDir: spec.dataDir ?? process.cwd(),
      ...(spec.memoryLimitMb !== undefined ? { memoryLimitMb: spec.memoryLimitMb } : {}),
      ...(this.traces !== undefined ? { tracing: true } : {}),
      ...(this.traces !== undefined && this.options.onPayload ? { capturePayloads: true } : {}),
      ...(slot && board
        ? {
            direct: {
              switchboard: board.buffer,
              slot: slot.slot,
              gen: slot.gen,
              inboundQueue: this.kernel.limits.inboundQueue,
              callTimeoutMs: this.kernel.limits.callTimeoutMs,
            },
          }
        : {}),
    }
  }

  private async startGuest(spec: GuestSpec): Promise<GuestHandle> {
    const previous = this.guests.get(spec.name)
    if (previous !== undefined && previous.ended === undefined) {
      throw new Error(`a guest named "${spec.name}" is already running`)
    }
    const host = this.kernel.addHost(spec.name)
    const channel = createChannel()
    const slot = this.server.attach(host, channel)
    const data = this.workerData(spec, host, channel, slot)
    const worker = await (this.options.workers ?? sharedWorkerPool).take()
    const running = newRunning(spec, host, worker, channel)
    this.guests.set(spec.name, running)
    const guestLog = createLogger(spec.name, this.options.logSink, this.now)

    return new Promise<GuestHandle>((resolve, reject) => {
      const handle: GuestHandle = { name: spec.name, host, ended: running.endedPromise }
      worker.on('message', (message: WorkerMessage) =>
        this.onWorkerMessage(running, message, () => resolve(handle), reject),
      )
      worker.on('error', (err) => {
        const reason =
          (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? 'out of memory'
            : `worker error: ${err.message}`
        guestLog.log('error', reason)
        this.finish(running, { kind: 'failed', reason })
        reject(new Error(`${spec.name}: ${reason}`))
      })
      worker.postMessage({ type: 'run', data } satisfies SupervisorMessage)
      worker.on('exit', (code) => {
        if (running.ended === undefined) {
          this.finish(running, {
            kind: 'failed',
            reason: `worker exited unexpectedly (code ${code})`,
          })
          reject(new Error(`${spec.name}: worker exited before the guest started`))
        }
        // The thread is gone: nothing can touch its mailbox any more.
        this.server.release(host)
      })
    })
  }

  private onWorkerMessage(
    running: Running,
    message: WorkerMessage,
    started: () => void,
    failed: (err: Error) => void,
  ): void {
    switch (message.type) {
      case 'ready':
        break
      case 'log':
        this.options.logSink({
          timeMs: message.timeMs,
          level: message.level,
          source: running.name,
          message: message.message,
          ...this.traceOfLine(message.call),
        } satisfies LogRecord)
        break
      case 'started':
        started()
        break
      case 'payloads':
        for (const call of message.calls) {
          const { traceId, spanId } = this.traceOfLine(call.call)
          if (traceId !== undefined && spanId !== undefined)
            this.options.onPayload?.(payloadRecord(traceId, spanId, call))
        }
        break
      case 'idle':
        this.checkDeadlock()
        break
      case 'attach-queue-broker':
        this.attachQueueBroker(message)
        break
      case 'instantiate-failed':
        this.finish(running, { kind: 'failed', reason: message.message })
        failed(new Error(message.message))
        break
      case 'ended':
        this.finish(
          running,
          message.kind === 'exited'
            ? { kind: 'exited', code: message.code }
            : { kind: 'failed', reason: message.reason },
        )
        break
    }
  }

  /**
   * Starts guests that share one worker thread (deploy config `worker`), each with its own
   * instance, memory, host id and mailbox (runner/worker/colocated-group.ts); resolves once every
   * one of them runs. Needs the direct path (directCalls on).
   */
  async startGroup(specs: readonly GuestSpec[]): Promise<GuestHandle[]> {
    this.starting++
    try {
      return await startShared(this.shareContext(), specs)
    } finally {
      this.starting--
      this.checkDeadlock()
    }
  }

  /** A guest worker's queue plugin joins the process's JetStream broker (process-brokers.ts). */
  private attachQueueBroker(message: AttachQueueBroker): void {
    try {
      attachQueueBroker(message.data, message.link, (why) => this.logger.log('error', why))
    } catch (err) {
      // Its guests' queue calls end in their bounded wait; this says why.
      this.logger.log(
        'error',
        `cannot start the JetStream queue broker: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  }

  private shareContext(): ShareContext {
    return {
      guests: this.guests,
      kernel: this.kernel,
      server: this.server,
      workers: this.options.workers ?? sharedWorkerPool,
      workerData: (spec, host, channel, slot) => this.workerData(spec, host, channel, slot),
      onMessage: (running, message, started, failed) =>
        this.onWorkerMessage(running, message, started, failed),
      finish: (running, ending) => this.finish(running, ending),
      attachQueueBroker: (message) => this.attachQueueBroker(message),
      log: (level, message) => this.logger.log(level, message),
    }
  }

  /** A caller from outside the guests (the Studio, `parigot call`), shown as `name`. */
  externalCaller(name: string): ExternalCaller {
    const caller = new ExternalCaller(this.kernel, name)
    this.externalCallers.set(formatId(caller.host), caller)
    return caller
  }

  /** A kernel host with no worker, woken through `onWake` (the cluster's stand-ins and callers). */
  virtualHost(name: string, onWake: () => void): HostId {
    const host = this.kernel.addHost(name)
    this.virtualHosts.set(formatId(host), onWake)
    return host
  }

  /** Lets the transport act on a change made from outside a guest (wakes, deadlines). */
  flush(): void {
    this.server.flush()
  }

  guest(name: string): GuestHandle | undefined {
    const running = this.guests.get(name)
    return running && { name: running.name, host: running.host, ended: running.endedPromise }
  }

  /** Asks a guest to leave its loop; terminates it if it has not ended within `graceMs`. */
  async stop(name: string, graceMs = 2000): Promise<HostEnding | undefined> {
    const running = this.guests.get(name)
    if (running === undefined) return undefined
    if (running.ended) return running.ended
    this.kernel.requestExit(running.host)
    this.server.flush()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs)
    })
    const first = await Promise.race([running.endedPromise, timedOut])
    clearTimeout(timer)
    if (first === 'timeout') {
      this.logger.log('warn', `${name} did not stop within ${graceMs} ms; terminating it`)
      await this.terminate(running, { kind: 'exited', code: 0 })
    }
    return running.endedPromise
  }

  /** Terminates a guest at once and marks it failed with `reason`. */
  async kill(name: string, reason: string): Promise<void> {
    const running = this.guests.get(name)
    if (running === undefined || running.ended) return
    this.logger.log('error', `${name} killed: ${reason}`)
    running.killed = true
    await this.terminate(running, { kind: 'failed', reason })
  }

  /** Stops every guest (in parallel) and releases the kernel's timers. */
  async stopAll(graceMs = 2000): Promise<void> {
    await Promise.all([...this.guests.keys()].map((name) => this.stop(name, graceMs)))
  }

  /**
   * Ends every guest still there and releases the kernel's timers. Resolves once every guest's
   * thread is gone, or known to be stuck in a system call (bounded by TERMINATE_WAIT_MS).
   */
  async close(): Promise<void> {
    clearInterval(this.watchdog)
    const unkept = this.traces?.unkeptContexts ?? 0
    if (unkept > 0)
      this.logger.log(
        'warn',
        `tracing: ${unkept} calls' trace contexts were not kept (their call ids collided in the context table: ids chosen by a guest?); their children and log lines started new traces`,
      )
    for (const running of this.guests.values()) {
      if (!running.ended) this.finish(running, { kind: 'exited', code: 0 })
    }
    this.server.close()
    await Promise.all([...this.guests.values()].map((running) => running.threadGone))
  }

  private async terminate(running: Running, ending: HostEnding): Promise<void> {
    this.finish(running, ending)
    // Terminating a shared worker ends every guest in it.
    for (const other of running.share?.members ?? []) {
      if (other.ended === undefined)
        this.finish(other, {
          kind: 'failed',
          reason: `its worker was terminated with ${running.name}, which shares it`,
        })
    }
    await running.threadGone
  }

  private finish(running: Running, observed: HostEnding): void {
    if (running.ended) return
    running.ended = observed
    this.server.detach(running.host)
    // The kernel applies the exit-code rule (an exit_ code wins; out of range -> 192).
    const ending = this.kernel.hostEnded(running.host, observed)
    running.ended = ending
    // Nothing silent: a guest that fails says so, whatever its role (a kill has said it).
    if (ending.kind === 'failed' && !running.killed) {
      this.logger.log('error', `${running.name} failed: ${ending.reason}`)
    }
    this.server.flush()
    running.settle(ending)
    // A guest that returned from its entry point may leave its worker idle: end it (a shared
    // worker once the last of its guests has ended).
    const share = running.share
    if (share === undefined) running.threadGone = endThread(running, this.logger)
    else {
      running.threadGone = share.gone
      if (share.members.every((m) => m.ended !== undefined))
        void endThread(running, this.logger).then(() => share.resolveGone())
    }
    this.checkDeadlock()
  }

  private deadlocked = false

  /** Ends the deployment when every live guest waits for good (see deadlock-check.ts). */
  private checkDeadlock(): void {
    if (this.deadlocked || this.starting > 0 || this.options.cluster) return
    const live = [...this.guests.values()].filter((r) => r.ended === undefined)
    const report = waitsForGood(live, this.kernel, this.server, this.options.outsideCallers)
    if (report === undefined) return
    this.deadlocked = true
    const reason = this.kernel.reportDeadlock(report)
    this.options.onDeadlock?.(reason)
    for (const r of live) void this.kill(r.name, 'deadlock (see the report above)')
  }

  private checkResponsiveness(): void {
    const now = this.now()
    for (const running of this.guests.values()) {
      if (running.ended) continue
      const serving = this.server.servingSince(running.host)
      if (serving === undefined) continue
      const silentFor = now - serving.sinceMs
      if (silentFor > this.unresponsiveMs) {
        void this.kill(
          running.name,
          `unresponsive: no host call for ${Math.round(silentFor)} ms while serving ${serving.call}`,
        )
      }
    }
  }
}
