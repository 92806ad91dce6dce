// The service graph as the Studio draws it, rebuilt from the kernel's event stream (and, when the
// deployment traces its calls, the edges' call counts from the spans), so it stays readable
// after the deployment has ended and never reaches into live kernel state.
// One node per program of the deploy config; a restarted program is the newest host of its name.
import { spanFailed } from '../../shared/trace/span'
import type { SpanRecord } from '../../shared/trace/span'
import type {
  CallSummary,
  ServiceEdge,
  ServiceGraph,
  ServiceNode,
  StateHistoryEntry,
} from '../../shared/bridge/contract'
import type { ServiceConfig } from '../../shared/deploy-config/types'
import { addLatency, EdgeTallies, statsOf, type EdgeTally } from './graph-edges'
import type { KernelEvent, ServiceState, UnmetRequirement } from '../../shared/events/kernel-events'

const MAX_HISTORY = 100
const MAX_RECENT_CALLS = 50
const MAX_OPEN_CALLS = 4096

interface ServiceInfo {
  readonly key: string
  readonly fullName: string
  readonly host: string
  state: ServiceState
  readonly exports: Set<string>
  readonly requires: Set<string>
  unmet: readonly UnmetRequirement[]
  /** Set when it starts waiting to launch (the kernel's deadline, from the launch timeout). */
  launchDeadlineMs?: number
}

interface HostInfo {
  readonly key: string
  readonly program: string
  readonly services: ServiceInfo[]
  ended?: { outcome: 'exited' | 'failed'; exitCode?: number; reason?: string }
}

interface ProgramInfo {
  readonly config: ServiceConfig
  host: HostInfo | undefined
  readonly history: StateHistoryEntry[]
  readonly calls: CallSummary[]
  lastState: ServiceNode['state']
}

interface OpenCall {
  readonly summary: CallSummary
  readonly programs: readonly string[]
  readonly edge: EdgeTally | undefined
}

// The state a program shows is that of its least advanced service.
const STATE_ORDER: readonly ServiceState[] = [
  'failed',
  'waiting',
  'registered',
  'exported',
  'running',
  'exited',
]

const STATE_EVENTS = new Set<KernelEvent['type']>([
  'host-added',
  'host-ended',
  'service-registered',
  'service-state',
])

export class GraphModel {
  private readonly programs = new Map<string, ProgramInfo>()
  private readonly hosts = new Map<string, HostInfo>()
  private readonly services = new Map<string, ServiceInfo>()
  private readonly openCalls = new Map<string, OpenCall>()
  private readonly edges: EdgeTallies
  private cycle: readonly string[] | undefined
  private cycleReason: string | undefined

  constructor(
    services: readonly ServiceConfig[],
    private readonly launchTimeoutMs?: number,
    /**
     * The deployment traces its calls: edges count and time the finished calls' spans
     * (`spanFinished`) instead of the kernel's call events.
     */
    private readonly edgesFromSpans = false,
    /**
     * Kernel host names of callers from outside the guests (the Studio's invoke form): their
     * calls draw a node of their own and an edge to the program called. A deploy-config
     * program of the same name wins (its calls are a program's).
     */
    outsideCallers: readonly string[] = [],
  ) {
    this.edges = new EdgeTallies(outsideCallers, (name) => this.programs.has(name))
    for (const config of services) {
      this.programs.set(config.name, {
        config,
        host: undefined,
        history: [],
        calls: [],
        lastState: 'not-started',
      })
    }
  }

