// The deadlock report (what each waiting guest waits for) and the words of launch failures.
import type { HostId } from '../../shared/id'
import type { CallTable } from './call-table'
import type { DependencyGraph } from './dependency-graph'
import { KernelPart } from './kernel-part'
import type { KernelBooks } from './kernel-part'
import type { HostRecord, PendingCall, ServiceRecord } from './records'

/** Whether every guest waits for good, and the words for it (docs/architecture.md, deadlock). */
export class DeadlockReport extends KernelPart {
  constructor(
    books: KernelBooks,
    private readonly calls: CallTable,
  ) {
    super(books)
  }

  /**
   * What each of `hostIds` waits for, if none of them can be woken by the kernel: no result,
   * call or exit request to read, no method call outstanding (its result or its timeout would
   * wake it). Launches do not count as wake-ups: a launch completes only when an exporter
   * starts running, which needs some other guest to act. Undefined when one of them can wake.
   * The transport has decided that each guest waits (it is back in read_one_ with nothing done
   * since an empty read); this adds what only the kernel knows.
   */
  waitReport(
    hostIds: readonly HostId[],
  ): { host: string; name: string; waitsFor: string }[] | undefined {
    const report: { host: string; name: string; waitsFor: string }[] = []
    for (const id of hostIds) {
      const host = this.hostById(id)
      if (host === undefined || !host.alive) continue
      if (this.calls.hasEvent(id)) return undefined
      const launches: PendingCall[] = []
      for (const call of this.pending.values()) {
        if (call.callerHost !== host) continue
        if (call.kind === 'call') return undefined
        launches.push(call)
      }
      report.push({
        host: host.key,
        name: host.name,
        waitsFor: describeWait(this.graph, host, launches),
      })
    }
    return report
  }

  /** Ends the books on a deadlock: the report as an event and as error lines of the log. */
  reportDeadlock(report: readonly { host: string; name: string; waitsFor: string }[]): string {
    const reason = `deadlock: every guest waits and none can wake another:\n${report
      .map((g) => `  ${g.name} ${g.waitsFor}`)
      .join('\n')}`
    for (const line of reason.split('\n')) this.logger.log('error', line.trim())
    this.emit({ type: 'deadlock', guests: report, reason })
    return reason
  }
}

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
