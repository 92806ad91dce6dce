import { create } from '@bufbuild/protobuf'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchResponseSchema,
  KernelErr,
  ResolvedCallSchema,
  ServiceMethodCallSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  DispatchRequest,
  DispatchResponse,
  ReadOneRequest,
  ReadOneResponse,
  ReturnValueRequest,
  ServiceMethodCall,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRawChecked } from '../../shared/id'
import type { HostId } from '../../shared/id'
import { KernelPart, wireId } from './kernel-part'
import type { KernelBooks } from './kernel-part'
import type { HostRecord, InboundCall, PendingCall } from './records'
import type { RequestChecks } from './request-checks'

/** Conventional "dispatch error" of every error enum: what a kernel-failed call reports. */
const DISPATCH_ERROR = 1

/**
 * The call table: method calls between services, from dispatch_ to the caller's read_one_ of
 * the result (queued on the callee's host, or told after the fact when they went worker to
 * worker), each host's read_one_ queue, and calls failed by the kernel (timeout, callee ended).
 */
export class CallTable extends KernelPart {
  private readonly expired = new Set<string>()

  constructor(
    books: KernelBooks,
    private readonly checks: RequestChecks,
  ) {
    super(books)
  }

  /** True when read_one would answer something other than a timeout. */
  hasEvent(hostId: HostId): boolean {
    const host = this.hostById(hostId)
    if (host === undefined) return false
    return host.exitRequested || host.ready.length > 0 || host.inbound.length > 0
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
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const where = { syscall: 'dispatch_', host: host.value }
    const call = this.checks.newCallKey(req.callId, 'dispatch_', host.value)
    if (!call.ok) return call.code
    const sid = this.checks.idField('service', req.serviceId, { ...where, field: 'service_id' })
    if (!sid.ok) return sid.code
    const target = this.services.get(formatId(sid.value))
    if (target === undefined) {
      this.logger.log(
        'warn',
        `dispatch_ from ${host.value.name}: no service ${formatId(sid.value)} (locate_ it first)`,
      )
      return KernelErr.NotFound
    }
    const mid = this.checks.idField('method', req.methodId, { ...where, field: 'method_id' })
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
    this.emit({
      type: 'call-started',
      call: pending.key,
      caller: this.callerName(host.value),
      target: target.key,
      method: methodName,
      startMs: now,
    })
    if (direct !== undefined) return KernelErr.NoError
    const inbound: InboundCall = {
      callKey: pending.key,
      callId: pending.rawCallId,
      service: target,
      methodId: mid.value,
      param: req.param,
    }
    target.host.inbound.push(inbound)
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
    const cid = this.checks.idField('call', callId)
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
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const cid = this.checks.idField('call', req.callId, {
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
    const host = this.checks.actingHost(caller, req.hostId)
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
      const key = this.checks.idField('call', resp.callId)
      const pending = key.ok ? this.pending.get(formatId(key.value)) : undefined
      if (pending === undefined) return // timed out meanwhile: nothing to put back
      const mid = this.checks.idField('method', resp.call.methodId)
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
    const sid = this.checks.idField('service', call.serviceId)
    const service = sid.ok ? this.services.get(formatId(sid.value)) : undefined
    const mid = this.checks.idField('method', call.methodId)
    const method = mid.ok ? service?.methodNamesByKey.get(formatId(mid.value)) : undefined
    return `${service?.fullName ?? 'unknown service'}.${method ?? 'unknown method'}`
  }

  /** The earliest deadline of anything pending, so the transport knows when to tick. */
  nextDeadline(): number | undefined {
    let next: number | undefined
    for (const call of this.pending.values()) {
      if (next === undefined || call.deadlineMs < next) next = call.deadlineMs
    }
    return next
  }

  failCall(call: PendingCall, kernelError: KernelErr, why: string): void {
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
}
