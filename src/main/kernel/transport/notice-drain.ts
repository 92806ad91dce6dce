/**
 * The kernel thread's side of the notice ring (notice-cells.ts): waits for the first notice
 * after a drain (Atomics.waitAsync, so the thread never blocks), lets notices pile up for
 * `delayMs`, then books every direct call the workers started and answered since, as if it had
 * come through the kernel (events, timeouts, bounds). Off the call path: a worker writing a
 * notice never waits for this thread.
 */
import { create } from '@bufbuild/protobuf'
import {
  DispatchRequestSchema,
  ReturnValueRequestSchema,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import type { IdRaw } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, fromRaw, isEmpty } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Kernel } from '../kernel'
import { count, COUNTING } from './call-counters'
import { readNotices } from './notice-cells'
import type { Notice } from './notice-cells'
import { Cell, monoNs, NOTICE_CELLS, Ring, ringCount } from './switchboard'
import type { Switchboard } from './switchboard'
import { callKeyOfWords } from './trace-words'
import { callWordsOfIdText, fastRawId, latin1Bytes, rawId } from '../raw-id-bytes'
import type { CallWords } from '../raw-id-bytes'
import { callKeyText, keyWords } from '../call-key'

export { fastRawId, rawId } from '../raw-id-bytes'

/** Told, before the kernel books a call, which call its caller was handling (or undefined). */
export type CallParentListener = (call: string, parent: string | undefined) => void

/** How many service and method ids' decoded forms are kept (they repeat on every call). */
const ID_CACHE_MAX = 4096

export class NoticeDrain {
  private timer: NodeJS.Timeout | undefined
  private listening = false
  private readonly ids = new Map<string, IdRaw>()
  onCallParent: CallParentListener | undefined

  constructor(
    private readonly board: Switchboard,
    private readonly kernel: Kernel,
    private readonly now: () => number,
    /** The host that has mailbox `slot` (undefined: none; its notices are dropped). */
    private readonly hostOfSlot: (slot: number) => HostId | undefined,
    private readonly delayMs: number,
  ) {}

  /**
   * Waits for the first notice after a drain, then drains `delayMs` later and calls `after`;
   * stops when `active()` says nobody can write notices any more. While calls flow (a drain
   * read something) it drains again `delayMs` later with the doorbell left raised, so workers
   * do not notify and the kernel does not arm a waiter per drain (waitAsync costs tens of
   * microseconds of this thread's time); the first drain that reads nothing lowers the doorbell
   * and waits for it again.
   */
  listen(active: () => boolean, after: () => void): void {
    if (this.listening) return
    this.listening = true
    const h = this.board.notices.header
    let waited = this.delayMs
    const poll = () => {
      this.timer = undefined
      const read = this.drain(false)
      after()
      if (read > 0 && active()) {
        waited = drainDelay(read, waited, this.delayMs)
        this.timer = setTimeout(poll, waited)
        return
      }
      waited = this.delayMs
      Atomics.store(h, Ring.DOORBELL, 0)
      // A worker that wrote while the doorbell was still raised did not ring it.
      if (ringCount(this.board.notices) > 0 && active()) {
        this.timer = setTimeout(poll, this.delayMs)
        return
      }
      arm()
    }
    const arm = () => {
      if (!active()) {
        this.listening = false
        return
      }
      const waiting = Atomics.waitAsync(h, Ring.DOORBELL, 0)
      const fire = () => {
        if (COUNTING) count('main: notice bell wake-up')
        this.timer ??= setTimeout(poll, this.delayMs)
      }
      if (waiting.async) void waiting.value.then(fire)
      else fire()
    }
    arm()
  }

