// The Studio attached to a deployment that runs on a cluster (`parigot serve --cluster URL
// --deployment NAME`): it runs nothing itself. It watches the deployment through the cluster's
// observer (src/main/cluster/observer.ts): the graph is the registry's guests grouped by host,
// with each host up or down, and the log is every host's lines (source `<source>@<host>`).
// Start, stop and restart of one service go to the host that runs it; what else would change
// the deployment (run, stop, edit, invoke) is refused with 'conflict' naming the reason, so the
// same renderer serves both kinds of session (attached-handlers.ts). The deployment's JetStream
// queues (if it keeps any there) are inspected and managed as in a local Studio (queue-desk.ts),
// on the same server and credentials, decoded with the deploy config's descriptor sets when the
// attach named one (else in hex). A call's request and response are read from the host that ran
// it when its span is opened (attached-payloads.ts).
import type {
  BridgeResults,
  DeploymentStatus,
  ServiceDetails,
  ServiceGraph,
  StudioInfo,
} from '../../shared/bridge/contract'
import { BRIDGE_PROTOCOL_VERSION } from '../../shared/bridge/contract'
import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { LogRecord } from '../../shared/log/log-record'
import { ClusterObserver, type ControlOp } from '../cluster/observer'
import { attachedGraph, attachedNode } from './attached-graph'
import { AttachedPayloads } from './attached-payloads'
import { describeError, StudioError } from './errors'
import { LogRing } from './log-ring'
import { QueueDesk } from './queue-desk'
import { describeDescriptorProblem } from '../runner/descriptor-sets'
import type { SessionEvent } from './session'
import { TraceDesk } from './trace-desk'
import type { SpanRecord } from '../../shared/trace/span'
import type { WorkspaceRoots } from './workspace-roots'

const STATUS_COALESCE_MS = 100
/** Problems (refused messages) logged per minute at most; the rest are only counted. */
const MAX_PROBLEM_LINES = 20

export interface AttachOptions {
  readonly version: string
  readonly roots: WorkspaceRoots
  readonly cluster: ClusterConfig
  readonly deployment: string
  readonly logCapacity?: number
  /** The deploy config's descriptor sets (when one was named), to decode queue payloads. */
  readonly descriptors?: readonly string[]
  /** How often the queues' counts are compared (ms; at least MIN_JETSTREAM_POLL_MS). */
  readonly queuePollMs?: number
}

export class AttachedSession {
  readonly logs: LogRing
  readonly traces: TraceDesk
  readonly queueDesk: QueueDesk
  private readonly payloads: AttachedPayloads
  private readonly listeners = new Set<(event: SessionEvent) => void>()
  private observer: ClusterObserver | undefined
  private statusTimer: NodeJS.Timeout | undefined
  private errorCount = 0
  private problemLines = 0
  private problemWindow = 0

  private constructor(private readonly options: AttachOptions) {
    this.logs = new LogRing(options.logCapacity)
    this.traces = new TraceDesk(options.roots, this.logs, (spans) =>
      this.emit({ kind: 'traces', spans }),
    )
    this.payloads = new AttachedPayloads(options.descriptors ?? [])
    this.queueDesk = new QueueDesk(options.queuePollMs ?? 1000, (queues) =>
      this.emit({ kind: 'queues', queues }),
    )
    const problems = this.queueDesk.adoptJetStream(
      { cluster: options.cluster, deployment: options.deployment },
      options.descriptors ?? [],
    )
    for (const problem of problems)
      this.addLog('studio', {
        timeMs: Date.now(),
        level: 'error',
        source: 'studio',
        message: `${describeDescriptorProblem(problem)}; queue payloads of its types are shown in hex`,
      })
  }

