import type {
  ConfigText,
  DeploymentState,
  DeploymentStatus,
  MessageStateName,
  QueueMessageView,
  QueueView,
  StudioInfo,
  WorkspaceFiles,
} from '../../shared/bridge/contract'
import { BRIDGE_PROTOCOL_VERSION } from '../../shared/bridge/contract'
import type { ConfigDiagnostic, DeployConfig } from '../../shared/deploy-config/types'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogLine } from '../../shared/bridge/contract'
import type { LogRecord } from '../../shared/log/log-record'
import type { Deployment } from '../runner/deployment'
import type { ReferenceCheckOptions } from '../runner/load-config'
import { configPath, insideRoots, readConfig, validateConfigText } from './config-files'
import type { ConfigWatch } from './config-watch'
import { describeDescriptorProblem } from '../runner/descriptor-sets'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
import { TraceDesk } from './trace-desk'
import { GraphModel } from './graph-model'
import { Invoker, STUDIO_CALLER } from './invoke'
import type { ExternalCaller } from '../runner/external-caller'
import { listExamples, RecentList } from './library'
import type { RunLogFile } from './log-file'
import type { LogPredicate } from './log-filter'
import { LogRing } from './log-ring'
import { QueueDesk } from './queue-desk'
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

const STATUS_COALESCE_MS = 100

/**
 * What a Studio session knows and tells: the open deployment's config, its state and status,
 * the listeners, the log (the ring and the run's file), the queues and the config files. Split
 * from session.ts, which adds what changes that state (open, run, stop, restart, the run's start
 * and end) and the views of a run; a StudioSession is one object, so these members are shared.
 */
export abstract class SessionState {
  readonly logs: LogRing
  protected readonly listeners = new Set<(event: SessionEvent) => void>()
  protected readonly recent: RecentList
  protected state: DeploymentState = 'empty'
  protected file: string | undefined
  protected config: DeployConfig | undefined
  protected diagnostics: readonly ConfigDiagnostic[] = []
  protected exitCode: number | undefined
  protected message: string | undefined
  protected errorCount = 0
  protected graphModel = new GraphModel([])
  protected deployment: Deployment | undefined
  protected lastDeployment: Deployment | undefined
  protected runEnded: Promise<void> = Promise.resolve()
  protected stopRequested = false
  protected readonly queueDesk: QueueDesk
  protected descriptorProblems: readonly DescriptorProblem[] = []
  protected statusTimer: NodeJS.Timeout | undefined
  protected lastRunnerError: string | undefined
  /** The kernel's report when the last run ended in a deadlock (the status message then). */
  protected deadlockReason: string | undefined
  protected lifecycle: Promise<unknown> = Promise.resolve()
  protected configWatch: ConfigWatch | undefined
  /** Every line of the current (or last) run, on disk. */
  protected logFile: RunLogFile | undefined
  protected readonly invoker = new Invoker()
  /** The invoke form's caller in the current run (one kernel host per run, named "studio"). */
  protected studioCaller: { deployment: Deployment; caller: ExternalCaller } | undefined
  /** The Calls panel's traces (tracing is on in every Studio run). */
  readonly traces: TraceDesk

  constructor(protected readonly options: StudioSessionOptions) {
    this.logs = new LogRing(options.logCapacity)
    this.recent = new RecentList(options.dataDir)
    this.queueDesk = new QueueDesk(options.queuePollMs ?? 500, (queues) =>
      this.emit({ kind: 'queues', queues }),
    )
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

  // ---- config files ----------------------------------------------------------------------

  async readConfig(file: string): Promise<ConfigText> {
    return readConfig(await configPath(this.options.roots, file, 'read'), this.referenceChecks())
  }

  async validateConfig(file: string, text: string): Promise<readonly ConfigDiagnostic[]> {
    // Validating text as if at `file` reads nothing there, but the answer says what is next to
    // it: the path must be inside the roots all the same.
    const path = await configPath(this.options.roots, file, 'read')
    return validateConfigText(path, text, this.referenceChecks())
  }

  /** The roots and the deploy configs under them, for an "Open…" without a native dialog. */
  workspaceFiles(): Promise<WorkspaceFiles> {
    return listWorkspaceConfigs(this.options.roots)
  }

  // ---- queues (queue-desk.ts) ------------------------------------------------------------

  queueList(): Promise<QueueView[]> {
    return this.queueDesk.queueList()
  }

  queuePeek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): Promise<QueueMessageView[]> {
    return this.queueDesk.queuePeek(queue, options)
  }

