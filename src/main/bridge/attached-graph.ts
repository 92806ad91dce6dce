// The service graph of a deployment running on a cluster, as the attached Studio draws it: one
// node per guest of the registry (every host's), named by its host, and the require edges
// between them. The registry is the truth here; the hosts' kernel events only say when to look.
import type {
  ClusterHostView,
  ServiceEdge,
  ServiceGraph,
  ServiceNode,
} from '../../shared/bridge/contract'
import type { ServiceState } from '../../shared/events/kernel-events'
import type { GuestEntry, ObservedHost } from '../cluster/observer'

/** A guest's state is its services' worst: one failed service is a failed guest. */
function guestState(entry: GuestEntry): ServiceState {
  const states = entry.services.map((s) => s.state)
  for (const worst of ['failed', 'waiting'] as const) if (states.includes(worst)) return worst
  if (states.length > 0 && states.every((s) => s === 'exited')) return 'exited'
  if (states.includes('running')) return 'running'
  return states[0] ?? 'registered'
}

export function attachedNode(entry: GuestEntry, host: ObservedHost | undefined): ServiceNode {
  const unique = (lists: (readonly string[])[]) => [...new Set(lists.flat())].sort()
  const failed = entry.services.find((s) => s.failure !== undefined)
  const exited = entry.services.find((s) => s.exitCode !== undefined)
  const down = host !== undefined && !host.up
  const state = down && guestState(entry) !== 'exited' ? 'failed' : guestState(entry)
  const reason = down
    ? `host ${entry.host} is down (${host.reason ?? 'no heartbeat'})`
    : failed?.failure
  return {
    name: entry.guest,
    role: 'server',
    state,
    clusterHost: entry.host,
    registered: entry.services.map((s) => s.name),
    exports: unique(entry.services.map((s) => s.exports)),
    requires: unique(entry.services.map((s) => s.requires)),
    unmet: [],
    ...(exited?.exitCode !== undefined ? { exitCode: exited.exitCode } : {}),
    ...(reason !== undefined ? { reason } : {}),
  }
}

export function attachedGraph(
  guests: readonly GuestEntry[],
  hosts: readonly ObservedHost[],
): ServiceGraph {
  const byName = new Map(hosts.map((h) => [h.name, h]))
  const nodes = guests.map((g) => attachedNode(g, byName.get(g.host)))
  const edges: ServiceEdge[] = []
  for (const node of nodes)
    for (const via of node.requires) {
      const exporters = nodes.filter((n) => n !== node && n.exports.includes(via))
      if (exporters.length === 0) edges.push({ from: node.name, via })
      for (const to of exporters) edges.push({ from: node.name, to: to.name, via })
    }
  const hostViews: ClusterHostView[] = hosts.map((h) => ({
    name: h.name,
    up: h.up,
    ...(h.reason !== undefined ? { reason: h.reason } : {}),
  }))
  return { nodes, edges, hosts: hostViews }
}
