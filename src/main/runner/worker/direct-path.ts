import { WORKER_KERNEL_ERR as KernelErr } from '../../kernel/syscall-abi'
import type { IdRaw } from '../../../shared/id'
import { ServingBytes, Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import {
  Cell,
  consumeCell,
  freeCell,
  lockRing,
  monoNs,
  oldestCell,
  publishCell,
  RAW_ID_BYTES,
  readRawId,
  Ring,
  ringCount,
  ringDoorbell,
  ringKernel,
  SlotState,
  unlockRing,
  writeRawId,
} from '../../kernel/transport/switchboard'
import type { RingView, Switchboard } from '../../kernel/transport/switchboard'
import { writeNotice } from '../../kernel/transport/notice-cells'
import { flag, idKey, idKeyOf, READ_ONE_TIMEOUT as TIMEOUT_BYTES, scan, Writer } from './wire'
import type { Field } from './wire'

/** What a worker needs to call other workers directly (docs/architecture.md). */
export interface DirectPathConfig {
  readonly board: Switchboard
  readonly slot: number
  readonly gen: number
  readonly host: IdRaw
  readonly inboundQueue: number
  readonly callTimeoutMs: number
}

/** An answer for the guest: a code and the response bytes (or the required length). */
export interface Answer {
  readonly code: number
  readonly length: number
  readonly bytes: Uint8Array | undefined
}

/** Asks the kernel without parking there (read_one_ as a poll); the answer is in the channel. */
export type KernelPoll = (request: Uint8Array, capacity: number) => Answer & { empty: boolean }

/** A worker that runs several guests (colocated-group.ts), as each guest's DirectPath sees it. */
export interface SharedWorker {
  /** The DirectPath of a live guest of this worker that has mailbox `slot`, if any. */
  peer(slot: number): DirectPath | undefined
  /**
   * Instead of sleeping on this guest's doorbell: lets the worker's other guests run until
   * something may have arrived or `deadline` passed; false means answer now (no wait possible).
   */
  wait(self: DirectPath, deadline: number): boolean
}

interface InboundEntry {
  readonly callKey: string
  readonly bytes: Uint8Array
  readonly callerSlot: number
  readonly callerGen: number
  /** IdRaw message bytes. */
  readonly callerHost: Uint8Array
  readonly service: Uint8Array
  readonly method: Uint8Array
  /** service/method key, for read_one_'s filter. */
  readonly pair: string
}

interface ResultEntry {
  readonly callKey: string
  readonly bytes: Uint8Array
}

/** Mailbox cell layout (bytes): kind, length, caller slot, caller gen, ids, then the payload. */
const CELL_CALL_ID = 16
const CELL_CALLER_HOST = CELL_CALL_ID + RAW_ID_BYTES
const CELL_SERVICE = CELL_CALLER_HOST + RAW_ID_BYTES
const CELL_METHOD = CELL_SERVICE + RAW_ID_BYTES
const CELL_PAYLOAD = CELL_METHOD + RAW_ID_BYTES
const DONE_MEMORY = 4096
const MAX_SPIN_MS = 0.05
const MIN_SPIN_MS = 0.005

/** ReadOneResponse: exit 6. */
const EXIT_BYTES = new Writer().bool(6, true).finish()
const keyOfRaw = (raw: Uint8Array) => idKey(raw, { start: 0, end: raw.byteLength, value: 0 }).key

/**
 * A worker's side of the worker-to-worker path. dispatch_ writes the call straight into the
 * callee's mailbox once the kernel has shown the route (a first dispatch_ through the kernel
 * answers with the callee's slot); read_one_ and block_until_call_ serve this worker's mailbox
 * and ask the kernel only when it has flagged something; return_value_ writes the result
 * straight into the caller's mailbox. Every direct call and answer is also written to the
 * kernel's notice ring, so the kernel keeps its books. Anything unusual returns `undefined`:
 * the syscall then goes through the kernel as before.
 */
export class DirectPath {
  private readonly mine: RingView
  private readonly results: ResultEntry[] = []
  private readonly calls: InboundEntry[] = []
  /** Direct calls this guest made that have no result yet. */
  private readonly outstanding = new Set<string>()
  /** Direct calls whose result this guest got (a kernel timeout for them is a duplicate). */
  private readonly done = new Set<string>()
  /** Calls taken from the mailbox and not answered yet. */
  private readonly serving = new Map<string, InboundEntry>()
  private readonly routes = new Map<string, { slot: number; gen: number }>()
  /** The route key of a dispatch_ that went to the kernel (learn its route from the answer). */
  private routeToLearn: string | undefined
  /** After a DataTooLarge from the kernel, its put-back event goes first. */
  private kernelFirst = false
  /** Doorbell value at which a kernel poll found nothing (no second poll until it moves). */
  private emptyPollBell: number | undefined
  private spinMs = MAX_SPIN_MS
  /** Set when this guest shares its worker: calls to its worker-mates stay in the thread. */
  shared: SharedWorker | undefined
  private readonly hostRaw: Uint8Array
  private readonly hostKey: string

  constructor(
    private readonly config: DirectPathConfig,
    private readonly channel: Channel,
    private readonly poll: KernelPoll,
  ) {
    this.mine = config.board.mailboxes[config.slot] as RingView
    // IdRaw: high 1, low 2.
    this.hostRaw = new Writer().uint64(1, config.host.high).uint64(2, config.host.low).finish()
    this.hostKey = idKeyOf(config.host)
  }

  /**
   * Serves syscall `name` in this worker if it can; undefined sends it through the kernel
   * (then call `kernelAnswered`). Every syscall passes here: the guest is no longer holding a
   * mailbox call silently once it makes one.
   */
  serve(name: string, request: Uint8Array, capacity: number): Answer | undefined {
    if (Atomics.load(this.channel.header, Word.SERVING) !== 0)
      Atomics.store(this.channel.header, Word.SERVING, 0)
    switch (name) {
      case 'dispatch_':
        return this.dispatch(request)
      case 'return_value_':
        return this.returnValue(request)
      case 'read_one_':
        return this.readOne(request, capacity)
      case 'block_until_call_':
        return this.blockUntilCall(request)
      default:
        return undefined
    }
  }

  /** After the kernel served syscall `name` (serve declined it). */
  kernelAnswered(name: string, code: number): void {
    if (name === 'dispatch_') this.learnRoute(code)
  }

  /** After a dispatch_ the kernel served: remember where the callee's mailbox is. */
  private learnRoute(code: number): void {
    const routeKey = this.routeToLearn
    this.routeToLearn = undefined
    if (routeKey === undefined || code !== KernelErr.NoError) return
    const slot = Atomics.load(this.channel.header, Word.ROUTE_SLOT)
    if (slot >= 0 && slot !== this.config.slot) {
      this.routes.set(routeKey, { slot, gen: Atomics.load(this.channel.header, Word.ROUTE_GEN) })
    }
  }

  private dispatch(request: Uint8Array): Answer | undefined {
    // DispatchRequest: service_id 1, method_id 2, param 3, call_id 4, host_id 5.
    const msg = scan(request)
    if (msg === undefined || !this.isMe(request, msg.fields.get(5))) return undefined
    const service = msg.fields.get(1)
    const method = msg.fields.get(2)
    const callId = msg.fields.get(4)
    if (service === undefined || method === undefined || callId === undefined) return undefined
    const routeKey = `${idKey(request, service).key}/${idKey(request, method).key}`
    const route = this.routes.get(routeKey)
    if (route === undefined) {
      this.routeToLearn = routeKey
      return undefined
    }
    const callKey = idKey(request, callId).key
    if (this.outstanding.has(callKey)) return undefined
    const board = this.config.board
    const target = board.mailboxes[route.slot] as RingView
    if (Atomics.load(target.header, Ring.QUEUED) >= this.config.inboundQueue) return undefined
    const serviceRaw = request.subarray(service.start, service.end)
    const methodRaw = request.subarray(method.start, method.end)
    const callRaw = request.subarray(callId.start, callId.end)
    if (Math.max(serviceRaw.length, methodRaw.length, callRaw.length) >= RAW_ID_BYTES)
      return undefined
    const param = msg.fields.get(3)
    // ReadOneResponse as the callee's guest will read it: call 2 {1, 2}, call_id 3, param 4.
    const out = new Writer()
      .bytes(2, new Writer().bytes(1, serviceRaw).bytes(2, methodRaw).finish())
      .bytes(3, callRaw)
    if (param) out.bytes(4, request.subarray(param.start, param.end))
    const payload = out.finish()
    // DispatchResponse: call_id 1.
    const answer = {
      code: KernelErr.NoError,
      length: 0,
      bytes: new Writer().bytes(1, callRaw).finish(),
    }
    const peer = this.shared?.peer(route.slot)
    if (
      peer !== undefined &&
      Atomics.load(target.header, Ring.STATE) === SlotState.OPEN &&
      Atomics.load(target.header, Ring.GEN) === route.gen
    ) {
      const started = {
        serviceId: serviceRaw,
        methodId: methodRaw,
        parentWords: this.channel.header,
        parentAt: Word.TRACE_PARENT,
      }
      if (!writeNotice(board, this.config.slot, callRaw, started)) return undefined
      Atomics.add(target.header, Ring.QUEUED, 1)
      peer.calls.push({
        callKey,
        bytes: payload,
        callerSlot: this.config.slot,
        callerGen: this.config.gen,
        callerHost: this.hostRaw,
        service: serviceRaw.slice(),
        method: methodRaw.slice(),
        pair: routeKey,
      })
      ringKernel(board)
      this.outstanding.add(callKey)
      return { ...answer, length: answer.bytes.byteLength }
    }
    if (CELL_PAYLOAD + payload.byteLength > target.cellBytes) return undefined
    lockRing(board, target, this.config.slot)
    try {
      if (
        Atomics.load(target.header, Ring.STATE) !== SlotState.OPEN ||
        Atomics.load(target.header, Ring.GEN) !== route.gen
      ) {
        this.routes.delete(routeKey)
        this.routeToLearn = routeKey
        return undefined
      }
      const cell = freeCell(target)
      if (cell < 0) return undefined
      const started = {
        serviceId: serviceRaw,
        methodId: methodRaw,
        parentWords: this.channel.header,
        parentAt: Word.TRACE_PARENT,
      }
      if (!writeNotice(board, this.config.slot, callRaw, started)) return undefined
      const v = target.view
      const cells = target.cells
      v.setUint32(cell, Cell.CALL, true)
      v.setUint32(cell + 4, payload.byteLength, true)
      v.setInt32(cell + 8, this.config.slot, true)
      v.setInt32(cell + 12, this.config.gen, true)
      writeRawId(cells, cell + CELL_CALL_ID, callRaw)
      writeRawId(cells, cell + CELL_CALLER_HOST, this.hostRaw)
      writeRawId(cells, cell + CELL_SERVICE, serviceRaw)
      writeRawId(cells, cell + CELL_METHOD, methodRaw)
      cells.set(payload, cell + CELL_PAYLOAD)
      Atomics.add(target.header, Ring.QUEUED, 1)
      publishCell(target)
    } finally {
      unlockRing(target)
    }
    ringDoorbell(target)
    ringKernel(board)
    this.outstanding.add(callKey)
    return { ...answer, length: answer.bytes.byteLength }
  }

  private returnValue(request: Uint8Array): Answer | undefined {
    // ReturnValueRequest: host_id 1, call_id 2, result 3, result_error 4.
    const msg = scan(request)
    if (msg === undefined || !this.isMe(request, msg.fields.get(1))) return undefined
    const callId = msg.fields.get(2)
    if (callId === undefined) return undefined
    const callKey = idKey(request, callId).key
    const call = this.serving.get(callKey)
    if (call === undefined) return undefined
    this.serving.delete(callKey)
    const callRaw = request.subarray(callId.start, callId.end)
    const result = msg.fields.get(3)
    const resultError = msg.fields.get(4)?.value ?? 0
    // ReadOneResponse for the caller: resolved 5 {host_id 1, call_id 2, result 3, result_error 4}.
    const resolved = new Writer().bytes(1, call.callerHost).bytes(2, callRaw)
    if (result) resolved.bytes(3, request.subarray(result.start, result.end))
    resolved.int32(4, resultError)
    const payload = new Writer().bytes(5, resolved.finish()).finish()
    const board = this.config.board
    const peer = this.shared?.peer(call.callerSlot)
    if (peer !== undefined && peer.config.gen === call.callerGen) {
      if (!writeNotice(board, this.config.slot, callRaw, { resultError })) return undefined
      // A result for a call that is no longer outstanding (it timed out) is dropped.
      if (peer.outstanding.has(callKey)) peer.results.push({ callKey, bytes: payload })
      ringKernel(board)
      return { code: KernelErr.NoError, length: 0, bytes: undefined }
    }
    const caller = board.mailboxes[call.callerSlot] as RingView
    // Too large for a cell: the kernel (which knows the call) delivers it.
    if (CELL_PAYLOAD + payload.byteLength > caller.cellBytes || callRaw.length >= RAW_ID_BYTES)
      return undefined
    lockRing(board, caller, this.config.slot)
    try {
      const open =
        Atomics.load(caller.header, Ring.STATE) === SlotState.OPEN &&
        Atomics.load(caller.header, Ring.GEN) === call.callerGen
      const cell = open ? freeCell(caller) : -1
      if (open && cell < 0) return undefined
      if (!writeNotice(board, this.config.slot, callRaw, { resultError })) return undefined
      if (open) {
        const v = caller.view
        v.setUint32(cell, Cell.RESULT, true)
        v.setUint32(cell + 4, payload.byteLength, true)
        writeRawId(caller.cells, cell + CELL_CALL_ID, callRaw)
        caller.cells.set(payload, cell + CELL_PAYLOAD)
        publishCell(caller)
      }
    } finally {
      unlockRing(caller)
    }
    ringDoorbell(caller)
    ringKernel(board)
    return { code: KernelErr.NoError, length: 0, bytes: undefined }
  }

  private readOne(request: Uint8Array, capacity: number): Answer | undefined {
    // ReadOneRequest: repeated call 1 {service_id 1, method_id 2}, timeout_in_millis 2, host_id 3.
    const msg = scan(request, 1)
    if (msg === undefined || !this.isMe(request, msg.fields.get(3))) return undefined
    let wanted: Set<string> | undefined
    for (const field of msg.list) {
      const inner = request.subarray(field.start, field.end)
      const pair = scan(inner)
      const sf = pair?.fields.get(1)
      const mf = pair?.fields.get(2)
      ;(wanted ??= new Set()).add(sf && mf ? `${idKey(inner, sf).key}/${idKey(inner, mf).key}` : '')
    }
    const timeout = msg.fields.get(2)?.value ?? 0
    const deadline = timeout < 0 ? Infinity : performance.now() + timeout
    const timedOut = {
      code: KernelErr.NoError,
      length: TIMEOUT_BYTES.byteLength,
      bytes: TIMEOUT_BYTES,
    }
    return this.waitLoop(
      deadline,
      () => timedOut,
      (bell) => {
        const first = this.results[0]
        if (first !== undefined && !this.kernelFirst) return this.deliverResult(first, capacity)
        let kernelSaidExit = false
        if (
          this.kernelFirst ||
          (Atomics.load(this.mine.header, Ring.KERNEL_PENDING) !== 0 && bell !== this.emptyPollBell)
        ) {
          this.kernelFirst = false
          const answer = this.poll(request, capacity)
          if (answer.empty) {
            this.emptyPollBell = bell
          } else if (answer.code === KernelErr.DataTooLarge) {
            this.kernelFirst = true
            return answer
          } else if (answer.code !== KernelErr.NoError) {
            return answer
          } else {
            const seen = this.screenKernelAnswer(answer)
            if (seen === 'exit') kernelSaidExit = true
            else if (seen === 'deliver') return answer
            else return 'again' // a duplicate result, dropped
          }
        }
        const index = this.calls.findIndex((c) => wanted === undefined || wanted.has(c.pair))
        const call = this.calls[index]
        if (call !== undefined) return this.deliverCall(index, call, capacity)
        if (kernelSaidExit) return this.exitAnswer()
        return undefined
      },
    )
  }

  private blockUntilCall(request: Uint8Array): Answer | undefined {
    // BlockUntilCallRequest: can_timeout 1.
    const req = scan(request)
    if (req === undefined) return undefined
    const canTimeout = flag(request, req.fields.get(1))
    const deadline = canTimeout ? performance.now() + this.config.callTimeoutMs : Infinity
    const answer = (timedOut: boolean): Answer => {
      // BlockUntilCallResponse: timed_out 4.
      const bytes = new Writer().bool(4, timedOut).finish()
      return { code: KernelErr.NoError, length: bytes.byteLength, bytes }
    }
    return this.waitLoop(
      deadline,
      () => answer(true),
      () =>
        this.results.length > 0 ||
        this.calls.length > 0 ||
        Atomics.load(this.mine.header, Ring.KERNEL_PENDING) !== 0
          ? answer(false)
          : undefined,
    )
  }

  /**
   * The one waiting loop of read_one_ and block_until_call_: drains the mailbox, lets `step`
   * answer (or ask to look again at once, or to wait), sleeps on the doorbell until `deadline`,
   * then answers with `onTimeout`.
   */
  private waitLoop(
    deadline: number,
    onTimeout: () => Answer,
    step: (bell: number) => Answer | 'again' | undefined,
  ): Answer {
    for (;;) {
      const bell = Atomics.load(this.mine.header, Ring.DOORBELL)
      this.drainMailbox()
      const answer = step(bell)
      if (answer === 'again') continue
      if (answer !== undefined) return answer
      if (performance.now() >= deadline) return onTimeout()
      if (this.shared === undefined) this.waitForBell(bell, deadline)
      else if (!this.shared.wait(this, deadline)) return onTimeout()
    }
  }

  /** True when a read_one_ now could find something (for a worker shared by several guests). */
  hasWork(): boolean {
    const h = this.mine.header
    return (
      this.results.length > 0 ||
      this.calls.length > 0 ||
      ringCount(this.mine) > 0 ||
      (Atomics.load(h, Ring.KERNEL_PENDING) !== 0 &&
        Atomics.load(h, Ring.DOORBELL) !== this.emptyPollBell)
    )
  }

  /** Moves everything in this worker's mailbox into its local queues. */
  private drainMailbox(): void {
    const ring = this.mine
    const v = ring.view
    for (let cell = oldestCell(ring); cell >= 0; cell = oldestCell(ring)) {
      const kind = v.getUint32(cell, true)
      const length = v.getUint32(cell + 4, true)
      const bytes = ring.cells.slice(cell + CELL_PAYLOAD, cell + CELL_PAYLOAD + length)
      const callKey = keyOfRaw(readRawId(ring.cells, cell + CELL_CALL_ID))
      if (kind === Cell.CALL) {
        const service = readRawId(ring.cells, cell + CELL_SERVICE)
        const method = readRawId(ring.cells, cell + CELL_METHOD)
        this.calls.push({
          callKey,
          bytes,
          callerSlot: v.getInt32(cell + 8, true),
          callerGen: v.getInt32(cell + 12, true),
          callerHost: readRawId(ring.cells, cell + CELL_CALLER_HOST),
          service,
          method,
          pair: `${keyOfRaw(service)}/${keyOfRaw(method)}`,
        })
      } else if (kind === Cell.RESULT && this.outstanding.has(callKey)) {
        this.results.push({ callKey, bytes })
      }
      // A result for a call that is no longer outstanding (it timed out) is dropped; the
      // kernel logs it when it reads the callee's notice.
      consumeCell(ring)
    }
  }

  private deliverResult(entry: ResultEntry, capacity: number): Answer {
    if (entry.bytes.byteLength > capacity) {
      return { code: KernelErr.DataTooLarge, length: entry.bytes.byteLength, bytes: undefined }
    }
    this.results.shift()
    this.outstanding.delete(entry.callKey)
    this.remember(entry.callKey)
    return { code: KernelErr.NoError, length: entry.bytes.byteLength, bytes: entry.bytes }
  }

  private deliverCall(index: number, call: InboundEntry, capacity: number): Answer {
    if (call.bytes.byteLength > capacity) {
      return { code: KernelErr.DataTooLarge, length: call.bytes.byteLength, bytes: undefined }
    }
    this.calls.splice(index, 1)
    Atomics.sub(this.mine.header, Ring.QUEUED, 1)
    this.serving.set(call.callKey, call)
    const { view, header, bytes } = this.channel
    view.setFloat64(ServingBytes.SINCE_NS, monoNs(), true)
    writeRawId(bytes, ServingBytes.SERVICE, call.service)
    writeRawId(bytes, ServingBytes.METHOD, call.method)
    Atomics.store(header, Word.SERVING, 1)
    return { code: KernelErr.NoError, length: call.bytes.byteLength, bytes: call.bytes }
  }

  private exitAnswer(): Answer {
    return { code: KernelErr.NoError, length: EXIT_BYTES.byteLength, bytes: EXIT_BYTES }
  }

  /**
   * A kernel answer to read_one_: a result of one of this guest's direct calls that it already
   * got (the kernel timed the call out just as the result came) is dropped; an exit request
   * waits until the calls already in the mailbox have been handed out.
   */
  private screenKernelAnswer(answer: Answer): 'deliver' | 'exit' | 'drop' {
    if (this.outstanding.size === 0 && this.done.size === 0 && this.calls.length === 0)
      return 'deliver'
    // ReadOneResponse: resolved 5 {call_id 2}, exit 6.
    const bytes = (answer.bytes ?? this.channel.data).subarray(0, answer.length)
    const resp = scan(bytes)
    if (resp === undefined) return 'deliver'
    const resolvedField = resp.fields.get(5)
    if (resolvedField !== undefined) {
      const resolved = bytes.subarray(resolvedField.start, resolvedField.end)
      const callId = scan(resolved)?.fields.get(2)
      if (callId !== undefined) {
        const k = idKey(resolved, callId).key
        if (this.done.delete(k)) return 'drop'
        this.outstanding.delete(k)
      }
    }
    if (flag(bytes, resp.fields.get(6)) && this.calls.length > 0) return 'exit'
    return 'deliver'
  }

  private remember(callKey: string): void {
    this.done.add(callKey)
    if (this.done.size > DONE_MEMORY) {
      const oldest = this.done.values().next().value
      if (oldest !== undefined) this.done.delete(oldest)
    }
  }

  /**
   * Waits until the doorbell moves from `bell`: a short bounded spin (the peer often answers
   * within microseconds), then Atomics.wait. The spin adapts: a wait that ends asleep halves
   * the next spin, one caught by spinning restores it, so an idle guest burns no CPU.
   */
  private waitForBell(bell: number, deadline: number): void {
    const h = this.mine.header
    const spinUntil = performance.now() + this.spinMs
    for (let i = 1; ; i++) {
      if (Atomics.load(h, Ring.DOORBELL) !== bell) {
        this.spinMs = MAX_SPIN_MS
        return
      }
      if ((i & 63) === 0 && performance.now() >= spinUntil) break
    }
    const remaining = deadline - performance.now()
    if (remaining <= 0) return
    Atomics.store(h, Ring.SLEEPING, 1)
    Atomics.wait(h, Ring.DOORBELL, bell, remaining === Infinity ? undefined : remaining)
    Atomics.store(h, Ring.SLEEPING, 0)
    this.spinMs = Math.max(MIN_SPIN_MS, this.spinMs / 2)
  }

  /** An empty host id or this worker's own (anything else goes to the kernel: BadId). */
  private isMe(bytes: Uint8Array, field: Field | undefined): boolean {
    const id = idKey(bytes, field)
    return id.empty || id.key === this.hostKey
  }
}
