// One Studio session: at most one open deployment, its run, its log, its graph and its queues.
// Platform-neutral (no Electron): the WebSocket server of `parigot serve` and the Electron IPC
// both drive the same session through the bridge dispatcher.
import type {
  InvokeRecord,
  ProgramMethods,
  ConfigText,
  DeploymentState,
  DeploymentStatus,
  MessageStateName,
  QueueMessageView,
  QueueView,
  ServiceDetails,
  ServiceGraph,
  StudioInfo,
  WorkspaceFiles,
} from '../../shared/bridge/contract'
import { BRIDGE_PROTOCOL_VERSION } from '../../shared/bridge/contract'
import type { ConfigDiagnostic, DeployConfig } from '../../shared/deploy-config/types'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogLine } from '../../shared/bridge/contract'
import type { LogRecord } from '../../shared/log/log-record'
import { Deployment, ExitCode } from '../runner/deployment'
import { loadDeployConfig } from '../runner/load-config'
import type { ReferenceCheckOptions } from '../runner/load-config'
import { configPath, insideRoots, readConfig, saveConfig, validateConfigText } from './config-files'
import { ConfigWatch } from './config-watch'
import { describeDescriptorProblem } from '../runner/descriptor-sets'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { join } from 'node:path'
import { describeError, StudioError } from './errors'
import { TraceDesk } from './trace-desk'
import { GraphModel } from './graph-model'
import { Invoker, STUDIO_CALLER } from './invoke'
import type { ExternalCaller } from '../runner/external-caller'
import { listExamples, RecentList } from './library'
import { RunLogFile } from './log-file'
import type { LogPredicate } from './log-filter'
import { LogRing } from './log-ring'
import { QueueAccess, queueDatabasePath, queuesElsewhere } from './queues'
import type { TextMatcher } from './user-pattern'
import { listWorkspaceConfigs } from './workspace-files'
import type { WorkspaceRoots } from './workspace-roots'

export type SessionEvent =
  | { readonly kind: 'status'; readonly status: DeploymentStatus }
  | { readonly kind: 'log'; readonly line: LogLine }
  | { readonly kind: 'kernel'; readonly event: KernelEvent }
  | { readonly kind: 'queues'; readonly queues: readonly string[] }
  | { readonly kind: 'config'; readonly file: string }
  | { readonly kind: 'traces'; readonly spans: number }

export interface StudioSessionOptions {
  readonly version: string
  /**
   * The folders a client may read and write files in (and which a config's files and data_dir
   * must lie in): the folder `parigot serve` started in or its --root folders, in Electron the
   * folders the user picked.
   */
  readonly roots: WorkspaceRoots
  /** Where the session keeps its own files (recent.json). */
  readonly dataDir: string
  /** Folder of bundled examples (`<name>/deploy.toml`). */
  readonly examplesDir?: string
  readonly logCapacity?: number
  /** How often a running deployment's queue counts are compared (ms). Default 500. */
  readonly queuePollMs?: number
}

const ACTIVE: ReadonlySet<DeploymentState> = new Set(['starting', 'running', 'stopping'])
const STATUS_COALESCE_MS = 100

export class StudioSession {
  readonly logs: LogRing
  private readonly listeners = new Set<(event: SessionEvent) => void>()
  private readonly recent: RecentList
  private state: DeploymentState = 'empty'
  private file: string | undefined
  private config: DeployConfig | undefined
  private diagnostics: readonly ConfigDiagnostic[] = []
  private exitCode: number | undefined
  private message: string | undefined
  private errorCount = 0
  private graphModel = new GraphModel([])
  private deployment: Deployment | undefined
  private lastDeployment: Deployment | undefined
  private runEnded: Promise<void> = Promise.resolve()
  private stopRequested = false
  private queues: QueueAccess | undefined
  private queueTimer: NodeJS.Timeout | undefined
  private queueCounts = new Map<string, string>()
  private descriptorProblems: readonly DescriptorProblem[] = []
  private statusTimer: NodeJS.Timeout | undefined
  private lastRunnerError: string | undefined
  /** The kernel's report when the last run ended in a deadlock (the status message then). */
  private deadlockReason: string | undefined
  private lifecycle: Promise<unknown> = Promise.resolve()
  private configWatch: ConfigWatch | undefined
  /** Every line of the current (or last) run, on disk. */
  private logFile: RunLogFile | undefined
  private readonly invoker = new Invoker()
  /** The invoke form's caller in the current run (one kernel host per run, named "studio"). */
  private studioCaller: { deployment: Deployment; caller: ExternalCaller } | undefined

  /** The Calls panel's traces (tracing is on in every Studio run). */
  readonly traces: TraceDesk

  constructor(private readonly options: StudioSessionOptions) {
    this.logs = new LogRing(options.logCapacity)
    this.recent = new RecentList(options.dataDir)
    this.traces = new TraceDesk(options.roots, this.logs, (spans) =>
      this.emit({ kind: 'traces', spans }),
    )
  }

