import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage, MessageShape } from '@bufbuild/protobuf'
import { KernelErr } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  DispatchRequest,
  ReadOneResponse,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Logger } from '../../engine/logger'
import type { Kernel } from '../kernel'
import { PARK, SYSCALLS } from '../syscall-table'
import { releaseWaiter, tellReadOne, tellRoute } from './attached-host'
import type { Attached, Parked } from './attached-host'
import { BusyPoll } from './busy-poll'
import { count, COUNTING } from './call-counters'
import { POLL_FLAG, State, Word } from './channel'
import type { Channel } from './channel'
import { Mailboxes, mailboxCallServing } from './mailboxes'
import type { SlotGrant } from './mailboxes'
import { NoticeDrain, parentWordsAt, tellParent } from './notice-drain'
import type { CallParentListener } from './notice-drain'
import type { Switchboard } from './switchboard'

export type { SlotGrant } from './mailboxes'

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
  /** Which host has which mailbox (with a switchboard). */
  private readonly mailboxes: Mailboxes<Attached> | undefined
  private readonly busy: BusyPoll
  /** Set by yieldTurn until the current busy poll is skipped or ended. */
  private eventLoopWork = false
  /** The notice ring's reader (with a switchboard). */
  private readonly notices: NoticeDrain | undefined
  private parentListener: CallParentListener | undefined

  /**
   * Told, before the kernel books a call, which call its caller was handling (its parent, or
   * undefined), when the deployment traces calls (runner/trace-collector.ts).
   */
  get onCallParent(): CallParentListener | undefined {
    return this.parentListener
  }

  set onCallParent(listener: CallParentListener | undefined) {
    this.parentListener = listener
    if (this.notices) this.notices.onCallParent = listener
  }

  constructor(
    private readonly kernel: Kernel,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** How long to keep polling channels after a request (0 turns it off). */
    spinMs = 0.05,
    maxSpinMs = 2,
    /** Enables the worker-to-worker path (undefined: every syscall comes through here). */
    readonly switchboard?: Switchboard,
    /**
     * How long the kernel lets notices of direct calls pile up before it reads them, at most
     * (shorter when they come fast: notice-drain.ts drainDelay). Each drain takes a core from a
     * worker on a busy machine, which is where the slowest calls come from: 12 ms against 4 cut
     * call-p99-us from 309-426 to 180-269 µs (docs/architecture.md).
     */
    noticeDelayMs = 12,
  ) {
    this.busy = new BusyPoll(spinMs, maxSpinMs)
    this.mailboxes = switchboard && new Mailboxes<Attached>(switchboard)
    this.notices =
      switchboard &&
      new NoticeDrain(
        switchboard,
        kernel,
        now,
        (slot) => this.mailboxes?.holder(slot)?.host,
        noticeDelayMs,
      )
  }

  /** The mailbox slot of the attached host with key `key`. */
  private readonly slotOf = (key: string): number | undefined => this.attached.get(key)?.slot

  /**
   * Something outside the guests' channels has work queued on this thread's event loop (a host
   * with no worker was woken: a call to send to another host, a result to hand to the Studio):
   * the busy poll after the current request is skipped so that work runs now, not after it.
   */
  yieldTurn(): void {
    this.eventLoopWork = true
  }

  /** The kernel's onWake: remember the host; parked calls are retried after the current request. */
  wake(host: HostId): void {
    const key = formatId(host)
    this.woken.add(key)
    this.mailboxes?.setKernelPending(this.attached.get(key)?.slot, true)
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
    const grant = this.mailboxes?.grant(record)
    this.listen(record)
    this.notices?.listen(
      () => this.attached.size > 0 || this.mailboxes?.anyHeld() === true,
      () => {
        this.drainWakes()
        this.scheduleTimer()
      },
    )
    return grant
  }

  /** Stops serving a host (its worker ended); a parked call is dropped with it. */
  detach(host: HostId): void {
    const record = this.attached.get(formatId(host))
    if (record === undefined) return
    record.closed = true
    record.parked = undefined
    this.attached.delete(record.key)
    releaseWaiter(record)
    if (record.slot !== undefined && this.mailboxes) {
      // Closed first, so no new call lands in it; then the kernel learns every direct call
      // made so far, so the host's ending fails each one still waiting on it.
      this.mailboxes.close(record.slot)
      this.drainNotices()
    }
  }

  /** The host's worker thread is gone: its mailbox slot may serve another host. */
  release(host: HostId): void {
    this.mailboxes?.release(formatId(host), () => this.drainNotices())
  }

  /** The guest's name in the deployment (its service, e.g. `greet`), for messages. */
  private guestName(record: Attached): string {
    return this.kernel.hostById(record.host)?.name ?? `host ${record.key}`
  }

  /** True when the host's mailbox holds cells its worker has not taken yet. */
  hasMail(host: HostId): boolean {
    return this.mailboxes?.hasMail(this.attached.get(formatId(host))?.slot) === true
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
    const taken = mailboxCallServing(record.channel)
    if (taken === undefined) return undefined
    // Timed from the first look that saw this call (the watchdog looks every 100 ms).
    const seen = record.mailboxServing
    if (seen !== undefined && seen.served === taken.served) return seen
    record.mailboxServing = {
      served: taken.served,
      sinceMs: this.now(),
      call: this.kernel.describeCall(taken.call),
    }
    return record.mailboxServing
  }

  /** Cancels timers; call when the deployment is torn down. */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    for (const record of this.attached.values()) {
      record.closed = true
      releaseWaiter(record)
    }
    this.attached.clear()
    this.mailboxes?.clear()
    this.notices?.close()
  }

  private listen(record: Attached): void {
    const { header } = record.channel
    const onRequest = () => {
      if (COUNTING) count('main: channel wake-up (waitAsync)')
      if (record.closed) return
      if (Atomics.load(header, Word.STATE) === State.REQUEST && record.parked === undefined) {
        this.eventLoopWork = false
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

  /** After serving a request: keeps polling every channel for a while (busy-poll.ts). */
  private serveWhileBusy(): void {
    this.busy.run(
      () => {
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
        return served
      },
      () => this.eventLoopWork,
    )
    this.eventLoopWork = false
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
    if (COUNTING) count(`main: serve ${entry?.name}${poll ? ' (poll)' : ''}`)
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
    if (
      entry.name === 'dispatch_' &&
      this.mailboxes?.inboundFull(this.kernel, this.slotOf, request as DispatchRequest, this.logger)
    ) {
      this.respond(record, KernelErr.CallQueueFull, 0)
      return
    }
    if (entry.name === 'dispatch_' && this.parentListener !== undefined) {
      const parent = parentWordsAt(header, Word.TRACE_PARENT * 4)
      tellParent(this.parentListener, (request as DispatchRequest).callId, parent)
    }
    this.run(record, parked, poll)
    this.drainWakes()
    this.scheduleTimer()
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
      const empty = code === KernelErr.NoError && (response as ReadOneResponse).timeout === true
      tellReadOne(record, empty, this.kernel.hasEvent(record.host), this.mailboxes)
    } else if (call.entry.name === 'dispatch_' && code === KernelErr.NoError) {
      const req = call.request as DispatchRequest
      tellRoute(record.channel, this.mailboxes?.routeTo(this.kernel, this.slotOf, req))
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
    if (COUNTING) count('main: respond notify')
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

  /** Reads the notice ring now (also before serving any syscall, ticking, or a host's end). */
  drainNotices(): void {
    this.notices?.drain()
  }
}
