import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage, MessageShape } from '@bufbuild/protobuf'
import {
  DispatchRequestSchema,
  KernelErr,
  ReturnValueRequestSchema,
  ServiceMethodCallSchema,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  DispatchRequest,
  ReadOneResponse,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { IdRawSchema } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, fromRaw, isEmpty } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Logger } from '../../engine/logger'
import type { Kernel } from '../kernel'
import { PARK, SYSCALLS } from '../syscall-table'
import type { SyscallEntry } from '../syscall-table'
import { POLL_FLAG, ServingBytes, State, Word } from './channel'
import type { Channel } from './channel'
import { readNotices } from './notice-cells'
import {
  Cell,
  MAX_SLOTS,
  monoNs,
  readRawId,
  Ring,
  ringCount,
  ringDoorbell,
  SlotState,
} from './switchboard'
import type { Switchboard } from './switchboard'
import { callKeyOfWords } from './trace-words'

interface Parked {
  readonly entry: SyscallEntry
  readonly request: MessageShape<DescMessage>
  readonly deadlineMs: number | undefined
}

interface Attached {
  readonly host: HostId
  readonly key: string
  readonly channel: Channel
  parked: Parked | undefined
  lastSyscallMs: number
  /** Set when read_one_ handed this host a call; cleared by its next syscall. */
  serving: { readonly sinceMs: number; readonly call: string } | undefined
  closed: boolean
  /** This host's mailbox in the switchboard, if it got one. */
  slot: number | undefined
}

/** Where a worker's direct path plugs in: its mailbox slot and that slot's generation. */
export interface SlotGrant {
  readonly slot: number
  readonly gen: number
}

/**
 * Serves the syscall channels of every guest worker on the kernel's thread: it notices a
 * posted request (Atomics.waitAsync, so this thread's event loop never blocks), runs it on the
 * kernel, and writes the answer. read_one_ with nothing to read is parked until the kernel
 * wakes that host or its timeout passes.
 */
export class KernelServer {
  private readonly attached = new Map<string, Attached>()
  private readonly woken = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private draining = false
  /** Host record per switchboard slot (kept until the slot is released). */
  private readonly slots: (Attached | undefined)[] = new Array<Attached | undefined>(MAX_SLOTS)
  private noticeTimer: NodeJS.Timeout | undefined
  private noticeListening = false

  /**
   * Told, before the kernel books a call, which call its caller was handling (its parent, or
   * undefined), when the deployment traces calls (runner/trace-collector.ts).
   */
  onCallParent: ((call: string, parent: string | undefined) => void) | undefined

  constructor(
    private readonly kernel: Kernel,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** How long to keep polling channels after a request (0 turns it off). */
    private readonly spinMs = 0.05,
    private readonly maxSpinMs = 2,
    /** Enables the worker-to-worker path (undefined: every syscall comes through here). */
    readonly switchboard?: Switchboard,
    /** How long the kernel lets notices of direct calls pile up before it reads them. */
    private readonly noticeDelayMs = 1,
  ) {
    this.spinWindowMs = spinMs
  }

  /** The kernel's onWake: remember the host; parked calls are retried after the current request. */
  wake(host: HostId): void {
    const key = formatId(host)
    this.woken.add(key)
    const record = this.attached.get(key)
    if (record?.slot !== undefined && this.switchboard) {
      const mailbox = this.switchboard.mailboxes[record.slot]
      if (mailbox) {
        Atomics.store(mailbox.header, Ring.KERNEL_PENDING, 1)
        ringDoorbell(mailbox)
      }
    }
  }

  /** Serves a host's channel; with a switchboard, also gives it a mailbox slot if one is free. */
  attach(host: HostId, channel: Channel): SlotGrant | undefined {
    const key = formatId(host)
    const record: Attached = {
      host,
      key,
      channel,
      parked: undefined,
      lastSyscallMs: this.now(),
      serving: undefined,
      closed: false,
      slot: undefined,
    }
    this.attached.set(key, record)
    const grant = this.grantSlot(record)
    this.listen(record)
    this.listenNotices()
    return grant
  }

