import { wireKeyWords } from '../../kernel/transport/wire-key'
import { WORKER_KERNEL_ERR as KernelErr } from '../../kernel/syscall-abi'
import type { IdRaw } from '../../../shared/id'
import { Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import {
  freeCell,
  lockRing,
  monoMs,
  RAW_ID_BYTES,
  Ring,
  ringCount,
  ringDoorbell,
  ringKernel,
  SlotState,
  unlockRing,
} from '../../kernel/transport/switchboard'
import type { RingView, Switchboard } from '../../kernel/transport/switchboard'
import { writeNotice } from '../../kernel/transport/notice-cells'
import { DoorbellWaiter } from './doorbell-waiter'
import type { StagedNotices, StartedCall } from './staged-notices'
import { Inbox } from './inbox'
import type { Answer, InboundEntry } from './inbox'
import { fitsCell, freeResultCell, writeCallCell, writeResultCell } from './mailbox-cells'
import {
  callPayloadFrom,
  DispatchAnswer,
  flag,
  isOwnOrEmptyId,
  idWordsOf,
  keyOf,
  idKeyOf,
  READ_ONE_TIMEOUT as TIMEOUT_BYTES,
  readOneFilter,
  RawIdCopy,
  resolvedPayloadFrom,
  scan,
  Scanned,
  Writer,
} from './wire'
import type { Field } from './wire'
import {
  BlockUntilCallRequestFields,
  BlockUntilCallResponseFields,
  DispatchRequestFields,
  IdRawFields,
  ReadOneRequestFields,
  ReadOneResponseFields,
  ReturnValueRequestFields,
} from '../../../shared/wire-fields/gen/fields'

export type { Answer } from './inbox'

/** What a worker needs to call other workers directly (docs/architecture.md). */
export interface DirectPathConfig {
  readonly board: Switchboard
  readonly slot: number
  readonly gen: number
  readonly host: IdRaw
  readonly inboundQueue: number
  readonly callTimeoutMs: number
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
  /** The kernel's notices of calls between this worker's guests, held for a turn at most. */
  readonly notices: StagedNotices
}

/** A dispatch_'s target: raw service and method ids (copies), and their route key. */
interface CallTarget {
  readonly service: Uint8Array
  readonly method: Uint8Array
  readonly routeKey: string
  /** What a STARTED notice of a call to it says (the same for every call). */
  readonly started: StartedCall
}

/** Whether `a` holds the bytes of `field` in `bytes`. */
function sameBytes(a: Uint8Array, bytes: Uint8Array, field: Field): boolean {
  if (a.byteLength !== field.end - field.start) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== bytes[field.start + i]) return false
  return true
}

