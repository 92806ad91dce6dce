// Over 400 lines, one class: its members share the supervisor, the compiled modules and the
// queue of restarts. What stands apart (compiling modules, a service's guest spec, its
// dependents) is in deployment-modules.ts.
import { mkdir } from 'node:fs/promises'
import type { DeployConfig, ServiceConfig } from '../../shared/deploy-config/types'
import { capturesPayloads } from '../../shared/deploy-config/cluster-config'
import type { KernelEvent } from '../../shared/events/kernel-events'
import { levelRank } from '../../shared/log/log-record'
import type { LogRecord } from '../../shared/log/log-record'
import type { CompiledGuest } from '../engine/compile'
import {
  compileServices,
  dependentsOf,
  remoteDependentsToRestart,
  fsCode,
  guestSpec,
  memoryLimitOf,
} from './deployment-modules'
import type { ExternalCaller } from './external-caller'
import { ExitCode } from './exit-code'
import type { GuestSpec } from './running-guest'
import { Supervisor } from './supervisor'
import type { GuestHandle } from './supervisor'
import type { SpanRecord } from '../../shared/trace/span'
import type { SpanPayloadRecord } from './trace/payloads'
import { ServiceWatcher } from './service-watcher'
import { sharedWorkerPool } from './worker/worker-pool'
import type { HostEnding } from '../kernel/kernel'
import type { ClusterNode } from '../cluster/cluster-node'
import { placeServices } from './cluster-placement'
import { placeAutomatically } from './placement'

export { DEFAULT_MEMORY_LIMIT_MB } from './deployment-modules'
export { ExitCode } from './exit-code'

/** run: servers and main programs; test: servers and test programs; serve: servers only. */
export type DeploymentMode = 'run' | 'test' | 'serve'

export interface DeploymentOptions {
  readonly mode: DeploymentMode
  readonly onLog: (record: LogRecord) => void
  readonly onEvent?: (event: KernelEvent) => void
  /** Human-readable progress of long steps (compiling, starting). */
  readonly onProgress?: (message: string) => void
  /**
   * Keep running after the main programs and restart a service (and what depends on it) when
   * its .wasm changes; a module that no longer compiles leaves the last good version running.
   */
  readonly watch?: boolean
  /** Calls can come from outside the guests (the Studio): see SupervisorOptions.outsideCallers. */
  readonly outsideCallers?: boolean
  /** Record every call as a span (docs/architecture.md, "Traces"). */
  readonly tracing?: boolean
  /** Receives every span as its call ends (when tracing). */
  readonly onSpan?: (span: SpanRecord) => void
  /** With tracing: every call's request and response, bounded (SupervisorOptions.onPayload). */
  readonly onPayload?: (payload: SpanPayloadRecord) => void
  /** Called once every server has started, before the main (or test) programs run. */
  readonly onStarted?: () => void
  /**
   * Run only the services of this host (`services.<name>.host`), joined to the others through
   * the deployment's `[cluster]` (src/main/cluster, docs/cluster.md). Absent: everything here.
   */
  readonly host?: string
}

/**
 * A deploy config brought to life: compile every module (in parallel, each distinct .wasm once,
 * while worker threads load), start the servers all at once (the kernel holds each in launch
 * until what it requires runs), run the main programs (or, in test mode, the test programs) one
 * after another, then stop the servers. The result is the exit code of the first main that did
 * not exit 0 (or 0).
 */
export class Deployment {
  private supervisor: Supervisor | undefined
  private stopping = false
  private deadlocked = false
  private compiled: Map<string, CompiledGuest> | undefined

  constructor(
    readonly config: DeployConfig,
    private readonly options: DeploymentOptions,
  ) {}

