import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage, MessageShape } from '@bufbuild/protobuf'
import { KernelErr } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { ReadOneResponse } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Logger } from '../../engine/logger'
import type { Kernel } from '../kernel'
import { PARK, SYSCALLS } from '../syscall-table'
import type { SyscallEntry } from '../syscall-table'
import { State, Word } from './channel'
import type { Channel } from './channel'

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

  constructor(
    private readonly kernel: Kernel,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** How long to keep polling channels after a request (0 turns it off). */
    private readonly spinMs = 0.05,
    private readonly maxSpinMs = 2,
  ) {
    this.spinWindowMs = spinMs
  }

  /** The kernel's onWake: remember the host; parked calls are retried after the current request. */
  wake(host: HostId): void {
    this.woken.add(formatId(host))
  }

  attach(host: HostId, channel: Channel): void {
    const key = formatId(host)
    const record: Attached = {
      host,
      key,
      channel,
      parked: undefined,
      lastSyscallMs: this.now(),
      serving: undefined,
      closed: false,
    }
    this.attached.set(key, record)
    this.listen(record)
  }

  /** Stops serving a host (its worker ended); a parked call is dropped with it. */
  detach(host: HostId): void {
    const record = this.attached.get(formatId(host))
    if (record === undefined) return
    record.closed = true
    record.parked = undefined
    this.attached.delete(record.key)
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
    return this.attached.get(formatId(host))?.serving
  }

  /** Cancels timers; call when the deployment is torn down. */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    for (const record of this.attached.values()) record.closed = true
    this.attached.clear()
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
    record.lastSyscallMs = this.now()
    record.serving = undefined
    const index = Atomics.load(header, Word.FUNCTION)
    const entry = SYSCALLS[index]
    if (entry === undefined) {
      this.logger.log('error', `host ${record.key}: unknown syscall #${index}`)
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
        `${entry.name}: request is not a valid ${entry.request.typeName}: ${err instanceof Error ? err.message : String(err)}`,
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
    this.run(record, parked, false)
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
        `${call.entry.name} threw in the kernel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
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
    this.drainWakes()
    this.scheduleTimer()
  }
}
