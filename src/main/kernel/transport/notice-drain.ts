/**
 * The kernel thread's side of the notice ring (notice-cells.ts): waits for the first notice
 * after a drain (Atomics.waitAsync, so the thread never blocks), lets notices pile up for
 * `delayMs`, then books every direct call the workers started and answered since, as if it had
 * come through the kernel (events, timeouts, bounds). Off the call path: a worker writing a
 * notice never waits for this thread.
 */
import { create, fromBinary } from '@bufbuild/protobuf'
import {
  DispatchRequestSchema,
  ReturnValueRequestSchema,
} from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { IdRawSchema } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, fromRaw, isEmpty } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Kernel } from '../kernel'
import { count, COUNTING } from './call-counters'
import { readNotices } from './notice-cells'
import { Cell, monoNs, Ring, ringCount } from './switchboard'
import type { Switchboard } from './switchboard'
import { callKeyOfWords } from './trace-words'

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
   * stops when `active()` says nobody can write notices any more.
   */
  listen(active: () => boolean, after: () => void): void {
    if (this.listening) return
    this.listening = true
    const h = this.board.notices.header
    const arm = () => {
      if (!active()) {
        this.listening = false
        return
      }
      const waiting = Atomics.waitAsync(h, Ring.DOORBELL, 0)
      const fire = () => {
        if (COUNTING) count('main: notice bell wake-up')
        this.timer ??= setTimeout(() => {
          this.timer = undefined
          this.drain()
          after()
          arm()
        }, this.delayMs)
      }
      if (waiting.async) void waiting.value.then(fire)
      else fire()
    }
    arm()
  }

  /** Reads the notice ring now: the direct calls workers made and answered since the last drain. */
  drain(): void {
    const board = this.board
    Atomics.store(board.notices.header, Ring.DOORBELL, 0)
    if (ringCount(board.notices) === 0) return
    const nowMs = this.now()
    const nowNs = monoNs()
    if (COUNTING) count('main: notice drain')
    readNotices(board, (notice) => {
      if (COUNTING) count(`main: notice ${notice.kind === Cell.STARTED ? 'started' : 'returned'}`)
      const host = this.hostOfSlot(notice.slot)
      if (host === undefined) return
      const atMs = nowMs - (nowNs - notice.atNs) / 1e6
      const callId = fastRawId(notice.callId)
      if (notice.kind === Cell.STARTED) {
        const req = create(DispatchRequestSchema, {
          callId,
          serviceId: this.cachedId(notice.serviceId),
          methodId: this.cachedId(notice.methodId),
        })
        if (this.onCallParent !== undefined) tellParent(this.onCallParent, callId, notice.parent)
        this.kernel.directCallStarted(host, req, atMs)
      } else {
        const req = create(ReturnValueRequestSchema, { callId, resultError: notice.resultError })
        this.kernel.directCallReturned(host, req, atMs)
      }
    })
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
  private cachedId(bytes: Uint8Array): IdRaw {
    // A loop, not String.fromCharCode(...bytes): spreading the array cost more than decoding.
    let key = ''
    for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i] as number)
    let id = this.ids.get(key)
    if (id === undefined) {
      if (this.ids.size >= ID_CACHE_MAX) this.ids.clear()
      id = rawId(bytes)
      this.ids.set(key, id)
    }
    return id
  }
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

/**
 * IdRaw bytes as the workers write them (high 1, low 2, both varints), decoded without
 * protobuf-es's reflection: a new call id per notice, so this is on the kernel thread's per-call
 * path. Anything else takes `rawId`.
 */
export function fastRawId(bytes: Uint8Array): IdRaw {
  let high = 0n
  let low = 0n
  let pos = 0
  while (pos < bytes.length) {
    const tag = bytes[pos++] as number
    if (tag !== 0x08 && tag !== 0x10) return rawId(bytes)
    // A varint of up to 10 bytes, as two 32-bit halves (no BigInt until the end).
    let lo = 0
    let hi = 0
    let b = 0x80
    for (let shift = 0; shift < 28 && b >= 0x80; shift += 7) {
      if (pos >= bytes.length) return rawId(bytes)
      b = bytes[pos++] as number
      lo |= (b & 0x7f) << shift
    }
    if (b >= 0x80) {
      if (pos >= bytes.length) return rawId(bytes)
      b = bytes[pos++] as number
      lo |= (b & 0x0f) << 28
      hi = (b & 0x7f) >> 4
      for (let shift = 3; shift < 32 && b >= 0x80; shift += 7) {
        if (pos >= bytes.length) return rawId(bytes)
        b = bytes[pos++] as number
        hi |= (b & 0x7f) << shift
      }
      if (b >= 0x80) return rawId(bytes)
    }
    const value = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
    if (tag === 0x08) high = value
    else low = value
  }
  return { $typeName: 'protosupport.v1.IdRaw', high, low }
}

/** IdRaw bytes decoded (an empty id when they are not an IdRaw: the kernel refuses it, named). */
export function rawId(bytes: Uint8Array): IdRaw {
  try {
    return fromBinary(IdRawSchema, bytes)
  } catch {
    return create(IdRawSchema)
  }
}
