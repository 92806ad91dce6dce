/**
 * Calls between hosts over NATS request/reply. Outgoing: a call a stand-in took (see
 * remote-guests.ts) becomes a request on the service's subject, and its reply the call's result,
 * or a typed kernel error (docs/cluster.md, "Errors"). Incoming: this host subscribes to the
 * subject of every service it runs, in the service's queue group (hosts exporting the same
 * service share its calls), and dispatches each call to its local exporter through the kernel,
 * as a caller host named after the remote caller.
 */
import { create } from '@bufbuild/protobuf'
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import { RemoteErrorCode } from '../../shared/gen/parigot/cluster/v1/cluster_pb'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchRequestSchema,
  DispatchResponseSchema,
  KernelErr,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
  ReturnValueRequestSchema,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRawChecked, newCallId, toRaw } from '../../shared/id'
import type { HostId } from '../../shared/id'
import type { Logger } from '../engine/logger'
import { CallRequests } from './call-requests'
import { decodeCall, decodeResult, encodeCall, errorResult, okResult } from './envelope'
import type { KernelAccess } from './kernel-access'
import type { TakenCall } from './remote-guests'
import type { ClusterNames } from './subjects'
import { formatTraceparent, parseTraceparent } from './trace-context'

/** Remote callers shown by name at most; more share one caller host. */
const MAX_CALLER_HOSTS = 64

/** How a RemoteError becomes the kernel error the calling guest sees. */
function kernelErrorOf(code: RemoteErrorCode, kernelError: number): KernelErr {
  switch (code) {
    case RemoteErrorCode.BAD_ENVELOPE:
      return KernelErr.MarshalFailed
    case RemoteErrorCode.NOT_FOUND:
      return KernelErr.NotFound
    case RemoteErrorCode.KERNEL:
      return kernelError in KernelErr && kernelError !== 0 ? kernelError : KernelErr.ServiceFailed
    default:
      return KernelErr.ServiceFailed
  }
}

/** The traceparent of the call `callKey` this host's guest made ('' when not traced). */
function traceparentOf(access: KernelAccess, callKey: string): string {
  const context = access.traces?.contextOf(callKey)
  return context === undefined ? '' : formatTraceparent(context)
}

