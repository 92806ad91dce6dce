import { create } from '@bufbuild/protobuf'
import { anyPack } from '@bufbuild/protobuf/wkt'
import type { ServiceState } from '../../shared/events/kernel-events'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  ExitPairSchema,
  ExitResponseSchema,
  KernelErr,
  LaunchResponseSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  ExitRequest,
  ExitResponse,
  LaunchRequest,
  SynchronousExitRequest,
  SynchronousExitResponse,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { ExitMethod, formatId, isZero, LaunchMethod, newHostId } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { CallTable } from './call-table'
import { KernelPart, wireId } from './kernel-part'
import type { KernelBooks } from './kernel-part'
import { guestExitCode } from './limits'
import type { HostEnding, HostRecord, PendingCall, ServiceRecord } from './records'
import type { RequestChecks } from './request-checks'
import { describeEnd, isEnded } from './wait-report'

/**
 * The state machine of hosts and services: a host's guest ends, a service launches, waits for
 * what it requires, runs, exits or fails; launches that can no longer succeed or that time out
 * fail, and the failure reaches whoever waited on them.
 */
export class ServiceLifecycle extends KernelPart {
  constructor(
    books: KernelBooks,
    private readonly checks: RequestChecks,
    private readonly calls: CallTable,
  ) {
    super(books)
  }

  /** A new host (one guest); the kernel, not the guest, chooses its id. */
  addHost(name: string): HostId {
    const id = newHostId()
    const key = formatId(id)
    this.hosts.set(key, {
      id,
      key,
      name,
      alive: true,
      exitRequested: false,
      services: [],
      ready: [],
      inbound: [],
      pendingCount: 0,
    })
    this.emit({ type: 'host-added', host: key, name })
    return id
  }

  /** The guest of `host` ended: its services stop and every caller waiting on them fails. */
  hostEnded(hostId: HostId, ending: HostEnding): HostEnding {
    const host = this.hostById(hostId)
    if (host === undefined || !host.alive) {
      return ending.kind === 'exited'
        ? { kind: 'exited', code: guestExitCode(ending.code) }
        : ending
    }
    host.alive = false
    ending = this.effectiveEnding(host, ending)
    for (const service of host.services) {
      if (service.state === 'exited' || service.state === 'failed') continue
      if (ending.kind === 'failed') {
        service.failure = ending.reason
        this.setState(service, 'failed', ending.reason)
      } else {
        service.exitCode = service.exitCode ?? ending.code
        this.setState(service, 'exited', undefined, service.exitCode)
      }
    }
    for (const call of [...this.pending.values()]) {
      if (call.target.host === host && call.kind === 'call') {
        const why = ending.kind === 'failed' ? `failed: ${ending.reason}` : 'exited'
        this.calls.failCall(call, KernelErr.ServiceFailed, `callee ${call.target.fullName} ${why}`)
      } else if (call.callerHost === host) {
        this.forget(call)
      }
    }
    host.inbound.length = 0
    host.ready.length = 0
    this.emit({
      type: 'host-ended',
      host: host.key,
      name: host.name,
      outcome: ending.kind,
      ...(ending.kind === 'exited' ? { exitCode: ending.code } : {}),
      ...(ending.kind === 'failed' ? { reason: ending.reason } : {}),
    })
    this.failDoomedLaunches()
    this.findRunnable()
    return ending
  }

  /**
   * The one exit-code rule (docs/abi.md, "Exit codes"): a guest that called exit_ ends with
   * the code it gave there, whatever it did next (return from _start, proc_exit); otherwise
   * with its proc_exit code (0 when _start returned). Either way mapped by `guestExitCode`.
   */
  private effectiveEnding(host: HostRecord, ending: HostEnding): HostEnding {
    if (ending.kind !== 'exited') return ending
    const requested = host.services.find((s) => s.exitCode !== undefined)?.exitCode
    return { kind: 'exited', code: guestExitCode(requested ?? ending.code) }
  }

  /**
   * Fails at once every launch that can no longer succeed: a required name whose exporters
   * have all ended. Repeats, since a service failed here may be the only exporter of another.
   */
  private failDoomedLaunches(): void {
    let changed = true
    while (changed) {
      changed = false
      for (const service of this.services.values()) {
        if (service.state !== 'waiting') continue
        const doom = this.doomOf(service)
        if (doom === undefined) continue
        this.failLaunch(service, KernelErr.ServiceFailed, doom)
        changed = true
      }
    }
  }

