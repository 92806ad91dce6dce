// Words for the deadlock report and launch failures: what a guest waits for, how a service ended.
import type { DependencyGraph } from './dependency-graph'
import type { HostRecord, PendingCall, ServiceRecord } from './records'

/** What a guest stuck in read_one_ or launch_ waits for, for the deadlock report. */
export function describeWait(
  graph: DependencyGraph,
  host: HostRecord,
  launches: readonly PendingCall[],
): string {
  if (launches.length > 0) {
    return launches
      .map((call) => {
        const unmet = graph.unmetRequirements(call.target)
        const what = unmet.map((u) => `${u.name} (${u.reason})`).join(', ')
        return `waits in launch of ${call.target.fullName} for ${what || 'nothing (it should run)'}`
      })
      .join('; ')
  }
  const services = host.services
  if (services.length === 0) {
    return 'waits in read_one_ with nothing outstanding (it registered no service)'
  }
  const launched = services.filter((s) => s.state === 'running')
  if (launched.length === 0) {
    return `waits in read_one_ with nothing outstanding: ${services
      .map((s) => s.fullName)
      .join(', ')} never called launch_`
  }
  const exported = launched.filter((s) => s.exports.size > 0)
  if (exported.length === 0) {
    return 'waits in read_one_ with no call outstanding and nothing to serve'
  }
  return `waits in read_one_ for calls to ${exported
    .map((s) => s.fullName)
    .join(', ')}; no guest is calling it`
}

export function isEnded(service: ServiceRecord): boolean {
  return service.state === 'exited' || service.state === 'failed' || !service.host.alive
}

/** How an ended service ended, for messages: `exited 1`, `failed (trap: unreachable)`. */
export function describeEnd(service: ServiceRecord): string {
  if (service.state === 'failed') return `failed (${service.failure ?? 'no reason given'})`
  if (service.state === 'exited') return `exited ${service.exitCode ?? 0}`
  return service.host.alive ? service.state : 'ended'
}