  async run(): Promise<number> {
    const { config, options } = this
    const onHost = placeServices(config, options.host)
    if (typeof onHost === 'string') {
      this.hostLog('error', onHost)
      return ExitCode.BAD_DEPLOYMENT
    }
    const auto =
      config.placement === 'auto'
        ? placeAutomatically(config.dataDir, onHost, this.supervisorKernel, (level, message) =>
            this.hostLog(level, message),
          )
        : undefined
    const placed = auto?.services ?? onHost
    const programs =
      options.mode === 'serve'
        ? []
        : placed.filter((s) => s.role === (options.mode === 'test' ? 'test' : 'main'))
    const servers = placed.filter((s) => s.role === 'server')
    if (options.mode === 'test' && programs.length === 0) {
      this.hostLog(
        'error',
        `${config.file}: no service has role "test"; nothing to run in test mode`,
      )
      return ExitCode.NO_MAIN
    }
    // Threads load while V8 compiles: every server, and the first program, needs one.
    sharedWorkerPool.prewarm(servers.length + Math.min(programs.length, 1))
    const compiled = await compileServices(
      config,
      [...servers, ...programs],
      this.compiledDigests,
      options.onProgress,
      (message) => this.hostLog('error', message),
    )
    if (compiled === undefined) return ExitCode.BAD_DEPLOYMENT
    this.compiled = compiled
    try {
      await mkdir(config.dataDir, { recursive: true })
    } catch (err) {
      // Checked when the config loaded; the disk may have changed since.
      this.hostLog(
        'error',
        `${config.file}: deployment.data_dir: cannot create ${config.dataDir}: ${fsCode(err)}`,
      )
      return ExitCode.BAD_DEPLOYMENT
    }

    const minLevel = levelRank(config.logLevel)
    // The OpenTelemetry exporters load only for a config that exports (they are large).
    const otlp =
      config.telemetry?.otlp === undefined
        ? undefined
        : (await import('./trace/telemetry')).openTelemetry(config, (message) =>
            this.hostLog('warn', message),
          )
    const logSink = (record: LogRecord) => {
      if (levelRank(record.level) < minLevel) return
      options.onLog(record)
      otlp?.log(record)
      cluster?.onLog(record)
    }
    let cluster: ClusterNode | undefined
    this.supervisor = new Supervisor({
      logSink,
      onEvent: (event) => {
        options.onEvent?.(event)
        cluster?.onKernelEvent(event)
        if (event.type === 'call-started') auto?.counter.add(event.caller, event.target)
      },
      ...(options.host !== undefined ? { cluster: true } : {}),
      limits: config.limits,
      onDeadlock: () => (this.deadlocked = true),
      ...(options.outsideCallers ? { outsideCallers: true } : {}),
      // A host of a cluster always traces: an attached Studio shows its calls (docs/cluster.md).
      ...(options.tracing || otlp || options.host !== undefined ? { tracing: true } : {}),
      ...(options.onSpan || otlp || options.host !== undefined
        ? {
            onSpan: (span: SpanRecord) => {
              options.onSpan?.(span)
              otlp?.span(span)
              cluster?.onSpan(span)
            },
          }
        : {}),
      // A host of a cluster keeps its calls' payloads for an attached Studio that asks for one,
      // unless its config says never (`capture_payloads = false`): then no worker captures.
      ...(options.onPayload || (options.host !== undefined && capturesPayloads(config))
        ? {
            onPayload: (payload: SpanPayloadRecord) => {
              options.onPayload?.(payload)
              cluster?.onPayload(payload)
            },
          }
        : {}),
    })
    try {
      if (options.host !== undefined && config.cluster !== undefined) {
        const { joinCluster } = await import('./cluster-join')
        cluster = await joinCluster(
          config,
          options.host,
          this.supervisor,
          logSink,
          (op, name) =>
            op === 'start'
              ? this.startService(name)
              : op === 'stop'
                ? this.stopService(name)
                : this.restartService(name),
          (guest, host, exports) => this.remoteRestarted(guest, host, exports),
        )
        this.cluster = cluster
      }
      if (servers.length > 0) {
        options.onProgress?.(`starting ${servers.map((s) => s.name).join(', ')}`)
      }
      await this.startAll(servers, compiled, programs)
      if (this.stopping) return ExitCode.INTERRUPTED
      options.onStarted?.()
      let result: number = ExitCode.OK
      for (const program of programs) {
        if (this.stopping) return ExitCode.INTERRUPTED
        const handle =
          this.startedInGroup.get(program.name) ??
          (await this.supervisor.start(this.guestSpec(program, compiled)))
        const ending = await handle.ended
        if (this.stopping) return ExitCode.INTERRUPTED
        if (this.deadlocked) {
          this.hostLog('error', `deadlock: the deployment ended (exit code ${ExitCode.DEADLOCK})`)
          return ExitCode.DEADLOCK
        }
        result = this.exitCodeOf(program, ending)
        if (result !== 0 && !options.watch) return result
      }
      if (programs.length === 0 || options.watch) {
        const watcher = options.watch
          ? new ServiceWatcher(
              placed.map((s) => ({ ...s, memoryLimitMb: memoryLimitOf(config, s) })),
              this.compiledDigests,
              (service, module) => this.restart(service, module, compiled),
              (message) => this.hostLog('error', message),
            )
          : undefined
        this.hostLog(
          'info',
          options.watch
            ? `watching ${placed.length} module(s) for changes; Ctrl-C stops`
            : options.mode === 'serve'
              ? 'servers started'
              : `no main program: serving until interrupted`,
        )
        await new Promise<void>((resolve) => (this.wakeServeForever = resolve))
        watcher?.close()
        return ExitCode.INTERRUPTED
      }
      return result
    } catch (err) {
      this.hostLog('error', err instanceof Error ? err.message : String(err))
      return this.stopping ? ExitCode.INTERRUPTED : ExitCode.BAD_DEPLOYMENT
    } finally {
      await this.supervisor.stopAll(config.stopGraceMs)
      auto?.save()
      await this.cluster?.close()
      await this.supervisor.close()
      await otlp?.shutdown()
    }
  }