  /** Connects to the cluster and starts watching; throws StudioError('io') naming the server. */
  static async attach(options: AttachOptions): Promise<AttachedSession> {
    const session = new AttachedSession(options)
    try {
      session.observer = await ClusterObserver.attach(options.cluster, options.deployment, {
        changed: () => session.statusChanged(),
        log: (host, record) => session.addLog(host, record),
        event: (_host, event) => session.emit({ kind: 'kernel', event }),
        span: (host, span) => {
          session.payloads.noteSpan(host, span)
          session.traces.add(spanOfHost(host, span))
        },
        problem: (message) => session.problem(message),
      })
    } catch (err) {
      const why = describeError(err)
      // The connection's own errors name the server; the registry's (no JetStream, no
      // permission) do not.
      const { nats } = options.cluster
      throw new StudioError(
        'io',
        why.includes(nats) ? why : `deployment ${options.deployment} on ${nats}: ${why}`,
      )
    }
    session.addLog('studio', {
      timeMs: Date.now(),
      level: 'info',
      source: 'cluster',
      message: `attached to deployment ${options.deployment} on ${options.cluster.nats}`,
    })
    // The deployment runs already: its queues' counts are compared from now on.
    session.queueDesk.startQueuePolling()
    return session
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  private addLog(host: string, record: LogRecord): void {
    if (record.level === 'error') this.errorCount++
    const line = this.logs.push({ ...record, source: `${record.source}@${host}` })
    this.emit({ kind: 'log', line })
  }

  /** A refused message is a log line (at most MAX_PROBLEM_LINES a minute; all are counted). */
  private problem(message: string): void {
    const minute = Math.floor(Date.now() / 60_000)
    if (minute !== this.problemWindow) {
      this.problemWindow = minute
      this.problemLines = 0
    }
    if (this.problemLines++ >= MAX_PROBLEM_LINES) return
    this.addLog('studio', {
      timeMs: Date.now(),
      level: 'warn',
      source: 'cluster',
      message: `${message} (refused so far: ${this.observer?.rejected ?? 0})`,
    })
  }

  private statusChanged(): void {
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = undefined
      this.emit({ kind: 'status', status: this.status() })
    }, STATUS_COALESCE_MS)
  }

  status(): DeploymentStatus {
    const { deployment, cluster } = this.options
    const hosts = this.observer?.hostList() ?? []
    const up = hosts.filter((h) => h.up).length
    const down = hosts.filter((h) => !h.up).map((h) => `${h.name} (${h.reason ?? 'down'})`)
    return {
      state: hosts.length > 0 && up === 0 ? 'stopped' : 'running',
      message:
        `attached to ${deployment} on ${cluster.nats}: ${up} of ${hosts.length} host(s) up` +
        (down.length > 0 ? `; down: ${down.join(', ')}` : ''),
      errorCount: this.errorCount,
      attached: { deployment, server: cluster.nats },
    }
  }

  info(): StudioInfo {
    return {
      version: this.options.version,
      protocol: BRIDGE_PROTOCOL_VERSION,
      status: this.status(),
      examples: [],
      recent: [],
    }
  }

  graph(): ServiceGraph {
    const observer = this.observer
    if (observer === undefined) return { nodes: [], edges: [] }
    return attachedGraph(observer.guests(), observer.hostList())
  }

  details(name: string): ServiceDetails {
    const entry = this.observer?.guests().find((g) => g.guest === name)
    if (entry === undefined)
      throw new StudioError('not-found', `no service named "${name}" in the cluster`, 'params.name')
    const host = this.observer?.hostList().find((h) => h.name === entry.host)
    const methods: Record<string, string[]> = {}
    for (const s of entry.services) methods[s.name] = [...s.methods]
    return {
      node: attachedNode(entry, host),
      wasm: '',
      args: [],
      plugins: [],
      methods,
      history: [],
      recentCalls: [],
    }
  }

  /**
   * Start, stop or restart a service on the host that runs it (its Deployment does it and
   * answers); resolves when the host has, with the status.
   */
  async control(op: ControlOp, name: string): Promise<DeploymentStatus> {
    const observer = this.observer
    const entry = observer?.guests().find((g) => g.guest === name)
    if (observer === undefined || entry === undefined)
      throw new StudioError('not-found', `no service named "${name}" in the cluster`, 'params.name')
    const host = observer.hostList().find((h) => h.name === entry.host)
    if (host?.up !== true)
      throw new StudioError(
        'conflict',
        `${name} runs on host ${entry.host}, which is down (${host?.reason ?? 'no heartbeat'})`,
      )
    try {
      await observer.control(entry.host, op, name)
    } catch (err) {
      throw new StudioError('conflict', describeError(err))
    }
    return this.status()
  }

  /**
   * A span's request and response, asked of the host that ran the call (they stay there until
   * someone looks); a host that is down or does not answer in time is an 'io' error naming it.
   */
  spanPayload(spanId: string): Promise<BridgeResults['traces.payload']> {
    return this.payloads.view(spanId, this.traces.store, this.observer)
  }

  /** Lines, events and messages refused on receipt, and those the hosts said they dropped. */
  counters(): { rejected: number; droppedByHosts: number } {
    return {
      rejected: this.observer?.rejected ?? 0,
      droppedByHosts: this.observer?.droppedByHosts ?? 0,
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.statusTimer)
    this.listeners.clear()
    await this.queueDesk.close()
    await this.observer?.close()
  }
}

/**
 * A host's span as the attached Studio lists it: its programs named with their host
 * (`checkout@b`), as the log names sources. A stand-in (`checkout@b`) and a remote caller (`@a`)
 * already say where they are.
 */
export function spanOfHost(host: string, span: SpanRecord): SpanRecord {
  const placed = (name: string) => (name.includes('@') ? name : `${name}@${host}`)
  return { ...span, caller: placed(span.caller), callee: placed(span.callee) }
}
