import type { Any } from '@bufbuild/protobuf/wkt'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { ServiceState } from '../../shared/events/kernel-events'
import type { CallId, HostId, MethodId, ServiceId } from '../../shared/id'

/** A completed call waiting for its caller's read_one. */
export interface ResolvedEntry {
  readonly callId: IdRaw
  readonly result: Any | undefined
  readonly resultError: number
  readonly kernelError: number
}

/** A call queued for a callee and not yet read. */
export interface InboundCall {
  readonly callKey: string
  readonly callId: IdRaw
  readonly service: ServiceRecord
  readonly methodId: MethodId
  readonly param: Any | undefined
}

export interface HostRecord {
  readonly id: HostId
  readonly key: string
  readonly name: string
  alive: boolean
  exitRequested: boolean
  readonly services: ServiceRecord[]
  /** Completed calls, delivered before inbound ones (the reference's priority rule). */
  readonly ready: ResolvedEntry[]
  readonly inbound: InboundCall[]
  /** Calls this host made that are still outstanding. */
  pendingCount: number
}

export interface StateChange {
  readonly state: ServiceState
  readonly timeMs: number
  readonly reason?: string
}

export interface ServiceRecord {
  readonly id: ServiceId
  readonly key: string
  readonly packagePath: string
  readonly serviceName: string
  /** `package.service`, the name other services require. */
  readonly fullName: string
  readonly host: HostRecord
  readonly exports: Set<string>
  readonly requires: Set<string>
  readonly methodsByName: Map<string, MethodId>
  readonly methodNamesByKey: Map<string, string>
  state: ServiceState
  launchDeadlineMs: number | undefined
  readonly launchCalls: IdRaw[]
  exitCode: number | undefined
  failure: string | undefined
  readonly history: StateChange[]
}

export type PendingKind = 'call' | 'launch'

/** A call id in flight: a method call waiting for its result, or a launch waiting to run. */
export interface PendingCall {
  readonly kind: PendingKind
  readonly key: string
  /** The raw id exactly as the caller sent it, echoed back in the ResolvedCall. */
  readonly rawCallId: IdRaw
  readonly callId: CallId
  readonly callerHost: HostRecord
  readonly target: ServiceRecord
  readonly methodName: string
  readonly startedMs: number
  readonly deadlineMs: number
  /** The callee has taken it from its queue. */
  delivered: boolean
}

/** How a host (its guest) ended, as the supervisor observed it. */
export type HostEnding =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'failed'; readonly reason: string }
