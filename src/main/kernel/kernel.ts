import { create } from '@bufbuild/protobuf'
import { anyPack } from '@bufbuild/protobuf/wkt'
import type { KernelEvent, KernelEventBody, ServiceState } from '../../shared/events/kernel-events'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchResponseSchema,
  ExitPairSchema,
  ExitResponseSchema,
  KernelErr,
  LaunchResponseSchema,
  MethodBindingSchema,
  ResolvedCallSchema,
  ServiceMethodCallSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  BindMethodRequest,
  BindMethodResponse,
  DispatchRequest,
  DispatchResponse,
  ExitRequest,
  ExitResponse,
  ExportRequest,
  FullyQualifiedService,
  LaunchRequest,
  LocateRequest,
  LocateResponse,
  ReadOneRequest,
  ReadOneResponse,
  RegisterRequest,
  RegisterResponse,
  RequireRequest,
  ReturnValueRequest,
  ServiceMethodCall,
  SynchronousExitRequest,
  SynchronousExitResponse,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import {
  ExitMethod,
  formatId,
  fromRawChecked,
  isEmpty,
  isZero,
  LaunchMethod,
  newHostId,
  newMethodId,
  newServiceId,
  parseAnyId,
  toRaw,
} from '../../shared/id'
import type { CallId, HostId, IdKind, Id, ServiceId } from '../../shared/id'
import type { Logger } from '../engine/logger'
import { DependencyGraph } from './dependency-graph'
import { DEFAULT_KERNEL_LIMITS, guestExitCode } from './limits'
import type { KernelLimits } from './limits'
import type { HostRecord, InboundCall, PendingCall, ServiceRecord } from './records'
import { describeEnd, describeWait, isEnded } from './wait-report'

export { describeEnd } from './wait-report'

/** Conventional "dispatch error" of every error enum: what a kernel-failed call reports. */
const DISPATCH_ERROR = 1
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/
const MAX_NAME_LENGTH = 256

export interface KernelOptions {
  readonly now: () => number
  readonly logger: Logger
  readonly limits?: Partial<KernelLimits>
  /** Receives every state change; must not call back into the kernel. */
  readonly onEvent?: (event: KernelEvent) => void
  /** Called when a host gets something to read (a result, a call, an exit request). */
  readonly onWake?: (host: HostId) => void
  /** Picks among several exporters in locate; injectable for deterministic tests. */
  readonly random?: () => number
}

/** How a host (its guest) ended, as the supervisor observed it. */
export type HostEnding =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'failed'; readonly reason: string }

type Checked<T> = { ok: true; value: T } | { ok: false; code: KernelErr }

/**
 * The parigot kernel (the syscall plugin's state) as a synchronous state machine: no I/O, no
 * timers, time injected. Every syscall takes the calling host, which the transport has
 * authenticated (a guest cannot choose it), and answers with a KernelErr.
 */
export class Kernel {
  readonly limits: KernelLimits
  private readonly hosts = new Map<string, HostRecord>()
  private readonly services = new Map<string, ServiceRecord>()
  private readonly graph = new DependencyGraph()
  private readonly pending = new Map<string, PendingCall>()
  private readonly expired = new Set<string>()
  private readonly now: () => number
  private readonly logger: Logger
  private readonly random: () => number

  constructor(private readonly options: KernelOptions) {
    this.limits = { ...DEFAULT_KERNEL_LIMITS, ...options.limits }
    this.now = options.now
    this.logger = options.logger.withSource('kernel')
    this.random = options.random ?? Math.random
  }

  // ---- hosts (the HostFinder role) --------------------------------------------------------

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

  hostById(id: HostId): HostRecord | undefined {
    return this.hosts.get(formatId(id))
  }

