// The service graph as cytoscape element definitions, kept free of cytoscape itself so the
// mapping (what is unmet, what belongs to the refused cycle) is plain data.
import type { ServiceGraph } from '../../../shared/bridge/contract'

export const STATE_COLOURS: Readonly<Record<string, string>> = {
  'not-started': '#5b6170',
  registered: '#8b91a0',
  exported: '#7fa7d9',
  waiting: '#e5b95c',
  running: '#5ecf8a',
  failed: '#ef6461',
  exited: '#9d86e9',
  missing: '#2a2e37',
}

/** What the legend names each node state (same order as it lists them). */
export const STATE_LEGEND: readonly (readonly [string, string])[] = [
  ['not-started', 'not started'],
  ['waiting', 'waiting'],
  ['running', 'running'],
  ['exited', 'exited'],
  ['failed', 'failed'],
]

const CHAR_PX = 7.4
const NODE_PADDING_PX = 26

export interface NodeDef {
  readonly id: string
  readonly label: string
  /** Name and state on two lines: the state reads without telling colours apart. */
  readonly text: string
  /** Box width that fits the text (cytoscape sizes nodes from data, not from labels). */
  readonly width: number
  readonly state: string
  /** A name nobody exports, drawn as a hollow placeholder so the unmet edge has an end. */
  readonly missing: boolean
  readonly inCycle: boolean
  /** Attached to a cluster: the compound node of the host that runs this service. */
  readonly parent?: string
  /** A host's compound node (its services inside), not a service. */
  readonly hostGroup?: boolean
  /** For a host: its heartbeat is heard. */
  readonly up?: boolean
  /** A caller from outside the guests (the Studio's invoke form), not a wasm guest. */
  readonly outside?: boolean
}

export interface EdgeDef {
  readonly id: string
  readonly source: string
  readonly target: string
  readonly label: string
  readonly unmet: boolean
  readonly from: string
  readonly to: string
  readonly via: string
  readonly calls: number
  readonly errors: number
  /** Median latency in ms, or -1 before the first finished call. */
  readonly p50: number
  /** The require the kernel refused because it closed the cycle (not a live edge). */
  readonly refused: boolean
  readonly inCycle: boolean
}

export const serviceNodeId = (name: string): string => `svc:${name}`
export const hostNodeId = (name: string): string => `host:${name}`
export const callerNodeId = (name: string): string => `caller:${name}`
/** The second line of an outside caller's box: what it is, since it is no guest. */
export const CALLER_TEXT = 'outside caller'
const missingNodeId = (via: string): string => `missing:${via}`