  private grantSlot(record: Attached): SlotGrant | undefined {
    const board = this.switchboard
    if (board === undefined) return undefined
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      const h = (board.mailboxes[slot] as Switchboard['mailboxes'][number]).header
      if (this.slots[slot] !== undefined || Atomics.load(h, Ring.STATE) !== SlotState.FREE) continue
      Atomics.store(h, Ring.LOCK, 0)
      Atomics.store(h, Ring.HEAD, 0)
      Atomics.store(h, Ring.TAIL, 0)
      Atomics.store(h, Ring.QUEUED, 0)
      Atomics.store(h, Ring.KERNEL_PENDING, 0)
      Atomics.store(h, Ring.BELL_SLOT, 0)
      const gen = Atomics.add(h, Ring.GEN, 1) + 1
      Atomics.store(h, Ring.STATE, SlotState.OPEN)
      this.slots[slot] = record
      record.slot = slot
      return { slot, gen }
    }
    return undefined
  }

  /** Stops serving a host (its worker ended); a parked call is dropped with it. */
  detach(host: HostId): void {
    const record = this.attached.get(formatId(host))
    if (record === undefined) return
    record.closed = true
    record.parked = undefined
    this.attached.delete(record.key)
    releaseWaiter(record)
    if (record.slot !== undefined && this.switchboard) {
      // Closed first, so no new call lands in it; then the kernel learns every direct call
      // made so far, so the host's ending fails each one still waiting on it.
      const mailbox = this.switchboard.mailboxes[record.slot]
      if (mailbox) {
        Atomics.store(mailbox.header, Ring.STATE, SlotState.CLOSED)
        ringDoorbell(mailbox)
      }
      this.drainNotices()
    }
  }

  /** The host's worker thread is gone: its mailbox slot may serve another host. */
  release(host: HostId): void {
    const key = formatId(host)
    for (let slot = 0; slot < MAX_SLOTS; slot++) {
      if (this.slots[slot]?.key !== key) continue
      this.drainNotices()
      this.slots[slot] = undefined
      const mailbox = this.switchboard?.mailboxes[slot]
      if (mailbox) Atomics.store(mailbox.header, Ring.STATE, SlotState.FREE)
    }
  }

  /** The guest's name in the deployment (its service, e.g. `greet`), for messages. */
  private guestName(record: Attached): string {
    return this.kernel.hostById(record.host)?.name ?? `host ${record.key}`
  }

  /** True when the host's mailbox holds cells its worker has not taken yet. */
  hasMail(host: HostId): boolean {
    const slot = this.attached.get(formatId(host))?.slot
    const mailbox = slot === undefined ? undefined : this.switchboard?.mailboxes[slot]
    if (mailbox === undefined) return false
    const h = mailbox.header
    return (
      ((Atomics.load(h, Ring.TAIL) - Atomics.load(h, Ring.HEAD)) | 0) > 0 ||
      Atomics.load(h, Ring.QUEUED) > 0
    )
  }

  /** True while the host's guest is blocked in a syscall waiting for something to read. */
  isParked(host: HostId): boolean {
    return this.attached.get(formatId(host))?.parked !== undefined
  }

  /**
   * The call a host took with read_one_ and has not made a syscall since: a guest that stays
   * like this for long is computing without end (the watchdog's question).
   */
  servingSince(host: HostId): { readonly sinceMs: number; readonly call: string } | undefined {
    const record = this.attached.get(formatId(host))
    if (record === undefined) return undefined
    if (record.serving !== undefined) return record.serving
    const { header, view } = record.channel
    if (Atomics.load(header, Word.SERVING) !== 1) return undefined
    // A call taken from the mailbox: the worker wrote when, and which.
    const sinceNs = view.getFloat64(ServingBytes.SINCE_NS, true)
    const bytes = record.channel.bytes
    const call = create(ServiceMethodCallSchema, {
      serviceId: rawId(readRawId(bytes, ServingBytes.SERVICE)),
      methodId: rawId(readRawId(bytes, ServingBytes.METHOD)),
    })
    if (Atomics.load(header, Word.SERVING) !== 1) return undefined
    return {
      sinceMs: this.now() - (monoNs() - sinceNs) / 1e6,
      call: this.kernel.describeCall(call),
    }
  }

  /** Cancels timers; call when the deployment is torn down. */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.noticeTimer) clearTimeout(this.noticeTimer)
    this.noticeTimer = undefined
    for (const record of this.attached.values()) {
      record.closed = true
      releaseWaiter(record)
    }
    this.attached.clear()
    this.slots.fill(undefined)
    if (this.switchboard) {
      const h = this.switchboard.notices.header
      Atomics.store(h, Ring.DOORBELL, 1)
      Atomics.notify(h, Ring.DOORBELL)
    }
  }

  private listen(record: Attached): void {
    const { header } = record.channel
    const onRequest = () => {
      if (record.closed) return
      if (Atomics.load(header, Word.STATE) === State.REQUEST && record.parked === undefined) {
        this.serve(record)
        this.serveWhileBusy()
      }
      this.listen(record)
    }
    // Wait for the worker to move STATE away from IDLE (or RESPONSE, while it reads it).
    const current = Atomics.load(header, Word.STATE)
    if (current === State.REQUEST && record.parked === undefined) {
      queueMicrotask(onRequest)
      return
    }
    const waiting = Atomics.waitAsync(header, Word.STATE, current)
    if (waiting.async) void waiting.value.then(onRequest)
    else queueMicrotask(onRequest)
  }

  /**
   * After serving a request, keeps checking every channel for a short, bounded time: in a call
   * between guests the next syscall (the callee's answer, the caller's next request) typically
   * arrives within microseconds, and catching it here saves a trip through this thread's event
   * loop. Bounded, so an idle deployment costs no CPU and the event loop is never held long;
   * adaptive, because when the peers cannot run (more busy threads than cores) polling only
   * takes their CPU: a poll that catches nothing halves the next one, a catch restores it.
   */
  private serveWhileBusy(): void {
    if (this.spinWindowMs < this.spinMs / 64) {
      // Backed off: try again only now and then, so a busy period can win the poll back.
      this.spinWindowMs = Math.min(this.spinMs, this.spinWindowMs * 2 || this.spinMs / 64)
      return
    }
    let deadline = performance.now() + this.spinWindowMs
    let caught = false
    while (performance.now() < deadline) {
      let served = false
      for (const other of this.attached.values()) {
        if (
          !other.closed &&
          other.parked === undefined &&
          Atomics.load(other.channel.header, Word.STATE) === State.REQUEST
        ) {
          this.serve(other)
          served = true
        }
      }
      if (served) {
        caught = true
        deadline = Math.min(performance.now() + this.spinWindowMs, this.spinCapAt())
      }
    }
    this.spinStartedAt = undefined
    this.spinWindowMs = caught ? this.spinMs : this.spinWindowMs / 2
  }

  private spinWindowMs = 0

  private spinStartedAt: number | undefined

  /** One busy stretch never holds the event loop longer than `maxSpinMs`. */
  private spinCapAt(): number {
    this.spinStartedAt ??= performance.now()
    return this.spinStartedAt + this.maxSpinMs
  }

  private serve(record: Attached): void {
    const { header, data } = record.channel
    // Direct calls made so far come first: this request may answer or name one of them.
    this.drainNotices()
    record.lastSyscallMs = this.now()
    record.serving = undefined
    const fn = Atomics.load(header, Word.FUNCTION)
    const poll = (fn & POLL_FLAG) !== 0
    const index = fn & ~POLL_FLAG
    const entry = SYSCALLS[index]
    if (entry === undefined) {
      this.logger.log('error', `${this.guestName(record)}: unknown syscall #${index}`)
      this.respond(record, KernelErr.ExecError, 0)
      return
    }
    const length = Atomics.load(header, Word.REQUEST_LENGTH)
    let request: MessageShape<DescMessage>
    try {
      // A copy: decoded bytes fields are views of their input, and this channel's data area is
      // overwritten by the worker's next request while the kernel may still hold the message.
      request = fromBinary(entry.request, data.slice(0, length))
    } catch (err) {
      this.logger.log(
        'warn',
        `${entry.name} from ${this.guestName(record)}: request (${length} bytes) is not a valid ${entry.request.typeName}: ${err instanceof Error ? err.message : String(err)}`,
      )
      this.respond(record, KernelErr.UnmarshalFailed, 0)
      return
    }
    const waitMs = entry.waitMs?.(request, { callTimeoutMs: this.kernel.limits.callTimeoutMs })
    const parked: Parked = {
      entry,
      request,
      deadlineMs: waitMs === undefined ? undefined : this.now() + waitMs,
    }
    if (entry.name === 'dispatch_' && this.queueFull(request as DispatchRequest)) {
      this.respond(record, KernelErr.CallQueueFull, 0)
      return
    }
    if (entry.name === 'dispatch_' && this.onCallParent !== undefined) {
      this.tellParent((request as DispatchRequest).callId, header, Word.TRACE_PARENT * 4)
    }
    this.run(record, parked, poll)
    this.drainWakes()
    this.scheduleTimer()
  }

  /** The inbound bound counts the calls waiting in the callee's mailbox too. */
  private queueFull(req: DispatchRequest): boolean {
    if (this.switchboard === undefined || req.serviceId === undefined) return false
    let target
    try {
      target = this.kernel.serviceById(fromRaw('service', req.serviceId))
    } catch {
      return false
    }
    const slot = target && this.attached.get(target.host.key)?.slot
    if (target === undefined || slot === undefined) return false
    const mailbox = this.switchboard.mailboxes[slot]
    const queued = mailbox ? Atomics.load(mailbox.header, Ring.QUEUED) : 0
    if (queued === 0 || target.host.inbound.length + queued < this.kernel.limits.inboundQueue)
      return false
    this.logger
      .withSource('kernel')
      .log(
        'warn',
        `dispatch_: ${target.fullName}: inbound queue full (${this.kernel.limits.inboundQueue} calls)`,
      )
    return true
  }

  /** After a dispatch_: where the callee's mailbox is, so the caller can go direct next time. */
  private writeRoute(record: Attached, req: DispatchRequest): void {
    const { header } = record.channel
    let slot = -1
    let gen = 0
    if (this.switchboard && req.serviceId !== undefined) {
      const target = this.kernel.serviceById(fromRaw('service', req.serviceId))
      const callee = target && target.state === 'running' && this.attached.get(target.host.key)
      const mailbox = callee && callee.slot !== undefined && this.switchboard.mailboxes[callee.slot]
      if (callee && callee.slot !== undefined && mailbox) {
        slot = callee.slot
        gen = Atomics.load(mailbox.header, Ring.GEN)
      }
    }
    Atomics.store(header, Word.ROUTE_SLOT, slot)
    Atomics.store(header, Word.ROUTE_GEN, gen)
  }

  /** Runs (or re-runs) a syscall; parks it when it has nothing to answer yet. */
  private run(record: Attached, call: Parked, final: boolean): void {
    const response = call.entry.response ? create(call.entry.response) : undefined
    let code: KernelErr | typeof PARK
    try {
      code = call.entry.handle(this.kernel, record.host, call.request, response, final)
    } catch (err) {
      this.logger.log(
        'error',
        `${call.entry.name} from ${this.guestName(record)} threw in the kernel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      )
      record.parked = undefined
      this.respond(record, KernelErr.ExecError, 0)
      return
    }
    if (code === PARK) {
      record.parked = call
      return
    }
    record.parked = undefined
    if (call.entry.name === 'read_one_') {
      Atomics.store(
        record.channel.header,
        Word.EMPTY,
        code === KernelErr.NoError && (response as ReadOneResponse).timeout ? 1 : 0,
      )
      if (record.slot !== undefined && this.switchboard) {
        const mailbox = this.switchboard.mailboxes[record.slot]
        if (mailbox) {
          Atomics.store(
            mailbox.header,
            Ring.KERNEL_PENDING,
            this.kernel.hasEvent(record.host) ? 1 : 0,
          )
        }
      }
    } else if (call.entry.name === 'dispatch_' && code === KernelErr.NoError) {
      this.writeRoute(record, call.request as DispatchRequest)
    }
    if (code !== KernelErr.NoError || response === undefined || call.entry.response === undefined) {
      this.respond(record, code, 0)
      return
    }
    const bytes = toBinary(call.entry.response, response)
    const capacity = Atomics.load(record.channel.header, Word.CAPACITY)
    if (bytes.byteLength > capacity || bytes.byteLength > record.channel.data.byteLength) {
      if (call.entry.name === 'read_one_')
        this.kernel.unreadOne(record.host, response as ReadOneResponse)
      this.respond(record, KernelErr.DataTooLarge, bytes.byteLength)
      return
    }
    record.channel.data.set(bytes)
    const delivered = (response as Partial<ReadOneResponse>).call
    if (delivered !== undefined) {
      record.serving = { sinceMs: this.now(), call: this.kernel.describeCall(delivered) }
    }
    this.respond(record, KernelErr.NoError, bytes.byteLength)
  }

  private respond(record: Attached, code: number, length: number): void {
    const { header } = record.channel
    Atomics.store(header, Word.RESULT_CODE, code)
    Atomics.store(header, Word.RESULT_LENGTH, length)
    Atomics.store(header, Word.STATE, State.RESPONSE)
    Atomics.notify(header, Word.STATE)
  }

  /** Retries parked calls of hosts the kernel woke; each retry may wake more hosts. */
  private drainWakes(): void {
    if (this.draining) return
    this.draining = true
    try {
      while (this.woken.size > 0) {
        const [key] = this.woken
        this.woken.delete(key as string)
        const record = this.attached.get(key as string)
        if (record?.parked) this.run(record, record.parked, false)
      }
    } finally {
      this.draining = false
    }
  }

  /** One timer for the earliest of: a parked call's deadline, the kernel's next deadline. */
  private scheduleTimer(): void {
    let next = this.kernel.nextDeadline() ?? Infinity
    for (const record of this.attached.values()) {
      const deadline = record.parked?.deadlineMs
      if (deadline !== undefined && deadline < next) next = deadline
    }
    if (next === Infinity || next >= this.timerAt) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = next
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, next - this.now()))
  }

  private onTimer(): void {
    this.timer = undefined
    this.timerAt = Infinity
    this.drainNotices()
    this.kernel.tick()
    const now = this.now()
    for (const record of this.attached.values()) {
      const parked = record.parked
      if (parked?.deadlineMs !== undefined && parked.deadlineMs <= now)
        this.run(record, parked, true)
    }
    this.drainWakes()
    this.scheduleTimer()
  }

  /** Ticks now: used after a host ends, since that can fail calls and wake hosts. */
  flush(): void {
    this.drainNotices()
    this.drainWakes()
    this.scheduleTimer()
  }

  /** Waits (Atomics.waitAsync) for the first notice after a drain, then drains a bit later. */
  private listenNotices(): void {
    const board = this.switchboard
    if (board === undefined || this.noticeListening) return
    this.noticeListening = true
    const h = board.notices.header
    const arm = () => {
      if (this.attached.size === 0 && this.slots.every((s) => s === undefined)) {
        this.noticeListening = false
        return
      }
      const waiting = Atomics.waitAsync(h, Ring.DOORBELL, 0)
      const fire = () => {
        this.noticeTimer ??= setTimeout(() => {
          this.noticeTimer = undefined
          this.drainNotices()
          this.drainWakes()
          this.scheduleTimer()
          arm()
        }, this.noticeDelayMs)
      }
      if (waiting.async) void waiting.value.then(fire)
      else fire()
    }
    arm()
  }

  /**
   * Reads the notice ring: the direct calls workers made and answered since the last drain.
   * The kernel books them as if they had come through here (events, timeouts, bounds).
   */
  drainNotices(): void {
    const board = this.switchboard
    if (board === undefined) return
    Atomics.store(board.notices.header, Ring.DOORBELL, 0)
    if (ringCount(board.notices) === 0) return
    const nowMs = this.now()
    const nowNs = monoNs()
    readNotices(board, (notice) => {
      const record = this.slots[notice.slot]
      if (record === undefined) return
      const atMs = nowMs - (nowNs - notice.atNs) / 1e6
      const callId = rawId(notice.callId)
      if (notice.kind === Cell.STARTED) {
        const req = create(DispatchRequestSchema, {
          callId,
          serviceId: rawId(notice.serviceId),
          methodId: rawId(notice.methodId),
        })
        if (this.onCallParent !== undefined) this.tellParentKey(callId, notice.parent)
        this.kernel.directCallStarted(record.host, req, atMs)
      } else {
        const req = create(ReturnValueRequestSchema, { callId, resultError: notice.resultError })
        this.kernel.directCallReturned(record.host, req, atMs)
      }
    })
  }

  /** The parent words at byte offset `at` of the channel header, for call `callId`. */
  private tellParent(callId: IdRaw | undefined, words: Int32Array, at: number): void {
    const word = (i: number) => (words[at / 4 + i] as number) >>> 0
    this.tellParentKey(callId, [word(0), word(1), word(2), word(3)])
  }

  /** Tells onCallParent the parent (trace words, trace-words.ts) of call `callId`. */
  private tellParentKey(
    callId: IdRaw | undefined,
    parent: readonly [number, number, number, number],
  ): void {
    if (callId === undefined || isEmpty(callId)) return
    let call: string
    try {
      call = formatId(fromRaw('call', callId))
    } catch {
      return
    }
    this.onCallParent?.(call, callKeyOfWords(...parent))
  }
}

function rawId(bytes: Uint8Array): IdRaw {
  try {
    return fromBinary(IdRawSchema, bytes)
  } catch {
    return create(IdRawSchema)
  }
}

/**
 * Resolves the pending Atomics.waitAsync on a closed host's channel. Its worker is gone and will
 * never write again, and a waiter that is never resolved keeps the channel's buffer, and through
 * its callback this server and the deployment's switchboard, alive for good.
 */
function releaseWaiter(record: Attached): void {
  Atomics.notify(record.channel.header, Word.STATE)
}