  /** The newest host of that name (a restarted guest gets a new host under the same name). */
  hostByName(name: string): HostRecord | undefined {
    let found: HostRecord | undefined
    for (const host of this.hosts.values()) if (host.name === name) found = host
    return found
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
        this.failCall(call, KernelErr.ServiceFailed, `callee ${call.target.fullName} ${why}`)
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

  /** Why `service` can never run (a required name whose every exporter ended), or undefined. */
  private doomOf(service: ServiceRecord): string | undefined {
    for (const name of service.requires) {
      const exporters = this.graph.exportersOf(name)
      if (exporters.length === 0 || exporters.some((e) => !isEnded(e))) continue
      return `${name}, whose ${exporters.length === 1 ? 'only exporter' : 'exporters'} ${exporters
        .map((e) => `${e.host.name} ${describeEnd(e)}`)
        .join(', ')}`
    }
    return undefined
  }

  /** Asks a host's guest to leave its loop: its next read_one answers `exit`. */
  requestExit(hostId: HostId): void {
    const host = this.hostById(hostId)
    if (host === undefined || !host.alive || host.exitRequested) return
    host.exitRequested = true
    this.wake(host)
  }

  /** True when read_one would answer something other than a timeout. */
  hasEvent(hostId: HostId): boolean {
    const host = this.hostById(hostId)
    if (host === undefined) return false
    return host.exitRequested || host.ready.length > 0 || host.inbound.length > 0
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
      if (this.hasEvent(id)) return undefined
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

  // ---- services (the SyscallData role) ----------------------------------------------------

  serviceByName(packagePath: string, service: string): ServiceRecord[] {
    const fullName = `${packagePath}.${service}`
    return [...this.services.values()].filter((s) => s.fullName === fullName)
  }

  serviceById(id: ServiceId): ServiceRecord | undefined {
    return this.services.get(formatId(id))
  }

  serviceByIdString(text: string): ServiceRecord | undefined {
    const parsed = parseAnyId(text)
    return parsed.ok && parsed.id.kind === 'service' ? this.services.get(text) : undefined
  }

  allServices(): ServiceRecord[] {
    return [...this.services.values()]
  }

  pathExists(from: ServiceRecord, to: ServiceRecord): boolean {
    return this.graph.pathExists(from, to)
  }

  exportersOf(name: string): ServiceRecord[] {
    return this.graph.exportersOf(name)
  }

  unmetRequirements(service: ServiceRecord) {
    return this.graph.unmetRequirements(service)
  }

  /** Re-checks every waiting service (the reference's WakeUp). */
  wakeUp(): void {
    this.findRunnable()
  }

  // ---- syscalls ----------------------------------------------------------------------------

  register(caller: HostId, req: RegisterRequest, resp: RegisterResponse): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const name = this.checkFqs(req.fqs, 'register_', host.value)
    if (!name.ok) return name.code
    const { packagePath, service } = name.value
    const existing = host.value.services.find(
      (s) => s.packagePath === packagePath && s.serviceName === service,
    )
    if (existing) {
      resp.id = wireId(existing.id)
      resp.existedPreviously = true
      return KernelErr.NoError
    }
    if (host.value.services.length >= this.limits.servicesPerHost) {
      this.logger.log(
        'warn',
        `register_ from ${host.value.name}: it already has ${this.limits.servicesPerHost} services`,
      )
      return KernelErr.NamespaceExhausted
    }
    const id = newServiceId()
    const record: ServiceRecord = {
      id,
      key: formatId(id),
      packagePath,
      serviceName: service,
      fullName: `${packagePath}.${service}`,
      host: host.value,
      exports: new Set(),
      requires: new Set(),
      methodsByName: new Map(),
      methodNamesByKey: new Map(),
      state: 'registered',
      launchDeadlineMs: undefined,
      launchCalls: [],
      exitCode: undefined,
      failure: undefined,
      history: [{ state: 'registered', timeMs: this.now() }],
    }
    this.services.set(record.key, record)
    host.value.services.push(record)
    resp.id = wireId(id)
    resp.existedPreviously = false
    this.emit({
      type: 'service-registered',
      service: record.key,
      name: record.fullName,
      host: host.value.key,
    })
    this.emit({
      type: 'service-state',
      service: record.key,
      name: record.fullName,
      state: 'registered',
    })
    return KernelErr.NoError
  }

  export(caller: HostId, req: ExportRequest): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const service = this.ownService(host.value, req.serviceId, 'export_')
    if (!service.ok) return service.code
    const names: string[] = []
    for (const fqs of req.service) {
      const name = this.checkFqs(fqs, 'export_', host.value)
      if (!name.ok) return name.code
      names.push(`${name.value.packagePath}.${name.value.service}`)
    }
    for (const name of names) {
      if (service.value.exports.has(name)) continue
      const cycle = this.graph.cycleIfExported(service.value, name)
      if (cycle) return this.refuseCycle(service.value, cycle, `exporting ${name}`)
    }
    const added = names.filter((n) => !service.value.exports.has(n))
    for (const name of added) this.graph.addExport(service.value, name)
    if (added.length > 0) {
      this.emit({ type: 'service-exported', service: service.value.key, names: added })
      if (service.value.state === 'registered') this.setState(service.value, 'exported')
    }
    this.findRunnable()
    return KernelErr.NoError
  }

