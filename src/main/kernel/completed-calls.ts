import type { KernelEvent } from '../../shared/events/kernel-events'
import { formatId, fromRawChecked } from '../../shared/id'
import type { HostId } from '../../shared/id'
import { callKeyText } from './call-key'
import { fastRawId, latin1Bytes, rawId } from './raw-id-bytes'
import type { CallWords } from './raw-id-bytes'
import { KernelPart } from './kernel-part'
import type { KernelBooks } from './kernel-part'
import type { HostRecord, ServiceRecord } from './records'

/** How many service ids' and hosts' lookups are kept (they repeat on every call). */
const CACHE_MAX = 4096

/**
 * A call that went worker to worker and was answered before the kernel read its notices: it
 * started and returned between two drains, which is nearly every direct call.
 */
export interface CompletedDirectCall {
  readonly caller: HostId
  /** The host whose worker answered it. */
  readonly callee: HostId
  /** Ids as the workers wrote them in the notices: IdRaw bytes as `latin1` text. */
  readonly callId: string
  readonly serviceId: string
  readonly methodId: string
  readonly startedMs: number
  readonly finishedMs: number
  readonly resultError: number
  /**
   * Tracing: the call id's words, read by the drain (else the key is made here from `callId`),
   * and the words of the call its caller was handling (all 0: none).
   */
  readonly callWords?: CallWords | undefined
  readonly parentWords?: CallWords | undefined
  /** When the kernel read the notices (the events' timeMs); else the kernel's now. */
  readonly readMs?: number
}

/**
 * A direct call the kernel booked, in one record: what its call-started and call-finished events
 * say, plus its parent. Given to the kernel's `onCallCompleted` instead of the two events, so a
 * trace collector makes a span from it without the events and the open-call maps
 * (`bookedCallEvents` makes the events for a listener that wants them).
 */
export interface BookedDirectCall {
  readonly call: string
  readonly parent: string | undefined
  /**
   * The call's and its parent's ids as words (parent all 0: none), when the kernel had them: a
   * trace collector keys its contexts by these, so tracing makes no key text per call.
   */
  readonly callWords?: CallWords | undefined
  readonly parentWords?: CallWords | undefined
  readonly caller: string
  readonly target: string
  readonly method: string
  readonly startMs: number
  readonly latencyMs: number
  readonly resultError: number
  /** When the kernel booked it (the events' timeMs). */
  readonly timeMs: number
}

/**
 * A booked direct call whose keys are made only when asked for: a trace collector reads the
 * words instead, and the call and parent keys were two strings per traced call.
 */
class BookedCall implements BookedDirectCall {
  constructor(
    readonly callWords: CallWords | undefined,
    private key: string | undefined,
    readonly parentWords: CallWords | undefined,
    readonly caller: string,
    readonly target: string,
    readonly method: string,
    readonly startMs: number,
    readonly latencyMs: number,
    readonly resultError: number,
    readonly timeMs: number,
  ) {}

  get call(): string {
    return (this.key ??= callKeyText(...(this.callWords as CallWords)))
  }

  get parent(): string | undefined {
    const p = this.parentWords
    return p === undefined || (p[0] | p[1] | p[2] | p[3]) === 0 ? undefined : callKeyText(...p)
  }
}

/** The call-started and call-finished events of a booked direct call. */
export function bookedCallEvents(call: BookedDirectCall): [KernelEvent, KernelEvent] {
  const { timeMs, caller, target, method } = call
  return [
    {
      type: 'call-started',
      timeMs,
      call: call.call,
      caller,
      target,
      method,
      startMs: call.startMs,
    },
    {
      type: 'call-finished',
      timeMs,
      call: call.call,
      caller,
      target,
      method,
      latencyMs: call.latencyMs,
      resultError: call.resultError,
      kernelError: 0,
    },
  ]
}