  /**
   * Why `service` can never run (a required name whose every exporter ended, and was not started
   * again under the same name), or undefined.
   */
  private doomOf(service: ServiceRecord): string | undefined {
    for (const name of service.requires) {
      const exporters = this.graph.exportersOf(name)
      if (exporters.length === 0 || exporters.some((e) => !isEnded(e) || this.restarted(e)))
        continue
      return `${name}, whose ${exporters.length === 1 ? 'only exporter' : 'exporters'} ${exporters
        .map((e) => `${e.host.name} ${describeEnd(e)}`)
        .join(', ')}`
    }
    return undefined
  }

  /**
   * `exporter` ended, but its guest runs again as a newer host of the same name (a restart):
   * it may export the name again, so what requires it waits, as at the first start.
   */
  private restarted(exporter: ServiceRecord): boolean {
    const newest = this.hostByName(exporter.host.name)
    return newest !== undefined && newest !== exporter.host && newest.alive
  }

  /** Asks a host's guest to leave its loop: its next read_one answers `exit`. */
  requestExit(hostId: HostId): void {
    const host = this.hostById(hostId)
    if (host === undefined || !host.alive || host.exitRequested) return
    host.exitRequested = true
    this.wake(host)
  }

  launch(caller: HostId, req: LaunchRequest): KernelErr {
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const method = this.checks.idField('method', req.methodId, {
      syscall: 'launch_',
      host: host.value,
      field: 'method_id',
    })
    if (!method.ok || formatId(method.value) !== formatId(LaunchMethod)) {
      this.logger.log('warn', `launch_ from ${host.value.name}: method_id must be LaunchMethod`)
      return KernelErr.BadId
    }
    const service = this.checks.ownService(host.value, req.serviceId, 'launch_')
    if (!service.ok) return service.code
    const call = this.checks.newCallKey(req.callId, 'launch_', host.value)
    if (!call.ok) return call.code
    const record = service.value
    if (record.state === 'failed' || record.state === 'exited') return KernelErr.ServiceFailed
    const doom = record.state === 'running' ? undefined : this.doomOf(record)
    if (doom !== undefined) {
      const reason = `launch refused: requires ${doom}`
      this.logger.log('error', `${host.value.name} (${record.fullName}): ${reason}`)
      // It can never run: say what it needed and why it failed, as a launch failed later does.
      this.emitWaiting(record)
      record.failure = reason
      this.setState(record, 'failed', reason)
      return KernelErr.ServiceFailed
    }
    const now = this.now()
    const pending: PendingCall = {
      kind: 'launch',
      key: formatId(call.value),
      rawCallId: req.callId as IdRaw,
      callId: call.value,
      callerHost: host.value,
      target: record,
      methodName: 'launch',
      startedMs: now,
      deadlineMs: now + this.limits.launchTimeoutMs,
      delivered: true,
    }
    this.pending.set(pending.key, pending)
    host.value.pendingCount++
    if (record.state !== 'running') {
      record.launchDeadlineMs ??= pending.deadlineMs
      if (record.state !== 'waiting') this.setState(record, 'waiting')
      this.emitWaiting(record)
    }
    this.findRunnable()
    // Already running (a second launch): answer at once.
    if (record.state === 'running' && this.pending.has(pending.key)) this.completeLaunch(pending)
    return KernelErr.NoError
  }

  exit(caller: HostId, req: ExitRequest, resp: ExitResponse): KernelErr {
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const method = this.checks.idField('method', req.methodId, {
      syscall: 'exit_',
      host: host.value,
      field: 'method_id',
    })
    if (!method.ok) return method.code
    if (formatId(method.value) !== formatId(ExitMethod)) {
      this.logger.log('warn', `exit_ from ${host.value.name}: method_id must be ExitMethod`)
      return KernelErr.BadId
    }
    const call = this.checks.newCallKey(req.callId, 'exit_', host.value)
    if (!call.ok) return call.code
    const service = this.checks.ownService(host.value, req.pair?.serviceId, 'exit_')
    if (!service.ok) return service.code
    const code = guestExitCode(req.pair?.code ?? 0)
    service.value.exitCode = code
    const pair = create(ExitPairSchema, { serviceId: wireId(service.value.id), code })
    resp.pair = pair
    host.value.ready.push({
      callId: req.callId as IdRaw,
      result: anyPack(ExitResponseSchema, create(ExitResponseSchema, { pair })),
      resultError: 0,
      kernelError: 0,
    })
    this.wake(host.value)
    return KernelErr.NoError
  }

