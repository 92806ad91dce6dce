// One Studio session: at most one open deployment, its run, its log, its graph and its queues.
// Platform-neutral (no Electron): the WebSocket server of `parigot serve` and the Electron IPC
// both drive the same session through the bridge dispatcher. What the session knows and reads
// without changing it (status, log, queues, config files) is in session-state.ts.
import type {
  InvokeRecord,
  ProgramMethods,
  ConfigText,
  DeploymentState,
  DeploymentStatus,
  ServiceDetails,
  ServiceGraph,
} from '../../shared/bridge/contract'
import type { BridgeResults } from '../../shared/bridge/contract'
import type { KernelEvent } from '../../shared/events/kernel-events'
import { Deployment, ExitCode } from '../runner/deployment'
import { loadDeployConfig } from '../runner/load-config'
import type { SpanPayloadRecord } from '../runner/trace/payloads'
import { capturesPayloads } from '../../shared/deploy-config/cluster-config'
import { configPath, readConfig, saveConfig } from './config-files'
import { ConfigWatch } from './config-watch'
import { join } from 'node:path'
import { describeError, StudioError } from './errors'
import type { TraceDesk } from './trace-desk'
import { STUDIO_CALLER } from './invoke'
import type { ExternalCaller } from '../runner/external-caller'
import { RunLogFile } from './log-file'
import { SessionState } from './session-state'

export type { SessionEvent, StudioSessionOptions } from './session-state'

const ACTIVE: ReadonlySet<DeploymentState> = new Set(['starting', 'running', 'stopping'])

/** One Studio session (see the top of this file). */
export class StudioSession extends SessionState {
  // ---- lifecycle (one operation at a time) -----------------------------------------------

  /** Opens a deploy config (stopping a running deployment first); does not run it. */
  open(file: string): Promise<ConfigText> {
    return this.exclusive(async () => {
      const path = await configPath(this.options.roots, file, 'read')
      const text = await readConfig(path, this.referenceChecks())
      const previous = this.deploymentName()
      await this.stopActive()
      const loaded = await loadDeployConfig(path, this.referenceChecks())
      this.file = path
      const next = loaded.config?.name ?? path
      this.logFile?.close()
      this.logFile = undefined
      this.separator(
        next,
        previous === undefined
          ? 'opened'
          : previous === next
            ? 'reopened'
            : `switched from ${previous}`,
      )
      this.diagnostics = loaded.diagnostics
      this.adopt(loaded.config)
      this.exitCode = undefined
      this.setState(loaded.config ? 'ready' : 'invalid', this.configMessage())
      this.reportDescriptorProblems()
      this.watchConfig(path, text.text)
      await this.recent.add(path)
      return { ...text, diagnostics: loaded.diagnostics }
    })
  }

  /** Starts the open deployment (re-reading its config, which the editor may have changed). */
  run(): Promise<DeploymentStatus> {
    return this.exclusive(async () => {
      this.requireOpen()
      if (ACTIVE.has(this.state))
        throw new StudioError('conflict', `the deployment is already ${this.state}`)
      await this.stopActive()
      await this.start('started')
      return this.status()
    })
  }

  stop(): Promise<DeploymentStatus> {
    return this.exclusive(async () => {
      this.requireOpen()
      if (this.deployment === undefined)
        throw new StudioError('conflict', `the deployment is not running (${this.state})`)
      await this.stopActive()
      this.separator(this.deploymentName() ?? '', 'stopped')
      return this.status()
    })
  }

  restart(): Promise<DeploymentStatus> {
    return this.exclusive(async () => {
      this.requireOpen()
      await this.stopActive()
      await this.start('restarted')
      return this.status()
    })
  }

  /** Restarts one program and its dependents; answers at once, progress shows in the log. */
  restartService(name: string): DeploymentStatus {
    return this.serviceAction(name, 'restart', (d) => d.restartService(name))
  }

  /** Starts one program that is not running; answers at once, progress shows in the log. */
  startService(name: string): DeploymentStatus {
    if (this.graphModel.alive(name))
      throw new StudioError('conflict', `${name} is already running`, 'params.name')
    return this.serviceAction(name, 'start', (d) => d.startService(name))
  }

  /** Stops one program; answers at once, its state shows in the graph. */
  stopService(name: string): DeploymentStatus {
    if (this.graphModel.has(name) && !this.graphModel.alive(name))
      throw new StudioError('conflict', `${name} is not running`, 'params.name')
    return this.serviceAction(name, 'stop', (d) => d.stopService(name))
  }