/**
 * The books of calls that went worker to worker and are already answered when the kernel hears
 * of them: nothing is pending and nobody waits, so the kernel only checks that the call was
 * one it would have allowed and tells its listeners (call-started, call-finished). This runs on
 * the kernel thread for every direct call, so what repeats (hosts, services, method names) is
 * looked up once from the ids' bytes, and no protobuf message or id string is made unless a
 * listener needs the events. A call this part cannot book (an unknown id, a callee that ended
 * meanwhile) is left to the call table's two-step path, which names the fault.
 */
export class CompletedCalls extends KernelPart {
  private readonly hostsById = new WeakMap<HostId, HostRecord>()
  private readonly servicesByBytes = new Map<string, ServiceRecord>()
  private readonly methodsOf = new WeakMap<ServiceRecord, Map<string, string>>()

  private readonly listened: boolean

  constructor(
    books: KernelBooks,
    private readonly onCallCompleted: ((call: BookedDirectCall) => void) | undefined,
  ) {
    super(books)
    this.listened = books.onEvent !== undefined || onCallCompleted !== undefined
  }

  /** True when booked; false: book it with directCallStarted and directCallReturned instead. */
  book(call: CompletedDirectCall): boolean {
    const caller = this.host(call.caller)
    const callee = this.host(call.callee)
    if (caller === undefined || callee === undefined || !caller.alive || !callee.alive) return false
    const target = this.service(call.serviceId)
    if (target === undefined || target.host !== callee) return false
    if (target.state === 'failed' || target.state === 'exited') return false
    const methodName = this.method(target, call.methodId)
    if (methodName === undefined) return false
    if (call.callId.length === 0) return false
    if (!this.listened) return true
    const words = call.callWords
    let key: string | undefined
    if (words === undefined) {
      const id = fromRawChecked('call', fastRawId(latin1Bytes(call.callId)))
      if (!id.ok) return false
      key = formatId(id.id)
    }
    // The two-step path refuses a call id that is still pending: so does this one.
    if (this.pending.size > 0) {
      key ??= callKeyText(...(words as CallWords))
      if (this.pending.has(key)) return false
    }
    const booked = new BookedCall(
      words,
      key,
      call.parentWords,
      this.callerName(caller),
      target.key,
      methodName,
      call.startedMs,
      call.finishedMs - call.startedMs,
      call.resultError,
      call.readMs ?? this.now(),
    )
    if (this.onCallCompleted !== undefined) {
      this.onCallCompleted(booked)
    } else {
      const [started, finished] = bookedCallEvents(booked)
      this.emitStamped(started)
      this.emitStamped(finished)
    }
    return true
  }

  /** The host's record while it is the one the kernel has under its key. */
  private host(id: HostId): HostRecord | undefined {
    let host = this.hostsById.get(id)
    if (host === undefined) {
      host = this.hostById(id)
      if (host === undefined) return undefined
      this.hostsById.set(id, host)
    }
    return this.hosts.get(host.key) === host ? host : undefined
  }

  private service(text: string): ServiceRecord | undefined {
    let service = this.servicesByBytes.get(text)
    if (service === undefined || this.services.get(service.key) !== service) {
      const id = fromRawChecked('service', rawId(latin1Bytes(text)))
      service = id.ok ? this.services.get(formatId(id.id)) : undefined
      if (service === undefined) return undefined
      if (this.servicesByBytes.size >= CACHE_MAX) this.servicesByBytes.clear()
      this.servicesByBytes.set(text, service)
    }
    return service
  }

  private method(service: ServiceRecord, text: string): string | undefined {
    let names = this.methodsOf.get(service)
    if (names === undefined) {
      names = new Map()
      this.methodsOf.set(service, names)
    }
    let name = names.get(text)
    if (name === undefined) {
      const id = fromRawChecked('method', rawId(latin1Bytes(text)))
      name = id.ok ? service.methodNamesByKey.get(formatId(id.id)) : undefined
      if (name === undefined) return undefined
      if (names.size >= CACHE_MAX) names.clear()
      names.set(text, name)
    }
    return name
  }
}
