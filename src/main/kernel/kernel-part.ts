import { create } from '@bufbuild/protobuf'
import type { KernelEvent, KernelEventBody } from '../../shared/events/kernel-events'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, toRaw } from '../../shared/id'
import type { HostId, Id } from '../../shared/id'
import type { Logger } from '../engine/logger'
import type { DependencyGraph } from './dependency-graph'
import type { KernelLimits } from './limits'
import type { HostRecord, PendingCall, ServiceRecord } from './records'

/**
 * The kernel's books, one set per kernel, shared by its parts (the `Kernel` facade builds it):
 * hosts, services, the dependency graph and the calls in flight, plus time, log and events.
 */
export interface KernelBooks {
  readonly limits: KernelLimits
  readonly hosts: Map<string, HostRecord>
  readonly services: Map<string, ServiceRecord>
  readonly graph: DependencyGraph
  readonly pending: Map<string, PendingCall>
  readonly now: () => number
  readonly logger: Logger
  readonly random: () => number
  /** Receives every state change; must not call back into the kernel. */
  readonly onEvent: ((event: KernelEvent) => void) | undefined
  /** Called when a host gets something to read (a result, a call, an exit request). */
  readonly onWake: ((host: HostId) => void) | undefined
}

/**
 * A part of the kernel (registry, state machine, call table, request checks): each works on
 * the same books, and shares the few things every part does (events, wake-ups, forgetting a
 * call that is no longer in flight).
 */
export abstract class KernelPart {
  protected readonly limits: KernelLimits
  protected readonly hosts: Map<string, HostRecord>
  protected readonly services: Map<string, ServiceRecord>
  protected readonly graph: DependencyGraph
  protected readonly pending: Map<string, PendingCall>
  protected readonly now: () => number
  protected readonly logger: Logger
  protected readonly random: () => number

  constructor(private readonly books: KernelBooks) {
    this.limits = books.limits
    this.hosts = books.hosts
    this.services = books.services
    this.graph = books.graph
    this.pending = books.pending
    this.now = books.now
    this.logger = books.logger
    this.random = books.random
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

  forget(call: PendingCall): void {
    if (this.pending.delete(call.key)) call.callerHost.pendingCount--
  }

  protected callerName(host: HostRecord): string {
    return host.services[0]?.key ?? host.key
  }

  protected wake(host: HostRecord): void {
    this.books.onWake?.(host.id)
  }

  protected emit(event: KernelEventBody): void {
    this.books.onEvent?.({ ...event, timeMs: this.now() })
  }

  /** An event already stamped with its time (no copy: for what runs once per call). */
  protected emitStamped(event: KernelEvent): void {
    this.books.onEvent?.(event)
  }
}

/** An id as a protobuf IdRaw message. */
export function wireId(id: Id): IdRaw {
  return create(IdRawSchema, toRaw(id))
}