  private cluster: ClusterNode | undefined
  private readonly supervisorKernel = () => this.supervisor?.kernel

  /** Stops everything (SIGINT/SIGTERM); `run` then resolves with INTERRUPTED. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wakeServeForever?.()
    await this.supervisor?.stopAll(this.config.stopGraceMs)
  }

  /** A caller from outside the guests (see ExternalCaller); the deployment must be running. */
  externalCaller(name: string): ExternalCaller {
    if (this.supervisor === undefined) throw new Error('the deployment is not running')
    return this.supervisor.externalCaller(name)
  }

  /** The kernel of the current (or last) run, for read-only inspection. */
  get kernel(): Supervisor['kernel'] | undefined {
    return this.supervisor?.kernel
  }

  /**
   * Restarts one service with the module it runs now, and every service that depends on it, as
   * watch mode does for a changed .wasm. Resolves when they have started again (a main program
   * that depends on it has run again).
   */
  restartService(name: string): Promise<void> {
    const service = this.config.services.find((s) => s.name === name)
    if (service === undefined) throw new Error(`no service named "${name}" in ${this.config.file}`)
    const compiled = this.compiled
    const module = compiled?.get(name)
    if (compiled === undefined || module === undefined || this.supervisor === undefined)
      throw new Error(`${name} cannot restart: the deployment is not running`)
    return this.restart(service, module, compiled, 'restart requested')
  }

  /**
   * A guest of another host came back as a new incarnation: the local services that require
   * what it exports hold ids located from the old one, so they restart, as the dependents of a
   * service restarted in one process do (docs/cluster.md).
   */
  private remoteRestarted(guest: string, host: string, exports: readonly string[]): void {
    const supervisor = this.supervisor
    const compiled = this.compiled
    if (supervisor === undefined || compiled === undefined || this.stopping) return
    const restarts = remoteDependentsToRestart(
      supervisor.kernel,
      this.config.services,
      (name) => supervisor.guest(name) !== undefined,
      new Set(exports),
    )
    for (const service of restarts) {
      const module = compiled.get(service.name)
      if (module !== undefined)
        void this.restart(service, module, compiled, `needs ${guest}@${host}, which restarted`)
    }
  }

  /** Stops one service's guest (its dependents keep running, and their calls to it fail). */
  stopService(name: string): Promise<void> {
    this.serviceNamed(name)
    const supervisor = this.supervisor
    if (supervisor === undefined)
      throw new Error(`${name} cannot stop: the deployment is not running`)
    if (supervisor.guest(name) === undefined) throw new Error(`${name} is not running`)
    this.restarting = this.restarting.then(async () => {
      this.hostLog('info', `${name} stop requested`)
      await supervisor.stop(name, this.config.stopGraceMs)
    })
    return this.restarting
  }

  /** Starts one service that is not running (stopped, exited or failed) with its module. */
  startService(name: string): Promise<void> {
    const service = this.serviceNamed(name)
    const compiled = this.compiled
    const supervisor = this.supervisor
    if (compiled === undefined || supervisor === undefined)
      throw new Error(`${name} cannot start: the deployment is not running`)
    this.restarting = this.restarting.then(async () => {
      if (this.stopping) return
      this.hostLog('info', `${name} start requested`)
      const handle = await supervisor.start(this.guestSpec(service, compiled))
      if (service.role !== 'server') this.exitCodeOf(service, await handle.ended)
    })
    return this.restarting
  }

  private serviceNamed(name: string): ServiceConfig {
    const service = this.config.services.find((s) => s.name === name)
    if (service === undefined) throw new Error(`no service named "${name}" in ${this.config.file}`)
    const host = this.options.host
    if (host !== undefined && (service.host ?? 'local') !== host)
      throw new Error(
        `${name} runs on host "${service.host ?? 'local'}", not on this one ("${host}")`,
      )
    return service
  }