  /**
   * Reads the notice ring now: the direct calls workers made and answered since the last drain.
   * Returns how many notices it read.
   */
  drain(lowerDoorbell = true): number {
    const board = this.board
    if (lowerDoorbell) Atomics.store(board.notices.header, Ring.DOORBELL, 0)
    if (ringCount(board.notices) === 0) return 0
    const nowMs = this.now()
    const nowNs = monoNs()
    if (COUNTING) count('main: notice drain')
    const batch = readNotices(board, this.onCallParent !== undefined)
    const answer = answersInBatch(batch)
    for (let i = 0; i < batch.length; i++) {
      const notice = batch[i] as Notice
      if (COUNTING) count(`main: notice ${notice.kind === Cell.STARTED ? 'started' : 'returned'}`)
      const paired = answer[i] as number
      // The answer of a call booked with its start (below): already in the books.
      if (paired === BOOKED) continue
      const host = this.hostOfSlot(notice.slot)
      if (host === undefined) continue
      const atMs = nowMs - (nowNs - notice.atNs) / 1e6
      if (notice.kind === Cell.STARTED) {
        // Tracing: the call's words are the collector's key for its context (no key text).
        let callWords: CallWords | undefined
        const parentOf = this.onCallParent
        if (parentOf !== undefined && notice.parent !== undefined) {
          callWords = callWordsOf(notice.callId)
          if (callWords !== undefined && !this.kernel.completedCallsCarryParent)
            parentOf(callKeyText(...callWords), callKeyOfWords(...notice.parent))
        }
        const returned = paired >= 0 ? (batch[paired] as ReturnedNotice) : undefined
        const callee = returned === undefined ? undefined : this.hostOfSlot(returned.slot)
        if (returned !== undefined && callee !== undefined) {
          const booked = this.kernel.directCallCompleted({
            caller: host,
            callee,
            callId: notice.callId,
            serviceId: notice.serviceId,
            methodId: notice.methodId,
            startedMs: atMs,
            finishedMs: nowMs - (nowNs - returned.atNs) / 1e6,
            resultError: returned.resultError,
            callWords,
            parentWords: callWords === undefined ? undefined : notice.parent,
            readMs: nowMs,
          })
          if (booked) {
            answer[paired] = BOOKED
            continue
          }
        }
        // Booked in two steps: the parent goes ahead as a hint, as for a call through the kernel.
        if (
          callWords !== undefined &&
          notice.parent !== undefined &&
          parentOf !== undefined &&
          this.kernel.completedCallsCarryParent
        )
          parentOf(callKeyText(...callWords), callKeyOfWords(...notice.parent))
        const req = create(DispatchRequestSchema, {
          callId: fastRawId(latin1Bytes(notice.callId)),
          serviceId: this.cachedId(notice.serviceId),
          methodId: this.cachedId(notice.methodId),
        })
        this.kernel.directCallStarted(host, req, atMs)
      } else {
        const req = create(ReturnValueRequestSchema, {
          callId: fastRawId(latin1Bytes(notice.callId)),
          resultError: notice.resultError,
        })
        this.kernel.directCallReturned(host, req, atMs)
      }
    }
    return batch.length
  }

  /** Cancels the pending drain and releases the waiter; call when the deployment is torn down. */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const h = this.board.notices.header
    Atomics.store(h, Ring.DOORBELL, 1)
    Atomics.notify(h, Ring.DOORBELL)
  }

  /**
   * A service or method id: the same few on every call, so decoded once. The kernel keeps the
   * request it is given only as long as the call is pending and never changes it.
   */
  private cachedId(key: string): IdRaw {
    let id = this.ids.get(key)
    if (id === undefined) {
      if (this.ids.size >= ID_CACHE_MAX) this.ids.clear()
      id = rawId(latin1Bytes(key))
      this.ids.set(key, id)
    }
    return id
  }
}

/**
 * The delay before the next drain while calls flow: `maxMs`, or less when notices came fast
 * enough (`read` of them in the last `lastMs`) that the ring would be more than a quarter full
 * by then (a full ring sends the workers' calls through the kernel). At least 1 ms.
 */
export function drainDelay(read: number, lastMs: number, maxMs: number): number {
  const perMs = read / Math.max(lastMs, 1)
  return Math.max(1, Math.min(maxMs, NOTICE_CELLS / 4 / Math.max(perMs, 1e-9)))
}

/** The parent words at byte offset `at` of a channel header (a dispatch_ through the kernel). */
export function parentWordsAt(words: Int32Array, at: number): [number, number, number, number] {
  const word = (i: number) => (words[at / 4 + i] as number) >>> 0
  return [word(0), word(1), word(2), word(3)]
}

/** Tells `listener` the parent (trace words, trace-words.ts) of call `callId`. */
export function tellParent(
  listener: CallParentListener,
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
  listener(call, callKeyOfWords(...parent))
}

/** The words of the call whose IdRaw bytes are `text`; undefined if not a call id or all 0. */
function callWordsOf(text: string): CallWords | undefined {
  const words = callWordsOfIdText(text)
  if (words !== undefined) return words
  // Another encoding of an id (not what workers write): the generic decoder, then its key's words.
  const raw = fastRawId(latin1Bytes(text))
  if (isEmpty(raw)) return undefined
  let key: string
  try {
    key = formatId(fromRaw('call', raw))
  } catch {
    return undefined
  }
  const out = new Uint32Array(4)
  return keyWords(key, out)
    ? [out[0] as number, out[1] as number, out[2] as number, out[3] as number]
    : undefined
}

type ReturnedNotice = Extract<Notice, { kind: typeof Cell.RETURNED }>

/** In `answersInBatch`'s result: a RETURNED notice already booked with its STARTED one. */
const BOOKED = -2

/**
 * For each STARTED notice, the index of the RETURNED notice of the same call later in the batch
 * (-1: none, the call is still out); for each RETURNED notice, the index of its STARTED one.
 * Workers write the STARTED notice before the call can be answered, so an answer never comes
 * first; a call id seen twice pairs in order.
 */
export function answersInBatch(batch: readonly Notice[]): Int32Array {
  const answer = new Int32Array(batch.length).fill(-1)
  const started = new Map<string, number>()
  for (let i = 0; i < batch.length; i++) {
    const notice = batch[i] as Notice
    const key = notice.callId
    if (notice.kind === Cell.STARTED) {
      started.set(key, i)
      continue
    }
    const start = started.get(key)
    if (start === undefined) continue
    started.delete(key)
    answer[start] = i
    answer[i] = start
  }
  return answer
}
