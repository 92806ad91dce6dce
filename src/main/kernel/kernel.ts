import type { KernelEvent, UnmetRequirement } from '../../shared/events/kernel-events'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type {
  BindMethodRequest,
  BindMethodResponse,
  DispatchRequest,
  DispatchResponse,
  ExitRequest,
  ExitResponse,
  ExportRequest,
  KernelErr,
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
import type { HostId, ServiceId } from '../../shared/id'
import type { Logger } from '../engine/logger'
import { CallTable } from './call-table'
import { CompletedCalls } from './completed-calls'
import type { BookedDirectCall, CompletedDirectCall } from './completed-calls'
import { DependencyGraph } from './dependency-graph'
import type { KernelBooks } from './kernel-part'
import { DEFAULT_KERNEL_LIMITS } from './limits'
import type { KernelLimits } from './limits'
import type { HostEnding, HostRecord, ServiceRecord } from './records'
import { RequestChecks } from './request-checks'
import { ServiceLifecycle } from './service-lifecycle'
import { ServiceRegistry } from './service-registry'
import { DeadlockReport } from './wait-report'

export { describeEnd } from './wait-report'
export { bookedCallEvents } from './completed-calls'
export type { BookedDirectCall } from './completed-calls'
export type { HostEnding } from './records'

export interface KernelOptions {
  readonly now: () => number
  readonly logger: Logger
  readonly limits?: Partial<KernelLimits>
  /** Receives every state change; must not call back into the kernel. */
  readonly onEvent?: (event: KernelEvent) => void
  /** Called when a host gets something to read (a result, a call, an exit request). */
  readonly onWake?: (host: HostId) => void
  /**
   * When given, a direct call that was answered before the kernel heard of it (nearly all of
   * them) comes here as one record, with its parent, instead of its two events to `onEvent`.
   */
  readonly onCallCompleted?: (call: BookedDirectCall) => void
  /** Picks among several exporters in locate; injectable for deterministic tests. */
  readonly random?: () => number
}

type WaitReport = { host: string; name: string; waitsFor: string }[]

/**
 * The parigot kernel (the syscall plugin's state) as a synchronous state machine: no I/O, no
 * timers, time injected. Every syscall takes the calling host, which the transport has
 * authenticated (a guest cannot choose it), and answers with a KernelErr.
 *
 * This class is the kernel's one entry point; the work is done by its parts, which share one
 * set of books (`kernel-part.ts`): the checks of each request (`request-checks.ts`), the
 * registry and dependency graph (`service-registry.ts`), the state machine of hosts and
 * services (`service-lifecycle.ts`), the call table (`call-table.ts`) and the deadlock report
 * (`wait-report.ts`). Each method's comment is on the part that implements it.
 */
export class Kernel {
  readonly limits: KernelLimits
  /** A completed direct call's parent goes with it to `onCallCompleted` (no separate hint). */
  readonly completedCallsCarryParent: boolean
  private readonly checks: RequestChecks
  private readonly registry: ServiceRegistry
  private readonly lifecycle: ServiceLifecycle
  private readonly calls: CallTable
  private readonly completed: CompletedCalls
  private readonly deadlock: DeadlockReport

  constructor(options: KernelOptions) {
    this.limits = { ...DEFAULT_KERNEL_LIMITS, ...options.limits }
    const books: KernelBooks = {
      limits: this.limits,
      hosts: new Map(),
      services: new Map(),
      graph: new DependencyGraph(),
      pending: new Map(),
      now: options.now,
      logger: options.logger.withSource('kernel'),
      random: options.random ?? Math.random,
      onEvent: options.onEvent,
      onWake: options.onWake,
    }
    this.checks = new RequestChecks(books)
    this.calls = new CallTable(books, this.checks)
    this.completed = new CompletedCalls(books, options.onCallCompleted)
    this.completedCallsCarryParent = options.onCallCompleted !== undefined
    this.lifecycle = new ServiceLifecycle(books, this.checks, this.calls)
    this.registry = new ServiceRegistry(books, this.checks, this.lifecycle)
    this.deadlock = new DeadlockReport(books, this.calls)
  }

  // ---- hosts and the services' states (service-lifecycle.ts) ---------------------------------

  addHost(name: string): HostId {
    return this.lifecycle.addHost(name)
  }

  hostById(id: HostId): HostRecord | undefined {
    return this.checks.hostById(id)
  }

  hostByName(name: string): HostRecord | undefined {
    return this.checks.hostByName(name)
  }

  hostEnded(hostId: HostId, ending: HostEnding): HostEnding {
    return this.lifecycle.hostEnded(hostId, ending)
  }

  requestExit(hostId: HostId): void {
    this.lifecycle.requestExit(hostId)
  }

  /** Re-checks every waiting service (the reference's WakeUp). */
  wakeUp(): void {
    this.lifecycle.findRunnable()
  }

  launch(caller: HostId, req: LaunchRequest): KernelErr {
    return this.lifecycle.launch(caller, req)
  }

  exit(caller: HostId, req: ExitRequest, resp: ExitResponse): KernelErr {
    return this.lifecycle.exit(caller, req, resp)
  }

  synchronousExit(
    caller: HostId,
    req: SynchronousExitRequest,
    resp: SynchronousExitResponse,
  ): KernelErr {
    return this.lifecycle.synchronousExit(caller, req, resp)
  }

  tick(): void {
    this.lifecycle.tick()
  }

  // ---- deadlock (wait-report.ts) ---------------------------------------------------------

  waitReport(hostIds: readonly HostId[]): WaitReport | undefined {
    return this.deadlock.waitReport(hostIds)
  }

  reportDeadlock(report: Readonly<WaitReport>): string {
    return this.deadlock.reportDeadlock(report)
  }

  // ---- services and the dependency graph (service-registry.ts) ---------------------------

  serviceByName(packagePath: string, service: string): ServiceRecord[] {
    return this.registry.serviceByName(packagePath, service)
  }

  serviceById(id: ServiceId): ServiceRecord | undefined {
    return this.registry.serviceById(id)
  }

  serviceByIdString(text: string): ServiceRecord | undefined {
    return this.registry.serviceByIdString(text)
  }

  allServices(): ServiceRecord[] {
    return this.registry.allServices()
  }

  pathExists(from: ServiceRecord, to: ServiceRecord): boolean {
    return this.registry.pathExists(from, to)
  }

  exportersOf(name: string): ServiceRecord[] {
    return this.registry.exportersOf(name)
  }

  unmetRequirements(service: ServiceRecord): UnmetRequirement[] {
    return this.registry.unmetRequirements(service)
  }

  register(caller: HostId, req: RegisterRequest, resp: RegisterResponse): KernelErr {
    return this.registry.register(caller, req, resp)
  }

  export(caller: HostId, req: ExportRequest): KernelErr {
    return this.registry.export(caller, req)
  }

  require(caller: HostId, req: RequireRequest): KernelErr {
    return this.registry.require(caller, req)
  }

  bindMethod(caller: HostId, req: BindMethodRequest, resp: BindMethodResponse): KernelErr {
    return this.registry.bindMethod(caller, req, resp)
  }

  locate(caller: HostId, req: LocateRequest, resp: LocateResponse): KernelErr {
    return this.registry.locate(caller, req, resp)
  }

  // ---- calls (call-table.ts) -------------------------------------------------------------

  dispatch(
    caller: HostId,
    req: DispatchRequest,
    resp: DispatchResponse,
    direct?: { readonly startedMs: number },
  ): KernelErr {
    return this.calls.dispatch(caller, req, resp, direct)
  }

  directCallStarted(caller: HostId, req: DispatchRequest, startedMs: number): void {
    this.calls.directCallStarted(caller, req, startedMs)
  }

  directCallReturned(callee: HostId, req: ReturnValueRequest, finishedMs: number): void {
    this.calls.directCallReturned(callee, req, finishedMs)
  }

  directCallCompleted(call: CompletedDirectCall): boolean {
    return this.completed.book(call)
  }

  failTakenCall(callee: HostId, callId: IdRaw, kernelError: KernelErr, why: string): boolean {
    return this.calls.failTakenCall(callee, callId, kernelError, why)
  }

  returnValue(
    caller: HostId,
    req: ReturnValueRequest,
    direct?: { readonly finishedMs: number },
  ): KernelErr {
    return this.calls.returnValue(caller, req, direct)
  }

  readOne(caller: HostId, req: ReadOneRequest, resp: ReadOneResponse): KernelErr | 'empty' {
    return this.calls.readOne(caller, req, resp)
  }

  unreadOne(caller: HostId, resp: ReadOneResponse): void {
    this.calls.unreadOne(caller, resp)
  }

  hasEvent(hostId: HostId): boolean {
    return this.calls.hasEvent(hostId)
  }

  describeCall(call: ServiceMethodCall): string {
    return this.calls.describeCall(call)
  }

  nextDeadline(): number | undefined {
    return this.calls.nextDeadline()
  }
}