  queueSearch(
    queue: string,
    match: TextMatcher,
    limit?: number,
    budgetMs?: number,
  ): Promise<{ messages: QueueMessageView[]; incomplete?: true }> {
    return this.queueDesk.queueSearch(queue, match, limit, budgetMs)
  }

  queueDelete(queue: string, msgId: string): Promise<boolean> {
    return this.queueDesk.queueDelete(queue, msgId)
  }

  queuePurge(queue: string, state?: 'done' | 'dead' | 'ready'): Promise<number> {
    return this.queueDesk.queuePurge(queue, state)
  }

  queueRedrive(queue: string): Promise<number> {
    return this.queueDesk.queueRedrive(queue)
  }

  queueSend(queue: string, typeName: string, payload: string): Promise<string> {
    return this.queueDesk.queueSend(queue, typeName, payload)
  }

  queueTypes(): string[] {
    return this.queueDesk.queueTypes()
  }

  // ---- the log and the run's log file ----------------------------------------------------

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

  protected onLog(record: LogRecord & { readonly mark?: LogLine['mark'] }): void {
    if (record.level === 'error') {
      this.errorCount++
      if (record.source === 'runner') this.lastRunnerError = record.message
      this.statusSoon()
    }
    const line = this.logs.push(record)
    this.logFile?.append(line)
    this.emit({ kind: 'log', line })
  }

  /** A line between runs in the log: which deployment, what happened, when. */
  protected separator(deployment: string, action: string): void {
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

  protected studioLog(level: LogRecord['level'], message: string): void {
    this.onLog({ timeMs: Date.now(), level, source: 'studio', message })
  }

  /**
   * A descriptor set that cannot be used costs decoded payloads, not the deployment: each is an
   * error line of the log, on opening and on every run, so it is seen where the run is watched.
   */
  protected reportDescriptorProblems(): void {
    for (const p of this.descriptorProblems) {
      this.studioLog(
        'error',
        `${describeDescriptorProblem(p)}; queue payloads of its types are shown in hex`,
      )
    }
  }

  // ---- state and status ------------------------------------------------------------------

  protected setState(state: DeploymentState, message?: string): void {
    this.state = state
    this.message = message
    if (state !== 'exited') this.exitCode = undefined
    clearTimeout(this.statusTimer)
    this.statusTimer = undefined
    this.emit({ kind: 'status', status: this.status() })
  }

  /** Error counts change with every error line: tell listeners at most every 100 ms. */
  protected statusSoon(): void {
    if (this.statusTimer !== undefined) return
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined
      this.emit({ kind: 'status', status: this.status() })
    }, STATUS_COALESCE_MS)
    this.statusTimer.unref()
  }

  protected configMessage(): string | undefined {
    const errors = this.diagnostics.filter((d) => d.severity === 'error').length
    return errors > 0 ? `the deploy config has ${errors} error(s)` : undefined
  }

  /**
   * Takes `config` as the open deployment's (or none): fresh graph, queue database, and the
   * descriptor sets its payloads are decoded with.
   */
  protected adopt(config: DeployConfig | undefined): void {
    this.config = config
    // Every Studio run traces its calls: the graph's edges count the spans.
    this.graphModel = new GraphModel(config?.services ?? [], config?.limits.launchTimeoutMs, true, [
      STUDIO_CALLER,
    ])
    this.descriptorProblems = this.queueDesk.adopt(config)
    this.errorCount = this.diagnostics.filter((d) => d.severity === 'error').length
  }

  protected deploymentName(): string | undefined {
    return this.config?.name ?? this.file
  }

  protected requireOpen(): void {
    if (this.file === undefined) throw new StudioError('no-deployment', 'no deployment is open')
  }

  /** A config's wasm, plugins, descriptor sets and data_dir must lie inside the roots too. */
  protected referenceChecks(): ReferenceCheckOptions {
    return insideRoots(this.options.roots)
  }

  protected exclusive<T>(action: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(action, action)
    this.lifecycle = run.catch(() => undefined)
    return run
  }

  protected emit(event: SessionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A failing listener (a closed connection) must not stop the others or the runner.
      }
    }
  }
}