export class RemoteCalls {
  private readonly subscriptions = new Map<string, Subscription>()
  private readonly callerHosts = new Map<string, HostId>()
  /** Calls dispatched here for a remote caller, by call key: the message to answer. */
  private readonly serving = new Map<string, { msg: Msg; callId: string }>()
  private readonly servingHosts = new Set<string>()
  private readonly requests: CallRequests

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: ClusterNames,
    private readonly hostName: string,
    private readonly access: KernelAccess,
    private readonly logger: Logger,
    /** Is this kernel host a stand-in for a remote guest (never served from here)? */
    private readonly isStandIn: (hostKey: string) => boolean,
  ) {
    this.requests = new CallRequests(nc, (err) =>
      logger.log('error', `answering a call sent to another host: ${String(err)}`),
    )
  }

  // ---- outgoing ----------------------------------------------------------------------------

  send(call: TakenCall): void {
    const { kernel } = this.access
    const timeout = kernel.limits.callTimeoutMs
    const fail = (code: KernelErr, why: string) => {
      kernel.failTakenCall(call.standIn, create(IdRawSchema, call.callId), code, why)
      this.access.flush()
    }
    const what = `call ${call.service}.${call.method} to host ${call.remoteHost}`
    let bytes: Uint8Array
    try {
      bytes = encodeCall({
        service: call.service,
        method: call.method,
        callId: call.callKey,
        caller: this.hostName,
        traceparent: traceparentOf(this.access, call.callKey),
        timeoutMs: timeout,
        ...(call.param ? { param: call.param } : {}),
      })
    } catch (err) {
      fail(KernelErr.MarshalFailed, `${what}: cannot encode: ${String(err)}`)
      return
    }
    this.requests.request(this.names.callSubject(call.service), bytes, timeout, (outcome) => {
      switch (outcome.kind) {
        case 'no-responders':
          return fail(
            KernelErr.ServiceFailed,
            `${what}: no host serves ${call.service} any more (no responders)`,
          )
        case 'timeout':
          return fail(KernelErr.CallTimeout, `${what}: no answer within ${outcome.afterMs} ms`)
        case 'failed':
          return fail(KernelErr.ServiceFailed, `${what}: ${outcome.reason}`)
      }
      const decoded = decodeResult(outcome.data)
      if (!decoded.ok) return fail(KernelErr.MarshalFailed, `${what}: ${decoded.message}`)
      const result = decoded.value
      if (result.error !== undefined && result.error.code !== RemoteErrorCode.UNSPECIFIED) {
        const code = kernelErrorOf(result.error.code, result.error.kernelError)
        return fail(
          code,
          `${what}: host ${result.servedBy || '?'} answered ${RemoteErrorCode[result.error.code]}: ${result.error.message}`,
        )
      }
      kernel.returnValue(
        call.standIn,
        create(ReturnValueRequestSchema, {
          callId: create(IdRawSchema, call.callId),
          resultError: result.resultError,
          ...(result.result ? { result: result.result } : {}),
        }),
      )
      this.access.flush()
    })
  }

  // ---- incoming ----------------------------------------------------------------------------

  /** Serve exactly `services` (the names running local guests export). */
  serve(services: ReadonlySet<string>): void {
    for (const [name, sub] of this.subscriptions) {
      if (services.has(name)) continue
      sub.unsubscribe()
      this.subscriptions.delete(name)
    }
    for (const name of services) {
      if (this.subscriptions.has(name)) continue
      const sub = this.nc.subscribe(this.names.callSubject(name), {
        queue: this.names.callQueue(name),
        callback: (err, msg) => {
          if (err !== null) return
          try {
            this.onCall(msg)
          } catch (error) {
            // A throw here would close the client's reader: answer and log instead.
            this.logger.log('error', `serving a call to ${name}: ${String(error)}`)
            msg.respond(errorResult('', this.hostName, RemoteErrorCode.KERNEL, String(error)))
          }
        },
      })
      this.subscriptions.set(name, sub)
    }
  }

  private onCall(msg: Msg): void {
    const { kernel } = this.access
    const decoded = decodeCall(msg.data)
    if (!decoded.ok) {
      this.logger.log('warn', `refused a call from NATS: ${decoded.message}`)
      msg.respond(errorResult('', this.hostName, RemoteErrorCode.BAD_ENVELOPE, decoded.message))
      return
    }
    const call = decoded.value
    const dot = call.service.lastIndexOf('.')
    const exporters = kernel
      .serviceByName(call.service.slice(0, dot), call.service.slice(dot + 1))
      .filter((s) => s.state === 'running' && s.host.alive && !this.isStandIn(s.host.key))
    const target = exporters[Math.floor(Math.random() * exporters.length)]
    const methodId = target?.methodsByName.get(call.method)
    if (target === undefined || methodId === undefined) {
      const why =
        target === undefined
          ? `host ${this.hostName} runs no ${call.service}`
          : `${call.service} has no method ${call.method}`
      msg.respond(errorResult(call.callId, this.hostName, RemoteErrorCode.NOT_FOUND, why))
      return
    }
    const caller = this.callerHost(call.caller)
    const id = newCallId()
    const callId = create(IdRawSchema, toRaw(id))
    // The calling host's span is this call's parent (the envelope checked the value).
    const parent = parseTraceparent(call.traceparent)
    if (parent !== undefined && !('error' in parent))
      this.access.traces?.noteRemoteParent(formatId(id), parent)
    const code = kernel.dispatch(
      caller,
      create(DispatchRequestSchema, {
        serviceId: create(IdRawSchema, toRaw(target.id)),
        methodId: create(IdRawSchema, toRaw(methodId)),
        callId,
        ...(call.param ? { param: call.param } : {}),
      }),
      create(DispatchResponseSchema),
    )
    if (code !== KernelErr.NoError) {
      msg.respond(
        errorResult(
          call.callId,
          this.hostName,
          RemoteErrorCode.KERNEL,
          `dispatch to ${call.service}.${call.method} refused: ${KernelErr[code] ?? code}`,
          code,
        ),
      )
      return
    }
    const cid = fromRawChecked('call', callId)
    if (cid.ok) this.serving.set(formatId(cid.id), { msg, callId: call.callId })
    this.access.flush()
  }

  /** The caller host for calls from `name` (a host name, checked by the envelope). */
  private callerHost(name: string): HostId {
    const shown =
      this.callerHosts.size < MAX_CALLER_HOSTS || this.callerHosts.has(name) ? name : 'remote'
    let host = this.callerHosts.get(shown)
    if (host === undefined) {
      const created: HostId = this.access.virtualHost(`@${shown}`, () => this.collect(created))
      host = created
      this.callerHosts.set(shown, host)
      this.servingHosts.add(formatId(host))
    }
    return host
  }

  /** Results for remote callers: answer each request. */
  private collect(host: HostId): void {
    const { kernel } = this.access
    for (;;) {
      const resp = create(ReadOneResponseSchema)
      const code = kernel.readOne(host, create(ReadOneRequestSchema), resp)
      const resolved = resp.resolved
      if (code !== KernelErr.NoError || resolved?.callId === undefined) return
      const cid = fromRawChecked('call', resolved.callId)
      const key = cid.ok ? formatId(cid.id) : ''
      const waiting = this.serving.get(key)
      this.serving.delete(key)
      if (waiting === undefined) continue
      const { msg, callId: id } = waiting
      msg.respond(
        resolved.kernelError !== KernelErr.NoError
          ? errorResult(
              id,
              this.hostName,
              RemoteErrorCode.KERNEL,
              `the kernel of host ${this.hostName} failed the call: ${KernelErr[resolved.kernelError] ?? resolved.kernelError}`,
              resolved.kernelError,
            )
          : okResult(id, this.hostName, resolved.result, resolved.resultError),
      )
    }
  }

  close(): void {
    this.requests.close(`host ${this.hostName} is leaving the deployment`)
    for (const sub of this.subscriptions.values()) sub.unsubscribe()
    this.subscriptions.clear()
  }
}