  /** Hears every status change, log line, kernel event and queue change; returns unsubscribe. */
  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  status(): DeploymentStatus {
    return {
      state: this.state,
      ...(this.file !== undefined ? { file: this.file } : {}),
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.message !== undefined ? { message: this.message } : {}),
      errorCount: this.errorCount,
    }
  }

  async info(): Promise<StudioInfo> {
    return {
      version: this.options.version,
      protocol: BRIDGE_PROTOCOL_VERSION,
      status: this.status(),
      examples: this.options.examplesDir ? await listExamples(this.options.examplesDir) : [],
      recent: await this.recent.list(),
    }
  }

  // ---- lifecycle (one operation at a time) ------------------------------------------------

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
    this.queues?.close()
    this.queues = undefined
    clearTimeout(this.statusTimer)
    this.logFile?.close()
    this.traces.close()
    this.listeners.clear()
  }

  /** Saves the traces shown (default: next to the open deploy config). */
  saveTraces(file: string | undefined): ReturnType<TraceDesk['save']> {
    return this.traces.save(file, this.config?.file ?? this.file, this.config?.name)
  }

  // ---- views -------------------------------------------------------------------------------

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

  // ---- invoke ------------------------------------------------------------------------------

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

  invokeHistory(): readonly InvokeRecord[] {
    return this.invoker.calls(this.config?.file)
  }

  // ---- config files ------------------------------------------------------------------------

  async readConfig(file: string): Promise<ConfigText> {
    return readConfig(await configPath(this.options.roots, file, 'read'), this.referenceChecks())
  }

  async validateConfig(file: string, text: string): Promise<readonly ConfigDiagnostic[]> {
    // Validating text as if at `file` reads nothing there, but the answer says what is next to
    // it: the path must be inside the roots all the same.
    const path = await configPath(this.options.roots, file, 'read')
    return validateConfigText(path, text, this.referenceChecks())
  }

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

  /** The roots and the deploy configs under them, for an "Open…" without a native dialog. */
  workspaceFiles(): Promise<WorkspaceFiles> {
    return listWorkspaceConfigs(this.options.roots)
  }

  // ---- queues ------------------------------------------------------------------------------

  queueList(): QueueView[] {
    return this.requireQueues().list()
  }

  queuePeek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): QueueMessageView[] {
    return this.requireQueues().peek(queue, options)
  }

  queueSearch(
    queue: string,
    match: TextMatcher,
    limit?: number,
    budgetMs?: number,
  ): { messages: QueueMessageView[]; incomplete?: true } {
    return this.requireQueues().searchWithin(queue, match, limit, budgetMs)
  }

  queueDelete(msgId: string): boolean {
    return this.requireQueues().delete(msgId)
  }

  queuePurge(queue: string, state?: 'done' | 'dead' | 'ready'): number {
    return this.requireQueues().purge(queue, state)
  }

  queueRedrive(queue: string): number {
    return this.requireQueues().redrive(queue)
  }

  queueSend(queue: string, typeName: string, payload: string): string {
    return this.requireQueues().send(queue, typeName, payload)
  }

  queueTypes(): string[] {
    return this.requireQueues().types()
  }

  // ---- internals ---------------------------------------------------------------------------

  private exclusive<T>(action: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(action, action)
    this.lifecycle = run.catch(() => undefined)
    return run
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

  /** A config's wasm, plugins, descriptor sets and data_dir must lie inside the roots too. */
  private referenceChecks(): ReferenceCheckOptions {
    return insideRoots(this.options.roots)
  }

  private requireOpen(): void {
    if (this.file === undefined) throw new StudioError('no-deployment', 'no deployment is open')
  }

  private requireQueues(): QueueAccess {
    if (this.queues === undefined)
      throw new StudioError('no-deployment', 'no valid deployment is open')
    return this.queues
  }

  private configMessage(): string | undefined {
    const errors = this.diagnostics.filter((d) => d.severity === 'error').length
    return errors > 0 ? `the deploy config has ${errors} error(s)` : undefined
  }

  /**
   * Takes `config` as the open deployment's (or none): fresh graph, queue database, and the
   * descriptor sets its payloads are decoded with.
   */
  private adopt(config: DeployConfig | undefined): void {
    this.config = config
    // Every Studio run traces its calls: the graph's edges count the spans.
    this.graphModel = new GraphModel(config?.services ?? [], config?.limits.launchTimeoutMs, true)
    const path = config ? queueDatabasePath(config) : undefined
    const elsewhere = config ? queuesElsewhere(config) : undefined
    if (this.queues?.path !== path || this.queues?.elsewhere !== elsewhere) {
      this.queues?.close()
      this.queues = path
        ? new QueueAccess(path, (names) => this.queuesChanged(names), elsewhere)
        : undefined
      this.queueCounts.clear()
    }
    this.descriptorProblems = this.queues?.useDescriptors(config?.descriptors ?? []) ?? []
    this.errorCount = this.diagnostics.filter((d) => d.severity === 'error').length
  }

  private deploymentName(): string | undefined {
    return this.config?.name ?? this.file
  }

  /** A line between runs in the log: which deployment, what happened, when. */
  private separator(deployment: string, action: string): void {
    const now = new Date()
    const clock = now.toTimeString().slice(0, 8)
    this.onLog({
      timeMs: now.getTime(),
      level: 'info',
      source: 'studio',
      message: `${deployment} — ${action} at ${clock}`,
      mark: 'separator',
    })
  }

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
    this.traces.newRun()
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
    this.startQueuePolling()
  }

  private ended(deployment: Deployment, code: number | undefined, err: unknown): void {
    if (this.deployment !== deployment) return
    this.deployment = undefined
    this.stopQueuePolling()
    this.checkQueues()
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

  private setState(state: DeploymentState, message?: string): void {
    this.state = state
    this.message = message
    if (state !== 'exited') this.exitCode = undefined
    clearTimeout(this.statusTimer)
    this.statusTimer = undefined
    this.emit({ kind: 'status', status: this.status() })
  }

  /** Error counts change with every error line: tell listeners at most every 100 ms. */
  private statusSoon(): void {
    if (this.statusTimer !== undefined) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined
      this.emit({ kind: 'status', status: this.status() })
    }, STATUS_COALESCE_MS)
    this.statusTimer.unref()
  }

  private onLog(record: LogRecord & { readonly mark?: LogLine['mark'] }): void {
    if (record.level === 'error') {
      this.errorCount++
      if (record.source === 'runner') this.lastRunnerError = record.message
      this.statusSoon()
    }
    const line = this.logs.push(record)
    this.logFile?.append(line)
    this.emit({ kind: 'log', line })
  }

  // ---- the run's log file ------------------------------------------------------------------

  logFileInfo() {
    return this.logFile?.info()
  }

  async readLog(fromSeq: number, toSeq: number, limit: number) {
    const file = this.logFile
    if (file === undefined) return { lines: [], more: false, file: undefined }
    return { ...(await file.read(fromSeq, toSeq, limit)), file: file.info() }
  }

  async searchLog(match: LogPredicate, afterSeq: number, limit: number) {
    const file = this.logFile
    if (file === undefined) return { lines: [], more: false, file: undefined }
    return { ...(await file.search(match, afterSeq, limit)), file: file.info() }
  }

  /**
   * A descriptor set that cannot be used costs decoded payloads, not the deployment: each is an
   * error line of the log, on opening and on every run, so it is seen where the run is watched.
   */
  private reportDescriptorProblems(): void {
    for (const p of this.descriptorProblems) {
      this.studioLog(
        'error',
        `${describeDescriptorProblem(p)}; queue payloads of its types are shown in hex`,
      )
    }
  }

  private studioLog(level: LogRecord['level'], message: string): void {
    this.onLog({ timeMs: Date.now(), level, source: 'studio', message })
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

  private startQueuePolling(): void {
    this.stopQueuePolling()
    this.queueTimer = setInterval(() => this.checkQueues(), this.options.queuePollMs ?? 500)
    this.queueTimer.unref()
  }

  private stopQueuePolling(): void {
    clearInterval(this.queueTimer)
    this.queueTimer = undefined
  }

  /** Compares every queue's counts with the last look; announces the queues that changed. */
  private checkQueues(): void {
    const changed = this.changedQueues()
    if (changed.length > 0) this.emit({ kind: 'queues', queues: changed })
  }

  private changedQueues(): string[] {
    const queues = this.queues
    if (queues === undefined) return []
    let views: QueueView[]
    try {
      views = queues.list()
    } catch {
      return [] // a database mid-creation; the next tick looks again
    }
    const changed: string[] = []
    const seen = new Set<string>()
    for (const q of views) {
      seen.add(q.name)
      const counts = `${q.ready}:${q.inFlight}:${q.done}:${q.dead}`
      if (this.queueCounts.get(q.name) !== counts) changed.push(q.name)
      this.queueCounts.set(q.name, counts)
    }
    for (const name of [...this.queueCounts.keys()]) {
      if (!seen.has(name)) {
        this.queueCounts.delete(name)
        changed.push(name)
      }
    }
    return changed
  }

  /** An inspector action changed `names` (a message may go without any count changing). */
  private queuesChanged(names: readonly string[]): void {
    const all = new Set([...names, ...this.changedQueues()])
    this.emit({ kind: 'queues', queues: [...all] })
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A failing listener (a closed connection) must not stop the others or the runner.
      }
    }
  }
}