  private serviceAction(
    name: string,
    action: string,
    perform: (deployment: Deployment) => Promise<void>,
  ): DeploymentStatus {
    this.requireOpen()
    if (this.config?.services.some((s) => s.name === name) !== true)
      throw new StudioError('not-found', `no service named "${name}"`, 'params.name')
    const deployment = this.deployment
    if (deployment === undefined || this.state === 'starting' || this.state === 'stopping')
      throw new StudioError('conflict', `the deployment is not running (${this.state})`)
    let acting: Promise<void>
    try {
      acting = perform(deployment)
    } catch (err) {
      throw new StudioError('conflict', describeError(err))
    }
    this.separator(this.deploymentName() ?? '', `${action} of ${name}`)
    acting.catch((err: unknown) =>
      this.studioLog('error', `${action} of ${name}: ${describeError(err)}`),
    )
    return this.status()
  }

  /** Stops whatever runs and releases the queue database; the session can be dropped after. */
  async close(): Promise<void> {
    this.configWatch?.close()
    await this.exclusive(() => this.stopActive())
    await this.queueDesk.close()
    clearTimeout(this.statusTimer)
    this.logFile?.close()
    this.traces.close()
    this.listeners.clear()
  }

  /** Saves the traces shown (default: next to the open deploy config). */
  saveTraces(file: string | undefined): ReturnType<TraceDesk['save']> {
    return this.traces.save(file, this.config?.file ?? this.file, this.config?.name)
  }

  // ---- views -----------------------------------------------------------------------------

  graph(): ServiceGraph {
    return this.graphModel.graph()
  }

  details(name: string): ServiceDetails {
    const service = this.config?.services.find((s) => s.name === name)
    const program = this.graphModel.program(name)
    if (service === undefined || program === undefined)
      throw new StudioError('not-found', `no service named "${name}"`, 'params.name')
    const methods: Record<string, string[]> = {}
    const host = this.lastDeployment?.kernel?.hostByName(name)
    for (const s of host?.services ?? []) methods[s.fullName] = [...s.methodsByName.keys()]
    return {
      node: program.node,
      wasm: service.wasm,
      args: service.args,
      plugins: service.plugins.map((p) => p.name),
      methods,
      history: program.history,
      recentCalls: program.recentCalls,
    }
  }

  // ---- invoke ----------------------------------------------------------------------------

  methodsList(
    program: string | undefined,
  ): Promise<{ programs: ProgramMethods[]; problems: string[] }> {
    const config = this.config
    if (config === undefined) throw new StudioError('no-deployment', 'no valid deployment is open')
    return this.invoker.list(config, this.graphModel.graph().nodes, program)
  }

  /** Calls a method of the running deployment from the caller "studio". */
  invoke(service: string, method: string, json: string): Promise<InvokeRecord> {
    const config = this.config
    const deployment = this.deployment
    if (config === undefined) throw new StudioError('no-deployment', 'no valid deployment is open')
    if (deployment === undefined || this.state !== 'running')
      throw new StudioError('conflict', `the deployment is not running (${this.state})`)
    const caller = (): ExternalCaller => {
      if (this.studioCaller?.deployment !== deployment)
        this.studioCaller = { deployment, caller: deployment.externalCaller(STUDIO_CALLER) }
      return this.studioCaller.caller
    }
    return this.invoker.invoke(config.file, config, caller, service, method, json)
  }

  /** A span's request and response, decoded through the open deployment's descriptors. */
  spanPayload(spanId: string): Promise<BridgeResults['traces.payload']> {
    const config = this.config
    return this.traces.payload(spanId, async () =>
      config === undefined ? undefined : (await this.invoker.catalog(config)).registry,
    )
  }

  invokeHistory(): readonly InvokeRecord[] {
    return this.invoker.calls(this.config?.file)
  }

  // ---- config files ----------------------------------------------------------------------

  async saveConfig(file: string, text: string): Promise<ConfigText> {
    const path = await configPath(this.options.roots, file, 'write')
    if (path === this.configWatch?.file) this.configWatch.saw(text)
    const saved = await saveConfig(path, text, this.referenceChecks())
    if (path === this.file && !ACTIVE.has(this.state)) {
      // The open deployment's file changed: its readiness follows what was saved.
      await this.exclusive(async () => {
        if (ACTIVE.has(this.state) || this.deployment) return
        const loaded = await loadDeployConfig(path, this.referenceChecks())
        this.diagnostics = loaded.diagnostics
        this.adopt(loaded.config)
        this.setState(loaded.config ? 'ready' : 'invalid', this.configMessage())
      })
    }
    return saved
  }