export function graphElements(graph: ServiceGraph): { nodes: NodeDef[]; edges: EdgeDef[] } {
  const cycle = graph.cycle ?? []
  const cycleNames = new Set(cycle)
  // Host groups first: cytoscape adds a child only after its parent.
  const hosts: NodeDef[] = (graph.hosts ?? []).map((h) => {
    // Short, so the box's label stays in view; the reason is on its services and the status.
    const text = `host ${h.name} · ${h.up ? 'up' : 'down'}`
    return {
      id: hostNodeId(h.name),
      label: h.name,
      text,
      width: text.length * CHAR_PX,
      state: h.up ? 'host-up' : 'host-down',
      missing: false,
      inCycle: false,
      hostGroup: true,
      up: h.up,
    }
  })
  const hostIds = new Set(hosts.map((h) => h.id))
  const nodes: NodeDef[] = graph.nodes.map((n) => {
    const state = n.exitCode === undefined ? n.state : `${n.state} (${n.exitCode})`
    const parent = n.clusterHost !== undefined ? hostNodeId(n.clusterHost) : undefined
    return {
      ...(parent !== undefined && hostIds.has(parent) ? { parent } : {}),
      id: serviceNodeId(n.name),
      label: n.name,
      text: `${n.name}\n${state.replace('-', ' ')}`,
      width: boxWidth(n.name, state),
      state: n.state,
      missing: false,
      inCycle: cycleNames.has(n.name),
    }
  })
  for (const name of graph.callers ?? []) {
    nodes.push({
      id: callerNodeId(name),
      label: name,
      text: `${name}\n${CALLER_TEXT}`,
      width: boxWidth(name, CALLER_TEXT),
      state: 'outside',
      missing: false,
      inCycle: false,
      outside: true,
    })
  }
  const unmetOf = new Map(graph.nodes.map((n) => [n.name, new Set(n.unmet.map((u) => u.name))]))
  const edges: EdgeDef[] = []
  const pairs = new Set<string>()
  for (const e of graph.edges) {
    let target: string
    if (e.to === undefined) {
      target = missingNodeId(e.via)
      if (!nodes.some((n) => n.id === target)) {
        nodes.push({
          id: target,
          label: e.via,
          text: `${e.via}\nnobody exports it`,
          width: boxWidth(e.via, 'nobody exports it'),
          state: 'missing',
          missing: true,
          inCycle: false,
        })
      }
    } else {
      target = serviceNodeId(e.to)
      if (e.fromCaller !== true) pairs.add(`${e.from}\n${e.to}`)
    }
    const source = e.fromCaller === true ? callerNodeId(e.from) : serviceNodeId(e.from)
    edges.push({
      // An outside caller's edge by its node id, so a program of the same name is another edge.
      id: `edge:${e.fromCaller === true ? source : e.from}\n${target}\n${e.via}`,
      source,
      target,
      label: e.via,
      unmet:
        e.to === undefined || (e.fromCaller !== true && (unmetOf.get(e.from)?.has(e.via) ?? false)),
      from: e.from,
      to: e.to ?? '',
      via: e.via,
      calls: e.calls?.count ?? 0,
      errors: e.calls?.errors ?? 0,
      p50: e.calls?.p50Ms ?? -1,
      refused: false,
      inCycle: false,
    })
  }
  // Mark the cycle's edges; the one the kernel refused is not in the graph, so draw it.
  for (let i = 0; i + 1 < cycle.length; i++) {
    const from = cycle[i] as string
    const to = cycle[i + 1] as string
    const live = edges.filter(
      (e) => e.source === serviceNodeId(from) && e.target === serviceNodeId(to),
    )
    if (live.length > 0) {
      for (let j = 0; j < edges.length; j++) {
        const e = edges[j] as EdgeDef
        if (live.includes(e)) edges[j] = { ...e, inCycle: true }
      }
    } else if (!pairs.has(`${from}\n${to}`)) {
      edges.push({
        id: `refused:${from}\n${to}`,
        source: serviceNodeId(from),
        target: serviceNodeId(to),
        label: 'refused',
        unmet: true,
        from,
        to,
        via: '',
        calls: 0,
        errors: 0,
        p50: -1,
        refused: true,
        inCycle: true,
      })
    }
  }
  // An edge can only be drawn between nodes that exist (a cycle may name a service the graph
  // no longer lists after a restart).
  const ids = new Set(nodes.map((n) => n.id))
  return {
    nodes: [...hosts, ...nodes],
    edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
  }
}

/**
 * The refused cycle in words: which name each service requires of the next. The name that
 * closed the cycle was refused, so the graph may not list it; it is then named as refused.
 */
export function describeCycle(graph: ServiceGraph): string | undefined {
  const cycle = graph.cycle
  if (cycle === undefined || cycle.length < 2) return undefined
  const node = new Map(graph.nodes.map((n) => [n.name, n]))
  const steps: string[] = []
  for (let i = 0; i + 1 < cycle.length; i++) {
    const from = cycle[i] as string
    const to = cycle[i + 1] as string
    const names = (node.get(from)?.requires ?? []).filter((name) =>
      (node.get(to)?.exports ?? []).includes(name),
    )
    steps.push(
      names.length > 0
        ? `${from} requires ${names.join(', ')} of ${to}`
        : `${from} asked to require what ${to} exports (refused)`,
    )
  }
  return `${steps.join('; ')}. None of them could ever start, so the kernel refused the require that closed the cycle.`
}

function boxWidth(...lines: string[]): number {
  return Math.round(Math.max(...lines.map((l) => l.length)) * CHAR_PX + NODE_PADDING_PX)
}
