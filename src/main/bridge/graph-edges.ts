// The graph's edges as calls along them: how many, how many failed, and their median latency,
// per (caller program, target program, service); and the edges of callers from outside the
// guests (the Studio's invoke form), which the graph draws from their first call.
import type { EdgeCallStats } from '../../shared/bridge/contract'

/** Latencies kept per edge for its median: the newest ones, so the figure follows the run. */
const LATENCY_SAMPLES = 256

/** The calls along one edge of the graph: caller program, target program, service name. */
export interface EdgeTally {
  count: number
  errors: number
  readonly latencies: number[]
  next: number
}

const edgeKey = (from: string, to: string, via: string): string => `${from}\n${to}\n${via}`

/** The edge of an outside caller's calls: its tally, and what the graph draws. */
export interface CallerEdge {
  readonly caller: string
  readonly to: string
  readonly via: string
  readonly tally: EdgeTally
}

export function addLatency(edge: EdgeTally, ms: number): void {
  if (edge.latencies.length < LATENCY_SAMPLES) edge.latencies.push(ms)
  else edge.latencies[edge.next] = ms
  edge.next = (edge.next + 1) % LATENCY_SAMPLES
}

export function statsOf(tally: EdgeTally): EdgeCallStats {
  const p50Ms = median(tally.latencies)
  return { count: tally.count, errors: tally.errors, ...(p50Ms !== undefined ? { p50Ms } : {}) }
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export class EdgeTallies {
  private readonly tallies = new Map<string, EdgeTally>()
  /** Edges from outside callers, keyed like program edges; in the order first called. */
  private readonly callerEdges = new Map<string, CallerEdge>()
  private readonly outsideCallers: ReadonlySet<string>

  constructor(
    outsideCallers: readonly string[],
    private readonly isProgram: (name: string) => boolean,
  ) {
    this.outsideCallers = new Set(outsideCallers)
  }

  stats(from: string, to: string, via: string): EdgeCallStats | undefined {
    const tally = this.tallies.get(edgeKey(from, to, via))
    return tally === undefined ? undefined : statsOf(tally)
  }

  fromCallers(): IterableIterator<CallerEdge> {
    return this.callerEdges.values()
  }

  /**
   * The tally of calls from `caller` to `via` of program `target`: a program's require edge, an
   * outside caller's edge (made on its first call), or none (a caller the graph does not draw).
   */
  edgeOf(caller: string, target: string, via: string): EdgeTally | undefined {
    if (!this.isProgram(target)) return undefined
    if (this.isProgram(caller)) return this.tally(caller, target, via)
    if (!this.outsideCallers.has(caller)) return undefined
    const key = edgeKey(caller, target, via)
    let edge = this.callerEdges.get(key)
    if (edge === undefined) {
      edge = { caller, to: target, via, tally: { count: 0, errors: 0, latencies: [], next: 0 } }
      this.callerEdges.set(key, edge)
    }
    return edge.tally
  }

  private tally(from: string, to: string, via: string): EdgeTally {
    const key = edgeKey(from, to, via)
    let edge = this.tallies.get(key)
    if (edge === undefined) {
      edge = { count: 0, errors: 0, latencies: [], next: 0 }
      this.tallies.set(key, edge)
    }
    return edge
  }
}