  /**
   * Tells clients when the open config changes on disk (the editor reloads, or shows both
   * versions when it has unsaved edits); a stopped deployment's readiness follows the file.
   */
  private watchConfig(file: string, text: string): void {
    this.configWatch?.close()
    this.configWatch = new ConfigWatch(file, text, () => {
      this.emit({ kind: 'config', file })
      void this.exclusive(async () => {
        if (this.file !== file || ACTIVE.has(this.state) || this.deployment) return
        const loaded = await loadDeployConfig(file, this.referenceChecks())
        this.diagnostics = loaded.diagnostics
        this.adopt(loaded.config)
        this.setState(loaded.config ? 'ready' : 'invalid', this.configMessage())
      })
    })
  }

  // ---- the run ---------------------------------------------------------------------------

  private async start(action: string): Promise<void> {
    const file = this.file as string
    const loaded = await loadDeployConfig(file, this.referenceChecks())
    this.diagnostics = loaded.diagnostics
    this.adopt(loaded.config)
    this.exitCode = undefined
    const config = loaded.config
    if (config === undefined) {
      this.setState('invalid', this.configMessage())
      return
    }
    this.errorCount = 0
    this.lastRunnerError = undefined
    this.deadlockReason = undefined
    this.stopRequested = false
    this.logFile?.close()
    this.logFile = new RunLogFile(join(this.options.dataDir, 'logs'), config.name)
    this.separator(config.name, action)
    const capture = capturesPayloads(config)
    this.traces.newRun(capture ? undefined : config.file)
    this.studioLog('info', `starting ${config.name} (${config.file})`)
    this.reportDescriptorProblems()
    const deployment = new Deployment(config, {
      mode: 'run',
      watch: true,
      outsideCallers: true,
      tracing: true,
      onSpan: (span) => {
        if (this.deployment !== deployment) return
        this.graphModel.spanFinished(span)
        this.traces.add(span)
      },
      // `capture_payloads = false` holds here too: payloads may hold secrets, whoever watches.
      ...(capture
        ? {
            onPayload: (payload: SpanPayloadRecord) => {
              if (this.deployment === deployment) this.traces.payloads.add(payload.spanId, payload)
            },
          }
        : {}),
      onLog: (record) => this.onLog(record),
      onEvent: (event) => this.onKernelEvent(event),
      onProgress: (message) =>
        this.onLog({ timeMs: Date.now(), level: 'info', source: 'runner', message }),
      onStarted: () => {
        if (this.deployment === deployment && this.state === 'starting') this.setState('running')
      },
    })
    this.deployment = deployment
    this.lastDeployment = deployment
    this.setState('starting')
    this.runEnded = deployment.run().then(
      (code) => this.ended(deployment, code, undefined),
      (err: unknown) => this.ended(deployment, undefined, err),
    )
    this.queueDesk.startQueuePolling()
  }

  private ended(deployment: Deployment, code: number | undefined, err: unknown): void {
    if (this.deployment !== deployment) return
    this.deployment = undefined
    this.queueDesk.stopQueuePolling()
    void this.queueDesk.checkQueues()
    if (this.stopRequested) {
      this.setState('stopped')
    } else if (code === undefined) {
      this.setState('failed', `the runner failed: ${describeError(err)}`)
    } else if (code === ExitCode.BAD_DEPLOYMENT && this.state === 'starting') {
      this.setState('failed', this.lastRunnerError ?? 'a module did not compile')
    } else {
      this.exitCode = code
      this.setState('exited', code === ExitCode.DEADLOCK ? this.deadlockReason : undefined)
    }
  }

  private async stopActive(): Promise<void> {
    const deployment = this.deployment
    if (deployment === undefined) return
    this.stopRequested = true
    this.setState('stopping')
    await deployment.stop()
    await this.runEnded
  }

  private onKernelEvent(event: KernelEvent): void {
    this.graphModel.apply(event)
    if (event.type === 'deadlock') this.deadlockReason = event.reason
    this.emit({ kind: 'kernel', event })
    if (this.deployment === undefined) return
    if (event.type === 'host-ended' && this.state === 'running') this.checkAllEnded()
    else if (event.type === 'host-added' && this.state === 'exited') this.setState('running')
  }

  /**
   * In watch mode the runner keeps going after the main programs end. When every program has
   * ended and there was a main, the status says `exited` with the first failing main's code.
   */
  private checkAllEnded(): void {
    // A deadlock ends the run itself, with its own code and report (see ended()).
    if (this.deadlockReason !== undefined) return
    const endings = this.graphModel.endings()
    const mains = endings.filter((e) => e.role === 'main')
    if (mains.length === 0 || mains.some((m) => m.outcome === undefined)) return
    if (endings.some((e) => this.graphModel.alive(e.name))) return
    const failing = mains.find((m) => m.outcome === 'failed' || (m.exitCode ?? 0) !== 0)
    this.exitCode =
      failing === undefined
        ? 0
        : failing.outcome === 'failed'
          ? ExitCode.MAIN_FAILED
          : (failing.exitCode ?? 0)
    this.setState('exited')
  }
}