  require(caller: HostId, req: RequireRequest): KernelErr {
    const host = this.actingHost(caller, undefined)
    if (!host.ok) return host.code
    const service = this.ownService(host.value, req.source, 'require_')
    if (!service.ok) return service.code
    const names: string[] = []
    for (const fqs of req.dest) {
      const name = this.checkFqs(fqs, 'require_', host.value)
      if (!name.ok) return name.code
      names.push(`${name.value.packagePath}.${name.value.service}`)
    }
    for (const name of names) {
      if (service.value.requires.has(name)) continue
      const cycle = this.graph.cycleIfRequired(service.value, name)
      if (cycle) return this.refuseCycle(service.value, cycle, `requiring ${name}`)
    }
    for (const name of names) {
      if (service.value.requires.has(name)) continue
      this.graph.addRequire(service.value, name)
      this.emit({ type: 'require-edge', service: service.value.key, required: name })
    }
    if (service.value.state === 'waiting') this.emitWaiting(service.value)
    return KernelErr.NoError
  }

  bindMethod(caller: HostId, req: BindMethodRequest, resp: BindMethodResponse): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const service = this.ownService(host.value, req.serviceId, 'bind_method_')
    if (!service.ok) return service.code
    const name = req.methodName
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
      this.logger.log(
        'warn',
        `bind_method_ from ${host.value.name}: ${service.value.fullName}: method name ${JSON.stringify(name.slice(0, 80))} is not an identifier`,
      )
      return KernelErr.IdDispatch
    }
    let id = service.value.methodsByName.get(name)
    if (id === undefined) {
      if (service.value.methodsByName.size >= this.limits.methodsPerService) {
        this.logger.log(
          'warn',
          `bind_method_ from ${host.value.name}: ${service.value.fullName} already has ${this.limits.methodsPerService} methods`,
        )
        return KernelErr.NamespaceExhausted
      }
      id = newMethodId()
      service.value.methodsByName.set(name, id)
      service.value.methodNamesByKey.set(formatId(id), name)
    }
    resp.methodId = wireId(id)
    return KernelErr.NoError
  }

  launch(caller: HostId, req: LaunchRequest): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const method = this.idField('method', req.methodId, {
      syscall: 'launch_',
      host: host.value,
      field: 'method_id',
    })
    if (!method.ok || formatId(method.value) !== formatId(LaunchMethod)) {
      this.logger.log('warn', `launch_ from ${host.value.name}: method_id must be LaunchMethod`)
      return KernelErr.BadId
    }
    const service = this.ownService(host.value, req.serviceId, 'launch_')
    if (!service.ok) return service.code
    const call = this.newCallKey(req.callId, 'launch_', host.value)
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

  locate(caller: HostId, req: LocateRequest, resp: LocateResponse): KernelErr {
    const host = this.actingHost(caller, undefined)
    if (!host.ok) return host.code
    const fullName = `${req.packageName}.${req.serviceName}`
    let requirers: ServiceRecord[]
    if (req.calledBy === undefined || isEmpty(req.calledBy)) {
      requirers = host.value.services
    } else {
      const own = this.ownService(host.value, req.calledBy, 'locate_')
      if (!own.ok) return own.code
      requirers = [own.value]
    }
    if (!requirers.some((s) => s.requires.has(fullName))) {
      this.logger.log(
        'warn',
        `locate_: ${requirers.map((s) => s.fullName).join(', ') || host.value.name} located ${fullName} without requiring it first (call require_ before launch_)`,
      )
      return KernelErr.NotRequired
    }
    const exporters = this.graph.exportersOf(fullName)
    if (exporters.length === 0) return KernelErr.NotFound
    const running = exporters.filter((s) => s.state === 'running')
    const choices = running.length > 0 ? running : exporters
    const chosen =
      choices[Math.floor(this.random() * choices.length)] ?? (choices[0] as ServiceRecord)
    resp.hostId = wireId(chosen.host.id)
    resp.serviceId = wireId(chosen.id)
    resp.binding = [...chosen.methodsByName].map(([methodName, id]) =>
      create(MethodBindingSchema, { methodName, methodId: wireId(id) }),
    )
    if (resp.binding.length === 0) {
      this.logger.log(
        'warn',
        `locate_ from ${host.value.name}: ${fullName} has bound no methods yet`,
      )
    }
    return KernelErr.NoError
  }

  /**
   * `direct`: the caller's worker already put the call straight into the callee's mailbox (the
   * transport's fast path, docs/architecture.md), at `startedMs`; the kernel only keeps the books
   * (pending call, timeout, events) and neither queues nor wakes. See `directCallStarted`.
   */
  dispatch(
    caller: HostId,
    req: DispatchRequest,
    resp: DispatchResponse,
    direct?: { readonly startedMs: number },
  ): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const where = { syscall: 'dispatch_', host: host.value }
    const call = this.newCallKey(req.callId, 'dispatch_', host.value)
    if (!call.ok) return call.code
    const sid = this.idField('service', req.serviceId, { ...where, field: 'service_id' })
    if (!sid.ok) return sid.code
    const target = this.services.get(formatId(sid.value))
    if (target === undefined) {
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: no service ${formatId(sid.value)} (locate_ it first)`,
      )
      return KernelErr.NotFound
    }
    const mid = this.idField('method', req.methodId, { ...where, field: 'method_id' })
    if (!mid.ok) return mid.code
    const methodName = target.methodNamesByKey.get(formatId(mid.value))
    if (methodName === undefined) {
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: ${target.fullName} has no method ${formatId(mid.value)}`,
      )
      return KernelErr.NotFound
    }
    if (target.state === 'failed' || target.state === 'exited' || !target.host.alive) {
      const why =
        target.state === 'failed'
          ? `failed: ${target.failure ?? 'its guest failed'}`
          : target.state === 'exited'
            ? `exited ${target.exitCode ?? 0}`
            : 'ended'
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: ${target.fullName}.${methodName}: callee ${target.fullName} ${why}`,
      )
      return KernelErr.ServiceFailed
    }
    if (host.value.pendingCount >= this.limits.pendingPerHost) {
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: ${this.limits.pendingPerHost} calls already outstanding`,
      )
      return KernelErr.NamespaceExhausted
    }
    if (direct === undefined && target.host.inbound.length >= this.limits.inboundQueue) {
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: ${target.fullName}.${methodName}: inbound queue full (${this.limits.inboundQueue} calls)`,
      )
      return KernelErr.CallQueueFull
    }
    const now = direct?.startedMs ?? this.now()
    const pending: PendingCall = {
      kind: 'call',
      key: formatId(call.value),
      rawCallId: req.callId as IdRaw,
      callId: call.value,
      callerHost: host.value,
      target,
      methodName,
      startedMs: now,
      deadlineMs: now + this.limits.callTimeoutMs,
      delivered: direct !== undefined,
    }
    this.pending.set(pending.key, pending)
    host.value.pendingCount++
    resp.callId = req.callId
    if (direct !== undefined) {
      this.emit({
        type: 'call-started',
        call: pending.key,
        caller: this.callerName(host.value),
        target: target.key,
        method: methodName,
        startMs: now,
      })
      return KernelErr.NoError
    }
    const inbound: InboundCall = {
      callKey: pending.key,
      callId: pending.rawCallId,
      service: target,
      methodId: mid.value,
      param: req.param,
    }
    target.host.inbound.push(inbound)
    this.emit({
      type: 'call-started',
      call: pending.key,
      caller: this.callerName(host.value),
      target: target.key,
      method: methodName,
      startMs: now,
    })
    this.wake(target.host)
    return KernelErr.NoError
  }

  /**
   * A call dispatched straight into a callee's mailbox (see `dispatch`), told to the kernel
   * after the fact. If the kernel refuses it (the callee died meanwhile, too many calls
   * outstanding...), the caller gets that refusal as the call's result, as with a failed call.
   */
  directCallStarted(caller: HostId, req: DispatchRequest, startedMs: number): void {
    const code = this.dispatch(caller, req, create(DispatchResponseSchema), { startedMs })
    if (code === KernelErr.NoError) return
    const host = this.hostById(caller)
    if (host === undefined || !host.alive || req.callId === undefined) return
    this.logger.log('warn', `dispatch_ (direct) from ${host.name} refused: KernelErr ${code}`)
    host.ready.push({
      callId: req.callId,
      result: undefined,
      resultError: DISPATCH_ERROR,
      kernelError: code,
    })
    this.wake(host)
  }

  /**
   * A callee's worker answered a call that came through its mailbox and already put the result
   * into the caller's mailbox, at `finishedMs`: the kernel closes the books (call-finished
   * event); a result for a call that had timed out is logged as dropped (the caller's worker
   * drops it too).
   */
  directCallReturned(callee: HostId, req: ReturnValueRequest, finishedMs: number): void {
    this.returnValue(callee, req, { finishedMs })
  }

  /**
   * Fails a call that `callee`, a host with no guest of its own (a stand-in for a service of
   * another machine: src/main/cluster), has taken and cannot answer; the caller gets
   * `kernelError` as the call's kernel_error, as with a timeout. False if no such call waits.
   */
  failTakenCall(callee: HostId, callId: IdRaw, kernelError: KernelErr, why: string): boolean {
    const cid = this.idField('call', callId)
    const call = cid.ok ? this.pending.get(formatId(cid.value)) : undefined
    if (call?.kind !== 'call' || call.target.host.key !== formatId(callee)) return false
    this.failCall(call, kernelError, why)
    return true
  }

  returnValue(
    caller: HostId,
    req: ReturnValueRequest,
    direct?: { readonly finishedMs: number },
  ): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const cid = this.idField('call', req.callId, {
      syscall: 'return_value_',
      host: host.value,
      field: 'call_id',
    })
    if (!cid.ok) return cid.code
    const key = formatId(cid.value)
    const call = this.pending.get(key)
    if (call === undefined) {
      if (this.expired.has(key)) {
        this.logger.log(
          'info',
          `return_value_ from ${host.value.name}: late result for call ${key} dropped (it had timed out)`,
        )
        return KernelErr.NoError
      }
      // A direct call whose caller has ended: nothing is waiting for it.
      if (direct !== undefined) return KernelErr.NoError
      this.logger.log(
        'warn',
        `return_value_ from ${host.value.name}: no call ${key} is waiting for a result`,
      )
      return KernelErr.BadCallId
    }
    if (call.kind !== 'call' || call.target.host !== host.value) {
      this.logger.log(
        'warn',
        `return_value_ from ${host.value.name}: tried to answer call ${key}, which belongs to ${call.target.fullName}`,
      )
      return KernelErr.BadId
    }
    this.forget(call)
    this.resolve(
      call,
      { result: req.result, resultError: req.resultError, kernelError: 0 },
      direct?.finishedMs,
    )
    return KernelErr.NoError
  }

  /** read_one_ without blocking: 'empty' when nothing is there (the transport may wait). */
  readOne(caller: HostId, req: ReadOneRequest, resp: ReadOneResponse): KernelErr | 'empty' {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const h = host.value
    const resolved = h.ready.shift()
    if (resolved !== undefined) {
      resp.resolved = create(ResolvedCallSchema, {
        hostId: wireId(h.id),
        callId: resolved.callId,
        result: resolved.result,
        resultError: resolved.resultError,
        kernelError: resolved.kernelError,
      })
      return KernelErr.NoError
    }
    const index = this.nextInbound(h, req)
    if (index >= 0) {
      const [call] = h.inbound.splice(index, 1) as [InboundCall]
      const pending = this.pending.get(call.callKey)
      if (pending) pending.delivered = true
      resp.call = create(ServiceMethodCallSchema, {
        serviceId: wireId(call.service.id),
        methodId: wireId(call.methodId),
      })
      resp.callId = call.callId
      resp.param = call.param
      return KernelErr.NoError
    }
    if (h.exitRequested) {
      resp.exit = true
      return KernelErr.NoError
    }
    resp.timeout = true
    return 'empty'
  }

  /**
   * Puts back what read_one just answered, at the front, because the answer did not fit the
   * guest's buffer: the guest retries with a bigger one and gets the same event.
   */
  unreadOne(caller: HostId, resp: ReadOneResponse): void {
    const host = this.hostById(caller)
    if (host === undefined) return
    const resolved = resp.resolved
    if (resolved?.callId) {
      host.ready.unshift({
        callId: resolved.callId,
        result: resolved.result,
        resultError: resolved.resultError,
        kernelError: resolved.kernelError,
      })
      return
    }
    if (resp.call && resp.callId) {
      const key = this.idField('call', resp.callId)
      const pending = key.ok ? this.pending.get(formatId(key.value)) : undefined
      if (pending === undefined) return // timed out meanwhile: nothing to put back
      const mid = this.idField('method', resp.call.methodId)
      if (!mid.ok) return
      pending.delivered = false
      host.inbound.unshift({
        callKey: pending.key,
        callId: resp.callId,
        service: pending.target,
        methodId: mid.value,
        param: resp.param,
      })
    }
  }

  /** `package.Service.Method` of a call as read_one_ delivered it, for messages. */
  describeCall(call: ServiceMethodCall): string {
    const sid = this.idField('service', call.serviceId)
    const service = sid.ok ? this.services.get(formatId(sid.value)) : undefined
    const mid = this.idField('method', call.methodId)
    const method = mid.ok ? service?.methodNamesByKey.get(formatId(mid.value)) : undefined
    return `${service?.fullName ?? 'unknown service'}.${method ?? 'unknown method'}`
  }

  exit(caller: HostId, req: ExitRequest, resp: ExitResponse): KernelErr {
    const host = this.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const method = this.idField('method', req.methodId, {
      syscall: 'exit_',
      host: host.value,
      field: 'method_id',
    })
    if (!method.ok) return method.code
    if (formatId(method.value) !== formatId(ExitMethod)) {
      this.logger.log('warn', `exit_ from ${host.value.name}: method_id must be ExitMethod`)
      return KernelErr.BadId
    }
    const call = this.newCallKey(req.callId, 'exit_', host.value)
    if (!call.ok) return call.code
    const service = this.ownService(host.value, req.pair?.serviceId, 'exit_')
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
    const host = this.actingHost(caller, undefined)
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
    const service = this.ownService(host.value, raw, 'synchronous_exit_')
    if (!service.ok) return service.code
    service.value.exitCode = code
    this.setState(service.value, 'exited', undefined, code)
    this.failDoomedLaunches()
    resp.pair = create(ExitPairSchema, { serviceId: wireId(service.value.id), code })
    return KernelErr.NoError
  }

  // ---- time --------------------------------------------------------------------------------

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
        this.failCall(
          call,
          KernelErr.CallTimeout,
          `call ${call.target.fullName}.${call.methodName} from ${call.callerHost.services[0]?.fullName ?? call.callerHost.name} got no result within ${this.limits.callTimeoutMs} ms`,
        )
      } else {
        this.timeOutLaunch(call.target)
      }
    }
  }

  /** The earliest deadline of anything pending, so the transport knows when to tick. */
  nextDeadline(): number | undefined {
    let next: number | undefined
    for (const call of this.pending.values()) {
      if (next === undefined || call.deadlineMs < next) next = call.deadlineMs
    }
    return next
  }

  // ---- internals ---------------------------------------------------------------------------

  private findRunnable(): void {
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

  private failCall(call: PendingCall, kernelError: KernelErr, why: string): void {
    this.forget(call)
    this.expired.add(call.key)
    if (this.expired.size > this.limits.expiredCallMemory) {
      const oldest = this.expired.values().next().value
      if (oldest !== undefined) this.expired.delete(oldest)
    }
    const queue = call.target.host.inbound
    const queued = queue.findIndex((c) => c.callKey === call.key)
    if (queued >= 0) queue.splice(queued, 1)
    this.logger.log('warn', why)
    this.resolve(call, { result: undefined, resultError: DISPATCH_ERROR, kernelError })
  }

  /** `deliveredAtMs`: the result already reached the caller directly, at that time. */
  private resolve(
    call: PendingCall,
    outcome: { result: ReturnValueRequest['result']; resultError: number; kernelError: number },
    deliveredAtMs?: number,
  ): void {
    const caller = call.callerHost
    if (caller.alive && deliveredAtMs === undefined) {
      caller.ready.push({ callId: call.rawCallId, ...outcome })
      this.wake(caller)
    }
    this.emit({
      type: 'call-finished',
      call: call.key,
      caller: this.callerName(caller),
      target: call.target.key,
      method: call.methodName,
      latencyMs: (deliveredAtMs ?? this.now()) - call.startedMs,
      resultError: outcome.resultError,
      kernelError: outcome.kernelError,
    })
  }

  private forget(call: PendingCall): void {
    if (this.pending.delete(call.key)) call.callerHost.pendingCount--
  }

  private nextInbound(host: HostRecord, req: ReadOneRequest): number {
    if (host.inbound.length === 0) return -1
    if (req.call.length === 0) return 0
    const wanted = new Set(
      req.call.map((pair) => {
        const sid = pair.serviceId ? fromRawChecked('service', pair.serviceId) : undefined
        const mid = pair.methodId ? fromRawChecked('method', pair.methodId) : undefined
        return sid?.ok && mid?.ok ? `${formatId(sid.id)}/${formatId(mid.id)}` : ''
      }),
    )
    return host.inbound.findIndex((c) => wanted.has(`${c.service.key}/${formatId(c.methodId)}`))
  }

  private setState(
    service: ServiceRecord,
    state: ServiceState,
    reason?: string,
    exitCode?: number,
  ) {
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

  private emitWaiting(service: ServiceRecord): void {
    this.emit({
      type: 'waiting-for',
      service: service.key,
      name: service.fullName,
      unmet: this.graph.unmetRequirements(service),
    })
  }

  private refuseCycle(service: ServiceRecord, cycle: ServiceRecord[], action: string): KernelErr {
    const names = cycle.map((s) => s.fullName)
    const reason = `${service.fullName}: ${action} would create a dependency cycle: ${names.join(' -> ')}; refused`
    this.logger.log('error', reason)
    this.emit({
      type: 'dependency-cycle',
      service: service.key,
      cycle: cycle.map((s) => s.key),
      reason,
    })
    return KernelErr.DependencyCycle
  }

  private callerName(host: HostRecord): string {
    return host.services[0]?.key ?? host.key
  }

  private wake(host: HostRecord): void {
    this.options.onWake?.(host.id)
  }

  private emit(event: KernelEventBody): void {
    this.options.onEvent?.({ ...event, timeMs: this.now() })
  }

  /** The calling host; a request naming any other host is refused (a guest acts only as itself). */
  private actingHost(caller: HostId, named: IdRaw | undefined): Checked<HostRecord> {
    const host = this.hostById(caller)
    if (host === undefined || !host.alive) return { ok: false, code: KernelErr.BadId }
    if (named !== undefined && !isEmpty(named)) {
      const parsed = fromRawChecked('host', named)
      if (!parsed.ok || formatId(parsed.id) !== host.key) {
        this.logger.log(
          'warn',
          `${host.name} sent a request naming host ${parsed.ok ? formatId(parsed.id) : 'with a bad id'}; a guest may act only as itself`,
        )
        return { ok: false, code: KernelErr.BadId }
      }
    }
    return { ok: true, value: host }
  }

  /** A service id from a request that must be one of the caller's own services. */
  private ownService(
    host: HostRecord,
    raw: IdRaw | undefined,
    syscall: string,
  ): Checked<ServiceRecord> {
    const sid = this.idField('service', raw, { syscall, host, field: 'service id' })
    if (!sid.ok) return sid
    const service = this.services.get(formatId(sid.value))
    if (service === undefined) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: unknown service ${formatId(sid.value)}`,
      )
      return { ok: false, code: KernelErr.NotFound }
    }
    if (service.host !== host) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: service ${service.fullName} belongs to another host`,
      )
      return { ok: false, code: KernelErr.BadId }
    }
    return { ok: true, value: service }
  }

  /** A non-empty, non-zero id of the given kind (a wrong type letter is BadId). */
  private idField<K extends IdKind>(
    kind: K,
    raw: IdRaw | undefined,
    where?: { readonly syscall: string; readonly host: HostRecord; readonly field: string },
  ): Checked<Id<K>> {
    let problem: string | undefined
    let parsedId: Id<K> | undefined
    if (raw === undefined || isEmpty(raw)) problem = 'is empty'
    else if (isZero(raw)) problem = 'is the zero id'
    else {
      const parsed = fromRawChecked(kind, raw)
      if (parsed.ok) parsedId = parsed.id
      else problem = `is not a ${kind} id`
    }
    if (parsedId !== undefined) return { ok: true, value: parsedId }
    if (where !== undefined) {
      this.logger.log('warn', `${where.syscall} from ${where.host.name}: ${where.field} ${problem}`)
    }
    return { ok: false, code: KernelErr.BadId }
  }

  /** A call id that is valid and not already in flight. */
  private newCallKey(raw: IdRaw | undefined, syscall: string, host: HostRecord): Checked<CallId> {
    const cid = this.idField('call', raw, { syscall, host, field: 'call_id' })
    if (!cid.ok) return cid
    if (this.pending.has(formatId(cid.value))) {
      this.logger.log(
        'warn',
        `${syscall} from ${host.name}: call_id ${formatId(cid.value)} is already in flight`,
      )
      return { ok: false, code: KernelErr.BadCallId }
    }
    return cid
  }

  private checkFqs(
    fqs: FullyQualifiedService | undefined,
    syscall: string,
    host: HostRecord,
  ): Checked<{ packagePath: string; service: string }> {
    const packagePath = fqs?.packagePath ?? ''
    const service = fqs?.service ?? ''
    for (const [what, value] of [
      ['package', packagePath],
      ['service', service],
    ] as const) {
      if (value.length === 0 || value.length > MAX_NAME_LENGTH || !NAME.test(value)) {
        this.logger.log(
          'warn',
          `${syscall} from ${host.name}: ${what} name ${JSON.stringify(value.slice(0, 80))} is not a dotted identifier`,
        )
        return { ok: false, code: KernelErr.BadId }
      }
    }
    return { ok: true, value: { packagePath, service } }
  }
}

/** An id as a protobuf IdRaw message. */
function wireId(id: Id): IdRaw {
  return create(IdRawSchema, toRaw(id))
}