  private wakeServeForever: (() => void) | undefined
  /**
   * Digest of the bytes each running module was compiled from: watch mode compares changes
   * with these, not with a later read of the file, which may already be the new version.
   */
  private readonly compiledDigests = new Map<string, string>()
  private restarting: Promise<void> = Promise.resolve()

  /**
   * Restarts `service` with its new module, and every service that depends on it (they hold
   * ids located from the old one): dependents stop first, then start again in file order;
   * a main program that depends on it runs again.
   */
  private restart(
    service: ServiceConfig,
    module: CompiledGuest,
    compiled: Map<string, CompiledGuest>,
    why = 'changed',
  ): Promise<void> {
    this.restarting = this.restarting.then(async () => {
      const supervisor = this.supervisor
      if (supervisor === undefined || this.stopping) return
      compiled.set(service.name, module)
      const affected = [service, ...dependentsOf(supervisor.kernel, this.config.services, service)]
      const names = affected.map((s) => s.name)
      this.hostLog('info', `${service.name} ${why}: restarting ${names.join(', ')}`)
      for (const s of [...affected].reverse())
        await supervisor.stop(s.name, this.config.stopGraceMs)
      const ordered = this.config.services.filter((s) => names.includes(s.name))
      await Promise.all(
        ordered
          .filter((s) => s.role === 'server')
          .map((s) =>
            this.startOne(s, compiled).catch((err: unknown) => this.restartFailed(s, err)),
          ),
      )
      for (const s of ordered.filter((s) => s.role !== 'server')) {
        if (this.stopping) return
        try {
          const handle = await supervisor.start(this.guestSpec(s, compiled))
          this.exitCodeOf(s, await handle.ended)
        } catch (err) {
          this.restartFailed(s, err)
        }
      }
    })
    return this.restarting
  }

  private restartFailed(service: ServiceConfig, err: unknown): void {
    this.hostLog(
      'error',
      `${service.name} did not restart: ${err instanceof Error ? err.message : String(err)}`,
    )
  }

  /** Programs started with the servers they share a worker with (`worker` key). */
  private readonly startedInGroup = new Map<string, GuestHandle>()

  /**
   * Starts every server at once: the kernel keeps each in launch until what it requires is
   * exported by a running service, so dependency order needs no waiting here. Services that name
   * the same `worker` (two or more, programs of this mode included) start together in one
   * worker thread. Resolves when all have started; rejects with the first that failed to (the
   * others are stopped with the rest).
   */
  private async startAll(
    servers: readonly ServiceConfig[],
    compiled: Map<string, CompiledGuest>,
    programs: readonly ServiceConfig[] = [],
  ): Promise<void> {
    const groups = new Map<string, ServiceConfig[]>()
    for (const s of [...servers, ...programs]) {
      if (s.worker !== undefined) groups.set(s.worker, [...(groups.get(s.worker) ?? []), s])
    }
    const shared = [...groups.values()].filter((g) => g.length > 1)
    const alone = servers.filter((s) => !shared.some((g) => g.includes(s)))
    const results = await Promise.allSettled([
      ...alone.map((s) => this.startOne(s, compiled)),
      ...shared.map((g) => this.startGroup(g, compiled)),
    ])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason
  }

  private async startGroup(
    services: readonly ServiceConfig[],
    compiled: Map<string, CompiledGuest>,
  ): Promise<void> {
    const supervisor = this.supervisor
    if (supervisor === undefined || this.stopping) return
    const handles = await supervisor.startGroup(services.map((s) => this.guestSpec(s, compiled)))
    for (const handle of handles) {
      if (services.find((s) => s.name === handle.name)?.role !== 'server')
        this.startedInGroup.set(handle.name, handle)
    }
  }

  private async startOne(
    service: ServiceConfig,
    compiled: Map<string, CompiledGuest>,
  ): Promise<void> {
    const supervisor = this.supervisor
    if (supervisor === undefined || this.stopping) return
    await supervisor.start(this.guestSpec(service, compiled))
  }

  private exitCodeOf(program: ServiceConfig, ending: HostEnding): number {
    if (ending.kind === 'exited') {
      this.hostLog(
        ending.code === 0 ? 'info' : 'warn',
        `${program.name} exited with code ${ending.code}`,
      )
      return ending.code
    }
    this.hostLog('error', `${program.name} failed: ${ending.reason}`)
    return ExitCode.MAIN_FAILED
  }

  private guestSpec(service: ServiceConfig, compiled: Map<string, CompiledGuest>): GuestSpec {
    return guestSpec(this.config, service, compiled)
  }

  private hostLog(level: LogRecord['level'], message: string): void {
    this.options.onLog({ timeMs: Date.now(), level, source: 'runner', message })
  }
}