  apply(event: KernelEvent): void {
    switch (event.type) {
      case 'host-added': {
        const host: HostInfo = { key: event.host, program: event.name, services: [] }
        this.hosts.set(host.key, host)
        const program = this.programs.get(event.name)
        if (program) program.host = host
        break
      }
      case 'host-ended': {
        const host = this.hosts.get(event.host)
        if (host === undefined) break
        host.ended = {
          outcome: event.outcome,
          ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
          ...(event.reason !== undefined ? { reason: event.reason } : {}),
        }
        break
      }
      case 'service-registered': {
        const host = this.hosts.get(event.host)
        if (host === undefined) break
        const info: ServiceInfo = {
          key: event.service,
          fullName: event.name,
          host: event.host,
          state: 'registered',
          exports: new Set(),
          requires: new Set(),
          unmet: [],
        }
        this.services.set(info.key, info)
        host.services.push(info)
        break
      }
      case 'service-exported': {
        const service = this.services.get(event.service)
        for (const name of event.names) service?.exports.add(name)
        break
      }
      case 'require-edge':
        this.services.get(event.service)?.requires.add(event.required)
        break
      case 'waiting-for': {
        const service = this.services.get(event.service)
        if (service) service.unmet = event.unmet
        break
      }
      case 'service-state': {
        const service = this.services.get(event.service)
        if (service === undefined) break
        if (event.state === 'waiting' && service.state !== 'waiting' && this.launchTimeoutMs)
          service.launchDeadlineMs = event.timeMs + this.launchTimeoutMs
        if (event.state !== 'waiting') service.launchDeadlineMs = undefined
        service.state = event.state
        if (event.state === 'running') service.unmet = []
        break
      }
      case 'dependency-cycle': {
        const names = event.cycle.map((key) => this.programOfService(key) ?? key)
        // Two services of one program in a row are one step of the program cycle.
        this.cycle = names.filter((name, i) => i === 0 || names[i - 1] !== name)
        this.cycleReason = event.reason
        break
      }
      case 'call-started':
        this.callStarted(event)
        break
      case 'call-finished':
        this.callFinished(event)
        break
      case 'shutdown-requested':
        break
    }
    if (STATE_EVENTS.has(event.type)) this.recordStates(event)
  }

  graph(): ServiceGraph {
    const nodes = [...this.programs.values()].map((p) => this.node(p))
    const edges: ServiceEdge[] = []
    for (const node of nodes) {
      for (const via of node.requires) {
        const exporters = nodes.filter((n) => n.name !== node.name && n.exports.includes(via))
        if (exporters.length === 0) edges.push({ from: node.name, via })
        for (const to of exporters) {
          const calls = this.edges.stats(node.name, to.name, via)
          edges.push({ from: node.name, to: to.name, via, ...(calls ? { calls } : {}) })
        }
      }
    }
    const callers = new Set<string>()
    for (const edge of this.edges.fromCallers()) {
      callers.add(edge.caller)
      const calls = statsOf(edge.tally)
      edges.push({ from: edge.caller, to: edge.to, via: edge.via, fromCaller: true, calls })
    }
    return {
      nodes,
      edges,
      ...(callers.size > 0 ? { callers: [...callers] } : {}),
      ...(this.cycle ? { cycle: this.cycle } : {}),
      ...(this.cycleReason ? { cycleReason: this.cycleReason } : {}),
    }
  }

  has(program: string): boolean {
    return this.programs.has(program)
  }

  node(program: ProgramInfo): ServiceNode {
    const host = program.host
    const services = host?.services ?? []
    const union = (pick: (s: ServiceInfo) => Iterable<string>) => [
      ...new Set(services.flatMap((s) => [...pick(s)])),
    ]
    const deadlines = services.flatMap((s) =>
      s.state === 'waiting' && s.launchDeadlineMs !== undefined ? [s.launchDeadlineMs] : [],
    )
    return {
      name: program.config.name,
      role: program.config.role,
      state: this.stateOf(host),
      ...(host ? { host: host.key } : {}),
      registered: services.map((s) => s.fullName),
      exports: union((s) => s.exports),
      requires: union((s) => s.requires),
      unmet: services.flatMap((s) => s.unmet),
      ...(host?.ended?.exitCode !== undefined ? { exitCode: host.ended.exitCode } : {}),
      ...(host?.ended?.reason !== undefined ? { reason: host.ended.reason } : {}),
      ...(deadlines.length > 0 && host?.ended === undefined
        ? { launchDeadlineMs: Math.min(...deadlines) }
        : {}),
    }
  }

  program(name: string):
    | {
        readonly node: ServiceNode
        readonly history: readonly StateHistoryEntry[]
        readonly recentCalls: readonly CallSummary[]
      }
    | undefined {
    const program = this.programs.get(name)
    if (program === undefined) return undefined
    return {
      node: this.node(program),
      history: [...program.history],
      recentCalls: [...program.calls],
    }
  }

  /** Every program whose current guest has ended (or never started), with how it ended. */
  endings(): {
    name: string
    role: ServiceConfig['role']
    outcome?: 'exited' | 'failed'
    exitCode?: number
  }[] {
    return [...this.programs.values()].map((p) => ({
      name: p.config.name,
      role: p.config.role,
      ...(p.host?.ended
        ? {
            outcome: p.host.ended.outcome,
            ...(p.host.ended.exitCode !== undefined ? { exitCode: p.host.ended.exitCode } : {}),
          }
        : {}),
    }))
  }