  synchronousExit(
    caller: HostId,
    req: SynchronousExitRequest,
    resp: SynchronousExitResponse,
  ): KernelErr {
    const host = this.checks.actingHost(caller, undefined)
    if (!host.ok) return host.code
    const raw = req.pair?.serviceId
    const code = guestExitCode(req.pair?.code ?? 0)
    if (raw !== undefined && isZero(raw)) {
      // The zero id means "everything": the runner stops the deployment.
      const byService = host.value.services[0]?.key ?? host.value.key
      this.emit({ type: 'shutdown-requested', byService, exitCode: code })
      resp.pair = create(ExitPairSchema, { serviceId: raw, code })
      return KernelErr.NoError
    }
    const service = this.checks.ownService(host.value, raw, 'synchronous_exit_')
    if (!service.ok) return service.code
    service.value.exitCode = code
    this.setState(service.value, 'exited', undefined, code)
    this.failDoomedLaunches()
    resp.pair = create(ExitPairSchema, { serviceId: wireId(service.value.id), code })
    return KernelErr.NoError
  }

  /** Fails calls and launches whose deadline has passed. */
  tick(): void {
    // Launches that expire together each report their own timeout, not each other's failure.
    this.inTick = true
    try {
      this.expire()
    } finally {
      this.inTick = false
    }
    this.failDoomedLaunches()
  }

  private inTick = false

  private expire(): void {
    const now = this.now()
    for (const call of [...this.pending.values()]) {
      if (call.deadlineMs > now || !this.pending.has(call.key)) continue
      if (call.kind === 'call') {
        this.calls.failCall(
          call,
          KernelErr.CallTimeout,
          `call ${call.target.fullName}.${call.methodName} from ${call.callerHost.services[0]?.fullName ?? call.callerHost.name} got no result within ${this.limits.callTimeoutMs} ms`,
        )
      } else {
        this.timeOutLaunch(call.target)
      }
    }
  }

  findRunnable(): void {
    let changed = true
    while (changed) {
      changed = false
      for (const service of this.services.values()) {
        if (service.state !== 'waiting' || !service.host.alive) continue
        if (this.graph.unmetRequirements(service).length > 0) continue
        this.setState(service, 'running')
        service.launchDeadlineMs = undefined
        for (const call of [...this.pending.values()]) {
          if (call.kind === 'launch' && call.target === service) this.completeLaunch(call)
        }
        changed = true
      }
    }
  }

  private completeLaunch(call: PendingCall): void {
    this.forget(call)
    call.callerHost.ready.push({
      callId: call.rawCallId,
      result: anyPack(LaunchResponseSchema, create(LaunchResponseSchema)),
      resultError: 0,
      kernelError: 0,
    })
    this.wake(call.callerHost)
  }

  private timeOutLaunch(service: ServiceRecord): void {
    const unmet = this.graph.unmetRequirements(service)
    const reason = `launch timed out after ${this.limits.launchTimeoutMs} ms; unmet: ${unmet
      .map((u) => `${u.name} (${u.reason})`)
      .join('; ')}`
    this.failLaunch(service, KernelErr.RunTimeout, reason, true)
  }

  /**
   * Ends `service`'s wait to run: it is failed, and every launch call waiting on it resolves
   * with `code` (as result_error and kernel_error). `requirement` names what it waited for.
   */
  private failLaunch(
    service: ServiceRecord,
    code: KernelErr,
    requirement: string,
    timedOut = false,
  ): void {
    const reason = timedOut ? requirement : `launch failed: requires ${requirement}`
    this.logger.log('error', `${service.host.name} (${service.fullName}): ${reason}`)
    service.failure = reason
    this.setState(service, 'failed', reason)
    for (const call of [...this.pending.values()]) {
      if (call.kind !== 'launch' || call.target !== service) continue
      this.forget(call)
      call.callerHost.ready.push({
        callId: call.rawCallId,
        result: undefined,
        resultError: code,
        kernelError: code,
      })
      this.wake(call.callerHost)
    }
    if (!this.inTick) this.failDoomedLaunches()
    this.findRunnable()
  }

  setState(service: ServiceRecord, state: ServiceState, reason?: string, exitCode?: number) {
    if (service.state === state) return
    service.state = state
    service.history.push({ state, timeMs: this.now(), ...(reason ? { reason } : {}) })
    if (service.history.length > this.limits.historyPerService) service.history.shift()
    this.emit({
      type: 'service-state',
      service: service.key,
      name: service.fullName,
      state,
      ...(reason ? { reason } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    })
    this.refreshWaitersOf(service)
  }

  /**
   * A waiting service's unmet list names its exporters' states, so it goes stale when one of
   * them changes state: say it again for every service still waiting on `exporter`.
   */
  private refreshWaitersOf(exporter: ServiceRecord): void {
    for (const name of exporter.exports) {
      for (const waiter of this.graph.requirersOf(name)) {
        if (waiter.state === 'waiting') this.emitWaiting(waiter)
      }
    }
  }

  emitWaiting(service: ServiceRecord): void {
    this.emit({
      type: 'waiting-for',
      service: service.key,
      name: service.fullName,
      unmet: this.graph.unmetRequirements(service),
    })
  }
}