const answerOf = (bytes: Uint8Array): Answer => ({ code: 0, length: bytes.byteLength, bytes })
const EXIT = answerOf(new Writer().bool(ReadOneResponseFields.exit, true).finish())
const TIMED_OUT = answerOf(TIMEOUT_BYTES)
const BLOCK_TIMED_OUT = answerOf(
  new Writer().bool(BlockUntilCallResponseFields.timedOut, true).finish(),
)
const BLOCK_WOKEN = answerOf(
  new Writer().bool(BlockUntilCallResponseFields.timedOut, false).finish(),
)
const NO_REQUEST = new Uint8Array(0)
/** read_one_'s deadline for a timeout of 0: look once, no clock read. */
const NO_WAIT = -Infinity
/** return_value_ served: no response bytes. */
const NO_ANSWER: Answer = { code: KernelErr.NoError, length: 0, bytes: undefined }

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
  private readonly inbox = new Inbox()
  private readonly routes = new Map<string, { slot: number; gen: number }>()
  /** The route key of a dispatch_ that went to the kernel (learn its route from the answer). */
  private routeToLearn: string | undefined
  /** After a DataTooLarge from the kernel, its put-back event goes first. */
  private kernelFirst = false
  /** Doorbell value at which a kernel poll found nothing (no second poll until it moves). */
  private emptyPollBell: number | undefined
  private readonly bell: DoorbellWaiter
  /** Set when this guest shares its worker: calls to its worker-mates stay in the thread. */
  shared: SharedWorker | undefined
  private readonly hostRaw: Uint8Array
  /** The host id's key words (wire-key.ts), to recognise it in a request without key text. */
  private readonly hostWords: readonly [number, number, number, number]
  private lastTarget: CallTarget | undefined
  private readonly dispatchAnswer = new DispatchAnswer()
  /** The call id of the dispatch_ or return_value_ being served. */
  private readonly callIdCopy = new RawIdCopy()
  /** The words of the call id of the dispatch_ or return_value_ being served (wire.ts idWordsOf). */
  private readonly callWords = new Uint32Array(4)
  /** The read_one_ being served (readStep's arguments). */
  private readRequest: Uint8Array = NO_REQUEST
  private readCapacity = 0
  private readWanted: Set<string> | undefined
  /**
   * Each hot syscall's request scanned into its own reused table (no garbage per call). One
   * per syscall, not one for all: a guest's read_one_ may wait while its worker-mates run, but
   * this guest makes no other syscall meanwhile, and each table is read before the next scan.
   */
  private readonly dispatchScan = new Scanned()
  private readonly returnScan = new Scanned()
  private readonly readOneScan = new Scanned()
  /** A RETURNED notice's contents (writeNotice), reused. */
  private readonly returned = { resultError: 0 }
  /** A CALL cell's ids (writeCallCell), reused. */
  private readonly outgoing: {
    callId: Uint8Array
    callerSlot: number
    callerGen: number
    callerHost: Uint8Array
    service: Uint8Array
    method: Uint8Array
  }

  constructor(
    private readonly config: DirectPathConfig,
    private readonly channel: Channel,
    private readonly poll: KernelPoll,
  ) {
    this.mine = config.board.mailboxes[config.slot] as RingView
    this.bell = new DoorbellWaiter(this.mine.header)
    this.hostRaw = new Writer()
      .uint64(IdRawFields.high, config.host.high)
      .uint64(IdRawFields.low, config.host.low)
      .finish()
    this.hostWords = wireKeyWords(idKeyOf(config.host)) ?? [0, 0, 0, 0]
    this.outgoing = {
      callId: NO_REQUEST,
      callerSlot: config.slot,
      callerGen: config.gen,
      callerHost: this.hostRaw,
      service: NO_REQUEST,
      method: NO_REQUEST,
    }
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

  /**
   * Before any syscall goes to the kernel: the notices this worker still holds go first, so the
   * kernel never hears of a call after something that followed it.
   */
  beforeKernel(): void {
    const notices = this.shared?.notices
    if (notices !== undefined && notices.size > 0) notices.flush()
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
    const msg = scan(request, undefined, this.dispatchScan)
    if (msg === undefined || !this.isMe(request, msg.fields.get(DispatchRequestFields.hostId)))
      return undefined
    const service = msg.fields.get(DispatchRequestFields.serviceId)
    const method = msg.fields.get(DispatchRequestFields.methodId)
    const callId = msg.fields.get(DispatchRequestFields.callId)
    if (service === undefined || method === undefined || callId === undefined) return undefined
    const target = this.targetOf(request, service, method)
    // The target's copies, equal to the request's bytes: no views into it per call.
    const serviceRaw = target.service
    const methodRaw = target.method
    const routeKey = target.routeKey
    const route = this.routes.get(routeKey)
    if (route === undefined) {
      this.routeToLearn = routeKey
      return undefined
    }
    const callWords = this.callWords
    idWordsOf(request, callId, callWords)
    const inbox = this.inbox
    if (inbox.outstanding.has(callWords)) return undefined
    const board = this.config.board
    const ring = board.mailboxes[route.slot] as RingView
    if (Atomics.load(ring.header, Ring.QUEUED) >= this.config.inboundQueue) return undefined
    if (Math.max(serviceRaw.length, methodRaw.length, callId.end - callId.start) >= RAW_ID_BYTES)
      return undefined
    const callRaw = this.callIdCopy.of(request, callId)
    const param = msg.fields.get(DispatchRequestFields.param)
    const answer = this.dispatchAnswer.of(callRaw)
    const started = target.started
    const shared = this.shared
    const peer = shared?.peer(route.slot)
    if (
      shared !== undefined &&
      peer !== undefined &&
      Atomics.load(ring.header, Ring.STATE) === SlotState.OPEN &&
      Atomics.load(ring.header, Ring.GEN) === route.gen
    ) {
      // Most such calls are answered within the turn: one COMPLETED notice then (staged-notices.ts).
      if (!shared.notices.stage(callWords, this.config.slot, callRaw, started)) {
        if (!writeNotice(board, this.config.slot, callRaw, started)) return undefined
        ringKernel(board)
      }
      Atomics.add(ring.header, Ring.QUEUED, 1)
      const callee = peer.inbox
      const entry = callee.entry()
      entry.callId.set(callWords)
      entry.bytes = callPayloadFrom(serviceRaw, methodRaw, callRaw, request, param, callee.payloads)
      entry.callerSlot = this.config.slot
      entry.callerGen = this.config.gen
      entry.callerHost = this.hostRaw
      entry.service = target.service
      entry.method = target.method
      entry.pair = routeKey
      callee.calls.push(entry)
      inbox.outstanding.add(callWords)
      return answer
    }
    // Copied into the callee's cell at once: the bytes go back to this guest's store after.
    const payload = callPayloadFrom(serviceRaw, methodRaw, callRaw, request, param, inbox.payloads)
    try {
      return this.sendCall(ring, route.gen, routeKey, callWords, callRaw, target, payload, answer)
    } finally {
      inbox.payloads.give(payload)
    }
  }

  /** dispatch_ to a guest of another worker: the call into its mailbox, the notice to the kernel. */
  private sendCall(
    ring: RingView,
    gen: number,
    routeKey: string,
    callWords: Uint32Array,
    callRaw: Uint8Array,
    target: CallTarget,
    payload: Uint8Array,
    answer: Answer,
  ): Answer | undefined {
    const board = this.config.board
    const started = target.started
    if (!fitsCell(ring, payload.byteLength)) return undefined
    lockRing(board, ring, this.config.slot)
    try {
      if (
        Atomics.load(ring.header, Ring.STATE) !== SlotState.OPEN ||
        Atomics.load(ring.header, Ring.GEN) !== gen
      ) {
        this.routes.delete(routeKey)
        this.routeToLearn = routeKey
        return undefined
      }
      if (freeCell(ring) < 0) return undefined
      if (!writeNotice(board, this.config.slot, callRaw, started)) return undefined
      const call = this.outgoing
      call.callId = callRaw
      call.service = target.service
      call.method = target.method
      Atomics.add(ring.header, Ring.QUEUED, 1)
      writeCallCell(ring, call, payload)
    } finally {
      unlockRing(ring)
    }
    ringDoorbell(ring)
    ringKernel(board)
    this.inbox.outstanding.add(callWords)
    return answer
  }

  /**
   * The route key of a dispatch_'s (service, method), and copies of their raw ids: kept for the
   * last target, since a guest's calls mostly repeat it (no key text per call then).
   */
  private targetOf(request: Uint8Array, service: Field, method: Field): CallTarget {
    const last = this.lastTarget
    if (
      last !== undefined &&
      sameBytes(last.service, request, service) &&
      sameBytes(last.method, request, method)
    )
      return last
    const serviceRaw = request.slice(service.start, service.end)
    const methodRaw = request.slice(method.start, method.end)
    const target = {
      service: serviceRaw,
      method: methodRaw,
      routeKey: `${keyOf(request, service)}/${keyOf(request, method)}`,
      started: {
        serviceId: serviceRaw,
        methodId: methodRaw,
        parentWords: this.channel.header,
        parentAt: Word.TRACE_PARENT,
      },
    }
    this.lastTarget = target
    return target
  }

  private returnValue(request: Uint8Array): Answer | undefined {
    const msg = scan(request, undefined, this.returnScan)
    if (msg === undefined || !this.isMe(request, msg.fields.get(ReturnValueRequestFields.hostId)))
      return undefined
    const callId = msg.fields.get(ReturnValueRequestFields.callId)
    if (callId === undefined) return undefined
    const callWords = this.callWords
    idWordsOf(request, callId, callWords)
    const inbox = this.inbox
    const call = inbox.serving.get(callWords)
    if (call === undefined) return undefined
    inbox.serving.delete(callWords)
    const callRaw =
      callId.end - callId.start < RAW_ID_BYTES
        ? this.callIdCopy.of(request, callId)
        : request.subarray(callId.start, callId.end)
    const result = msg.fields.get(ReturnValueRequestFields.result)
    const resultError = msg.fields.get(ReturnValueRequestFields.resultError)?.value ?? 0
    const returned = this.returned
    returned.resultError = resultError
    const board = this.config.board
    const shared = this.shared
    const peer = shared?.peer(call.callerSlot)
    // A worker-mate's result waits in its inbox (bytes from its store); one for another worker
    // is copied into its mailbox at once (bytes from this guest's, given back after).
    const mate = peer !== undefined && peer.config.gen === call.callerGen ? peer : undefined
    const store = (mate ?? this).inbox.payloads
    const payload = resolvedPayloadFrom(
      call.callerHost,
      callRaw,
      request,
      result,
      resultError,
      store,
    )
    if (shared !== undefined && mate !== undefined) {
      if (!shared.notices.complete(callWords, this.config.slot, resultError)) {
        if (!writeNotice(board, this.config.slot, callRaw, returned)) {
          store.give(payload)
          return undefined
        }
        ringKernel(board)
      }
      inbox.release(call)
      // A result for a call that is no longer outstanding (it timed out) is dropped.
      mate.inbox.addResult(callWords, payload)
      return NO_ANSWER
    }
    try {
      const answer = this.sendResult(call, callRaw, payload)
      if (answer !== undefined) inbox.release(call)
      return answer
    } finally {
      inbox.payloads.give(payload)
    }
  }

  /** return_value_ to a caller in another worker: the result into its mailbox, the notice to the kernel. */
  private sendResult(
    call: InboundEntry,
    callRaw: Uint8Array,
    payload: Uint8Array,
  ): Answer | undefined {
    const board = this.config.board
    const caller = board.mailboxes[call.callerSlot] as RingView
    // Too large for a cell: the kernel (which knows the call) delivers it.
    if (!fitsCell(caller, payload.byteLength) || callRaw.length >= RAW_ID_BYTES) return undefined
    lockRing(board, caller, this.config.slot)
    try {
      const open =
        Atomics.load(caller.header, Ring.STATE) === SlotState.OPEN &&
        Atomics.load(caller.header, Ring.GEN) === call.callerGen
      const cell = open ? freeResultCell(caller) : -1
      if (open && cell < 0) return undefined
      if (!writeNotice(board, this.config.slot, callRaw, this.returned)) return undefined
      if (open) writeResultCell(caller, cell, callRaw, payload)
    } finally {
      unlockRing(caller)
    }
    ringDoorbell(caller)
    ringKernel(board)
    return NO_ANSWER
  }

  private readOne(request: Uint8Array, capacity: number): Answer | undefined {
    const msg = scan(request, ReadOneRequestFields.call, this.readOneScan)
    if (msg === undefined || !this.isMe(request, msg.fields.get(ReadOneRequestFields.hostId)))
      return undefined
    const timeout = msg.fields.get(ReadOneRequestFields.timeoutInMillis)?.value ?? 0
    this.readWanted = readOneFilter(request, msg.list)
    this.readRequest = request
    this.readCapacity = capacity
    try {
      return this.waitLoop(timeout, TIMED_OUT, this.readStep)
    } finally {
      this.readRequest = NO_REQUEST
      this.readWanted = undefined
    }
  }

  /**
   * One look of read_one_ (waitLoop's step) for the request in `readRequest`: a method bound
   * once, with its arguments in fields, so a read makes no closure.
   */
  private readonly readStep = (bell: number): Answer | 'again' | undefined => {
    const inbox = this.inbox
    const first = inbox.results.at(0)
    if (first !== undefined && !this.kernelFirst)
      return inbox.deliverResult(first, this.readCapacity)
    let kernelSaidExit = false
    if (
      this.kernelFirst ||
      (Atomics.load(this.mine.header, Ring.KERNEL_PENDING) !== 0 && bell !== this.emptyPollBell)
    ) {
      this.kernelFirst = false
      const answer = this.poll(this.readRequest, this.readCapacity)
      if (answer.empty) {
        this.emptyPollBell = bell
      } else if (answer.code === KernelErr.DataTooLarge) {
        this.kernelFirst = true
        return answer
      } else if (answer.code !== KernelErr.NoError) {
        return answer
      } else {
        const seen = inbox.screenKernelAnswer(
          (answer.bytes ?? this.channel.data).subarray(0, answer.length),
        )
        if (seen === 'exit') kernelSaidExit = true
        else if (seen === 'deliver') return answer
        else return 'again' // a duplicate result, dropped
      }
    }
    const wanted = this.readWanted
    const index = wanted === undefined ? 0 : inbox.calls.findIndex((c) => wanted.has(c.pair))
    if (index >= 0 && index < inbox.calls.length)
      return inbox.deliverCall(index, this.readCapacity, this.channel, this.mine)
    if (kernelSaidExit) return EXIT
    return undefined
  }

  private blockUntilCall(request: Uint8Array): Answer | undefined {
    const req = scan(request)
    if (req === undefined) return undefined
    const canTimeout = flag(request, req.fields.get(BlockUntilCallRequestFields.canTimeout))
    return this.waitLoop(canTimeout ? this.config.callTimeoutMs : -1, BLOCK_TIMED_OUT, () =>
      this.inbox.results.length > 0 ||
      this.inbox.calls.length > 0 ||
      Atomics.load(this.mine.header, Ring.KERNEL_PENDING) !== 0
        ? BLOCK_WOKEN
        : undefined,
    )
  }

  /**
   * The one waiting loop of read_one_ and block_until_call_: drains the mailbox, lets `step`
   * answer (or ask to look again at once, or to wait), sleeps on the doorbell until `timeoutMs`
   * (negative: no limit; 0: one look) has passed, then answers with `onTimeout`. The clock is
   * read only once a wait goes past its spin or a second look finds nothing (a call mostly
   * completes within one spin): the limit counts from then, at most a spin late.
   */
  private waitLoop(
    timeoutMs: number,
    onTimeout: Answer,
    step: (bell: number) => Answer | 'again' | undefined,
  ): Answer {
    let deadline = timeoutMs < 0 ? Infinity : timeoutMs === 0 ? NO_WAIT : NaN
    let looked = false
    for (;;) {
      const bell = Atomics.load(this.mine.header, Ring.DOORBELL)
      this.inbox.drain(this.mine)
      const answer = step(bell)
      if (answer === 'again') continue
      if (answer !== undefined) return answer
      if (deadline === NO_WAIT) return onTimeout
      if (deadline !== deadline) {
        if (looked || this.shared !== undefined) deadline = monoMs() + timeoutMs
      } else if (deadline !== Infinity && monoMs() >= deadline) {
        return onTimeout
      }
      looked = true
      if (this.shared === undefined) deadline = this.bell.wait(bell, deadline, timeoutMs)
      else if (!this.shared.wait(this, deadline)) return onTimeout
    }
  }

  /** True when a read_one_ now could find something (for a worker shared by several guests). */
  hasWork(): boolean {
    const h = this.mine.header
    return (
      this.inbox.results.length > 0 ||
      this.inbox.calls.length > 0 ||
      ringCount(this.mine) > 0 ||
      (Atomics.load(h, Ring.KERNEL_PENDING) !== 0 &&
        Atomics.load(h, Ring.DOORBELL) !== this.emptyPollBell)
    )
  }

  /** An empty host id or this worker's own (anything else goes to the kernel: BadId). */
  private isMe(bytes: Uint8Array, field: Field | undefined): boolean {
    return field === undefined || isOwnOrEmptyId(bytes, field.start, field.end, this.hostWords)
  }
}