  /** Whether the program has a guest that has not ended. */
  alive(name: string): boolean {
    const host = this.programs.get(name)?.host
    return host !== undefined && host.ended === undefined
  }

  private stateOf(host: HostInfo | undefined): ServiceNode['state'] {
    if (host === undefined) return 'not-started'
    if (host.ended) return host.ended.outcome
    if (host.services.length === 0) return 'running'
    let best = STATE_ORDER.length - 1
    for (const s of host.services) best = Math.min(best, STATE_ORDER.indexOf(s.state))
    return STATE_ORDER[best] as ServiceState
  }

  private recordStates(event: KernelEvent): void {
    for (const program of this.programs.values()) {
      const host = program.host
      // A guest that has not registered yet has no state worth a history entry.
      if (host === undefined || (host.ended === undefined && host.services.length === 0)) continue
      const state = this.stateOf(host)
      if (state === 'not-started' || state === program.lastState) continue
      program.lastState = state
      const reason =
        event.type === 'service-state' || event.type === 'host-ended' ? event.reason : undefined
      program.history.push({ state, timeMs: event.timeMs, ...(reason ? { reason } : {}) })
      if (program.history.length > MAX_HISTORY) program.history.shift()
    }
  }

  private programOfService(key: string): string | undefined {
    const service = this.services.get(key)
    return service && this.hosts.get(service.host)?.program
  }

  /** Callers are named by their first service's key, or their host's key before they have one. */
  private programOfCaller(key: string): string | undefined {
    return this.programOfService(key) ?? this.hosts.get(key)?.program
  }

  private callStarted(event: Extract<KernelEvent, { type: 'call-started' }>): void {
    const caller = this.programOfCaller(event.caller) ?? event.caller
    const target = this.programOfService(event.target) ?? event.target
    const fullName = this.services.get(event.target)?.fullName
    const summary: CallSummary = {
      caller,
      target,
      method: fullName ? `${fullName}.${event.method}` : event.method,
      startedMs: event.timeMs,
    }
    const programs = caller === target ? [caller] : [caller, target]
    if (this.openCalls.size >= MAX_OPEN_CALLS) {
      const oldest = this.openCalls.keys().next().value
      if (oldest !== undefined) this.openCalls.delete(oldest)
    }
    let edge: EdgeTally | undefined
    if (!this.edgesFromSpans && fullName !== undefined) {
      edge = this.edges.edgeOf(caller, target, fullName)
      if (edge !== undefined) edge.count++
    }
    this.openCalls.set(event.call, { summary, programs, edge })
    for (const name of programs) this.pushCall(name, summary)
  }

  private callFinished(event: Extract<KernelEvent, { type: 'call-finished' }>): void {
    const open = this.openCalls.get(event.call)
    if (open === undefined) return
    this.openCalls.delete(event.call)
    const done: CallSummary = {
      ...open.summary,
      latencyMs: event.latencyMs,
      ...(event.resultError !== 0 ? { resultError: event.resultError } : {}),
      ...(event.kernelError !== 0 ? { kernelError: event.kernelError } : {}),
    }
    const edge = open.edge
    if (edge !== undefined) {
      if (event.resultError !== 0 || event.kernelError !== 0) edge.errors++
      addLatency(edge, event.latencyMs)
    }
    for (const name of open.programs) {
      const calls = this.programs.get(name)?.calls
      if (calls === undefined) continue
      const at = calls.lastIndexOf(open.summary)
      if (at >= 0) calls[at] = done
      else this.pushCall(name, done)
    }
  }

  /** A finished call's span: its edge (caller program, callee program, service) counts it. */
  spanFinished(span: SpanRecord): void {
    if (!this.edgesFromSpans) return
    const edge = this.edges.edgeOf(span.caller, span.callee, span.service)
    if (edge === undefined) return
    edge.count++
    if (spanFailed(span)) edge.errors++
    addLatency(edge, span.durationMs)
  }

  private pushCall(program: string, summary: CallSummary): void {
    const calls = this.programs.get(program)?.calls
    if (calls === undefined) return
    calls.push(summary)
    if (calls.length > MAX_RECENT_CALLS) calls.shift()
  }
}
