/**
 * The kernel's notices of calls between guests of one worker (colocated-group.ts), held back
 * for a moment: most such calls are answered within the same turn of the worker, and a call
 * answered before its STARTED notice was written goes to the kernel as one COMPLETED notice
 * (notice-cells.ts) instead of a STARTED and a RETURNED one. That halves the notices the kernel
 * thread reads and books, and the worker's writes into the shared ring, for every such call.
 *
 * A STARTED notice waits here at most until the end of the worker's next turn, or until the
 * worker sleeps, a guest of it ends or one of its guests asks the kernel anything: the kernel
 * still learns of every call that stays out (to time it out, or fail it when its callee ends).
 * Nothing is dropped: a notice the full ring cannot take stays here for the next try.
 */
import {
  fillCompleted,
  fillStarted,
  NOTICE_BYTES,
  publishNotice,
  publishNotices,
} from '../../kernel/transport/notice-cells'
import { count, COUNTING } from '../../kernel/transport/call-counters'
import { monoNsBig, ringKernel } from '../../kernel/transport/switchboard'
import { IdMap } from './key-tables'
import { FixedStack } from './fixed-stack'
import type { Switchboard } from '../../kernel/transport/switchboard'

/** How many notices wait at most (beyond it, a call's STARTED notice is written at once). */
export const STAGED_NOTICES = 64

/** What a STARTED notice says besides the call id (writeNotice's `what`). */
export interface StartedCall {
  readonly serviceId: Uint8Array
  readonly methodId: Uint8Array
  readonly parentWords?: Int32Array
  readonly parentAt?: number
}

export class StagedNotices {
  private readonly bytes = new Uint8Array(STAGED_NOTICES * NOTICE_BYTES)
  private readonly view = new DataView(this.bytes.buffer)
  private readonly free = new FixedStack<number>(STAGED_NOTICES)
  /** Each staged notice's bytes, by byte offset / NOTICE_BYTES (no view per publish). */
  private readonly cellViews: Uint8Array[] = []
  /** The staged STARTED notice (its byte offset) of each call, by call id's words. */
  private readonly started = new IdMap<number>()
  /** Each staged notice's call id words (by byte offset / NOTICE_BYTES), as views made once. */
  private readonly stagedIds: Uint32Array[] = []
  /** COMPLETED notices the full ring could not take yet, oldest first. */
  private readonly waiting: number[] = []
  /** The turn in which each staged notice was staged (by byte offset / NOTICE_BYTES). */
  private readonly stagedIn = new Int32Array(STAGED_NOTICES)
  private turn = 0
  /** The order in which each staged notice was staged (by byte offset / NOTICE_BYTES). */
  private readonly stagedSeq = new Float64Array(STAGED_NOTICES)
  private seq = 0

  constructor(
    private readonly board: Switchboard,
    /**
     * A slot of this worker still open, to take the ring's lock as: a lock held under a closed
     * slot counts as abandoned by a dead worker and is taken over by other writers.
     */
    private readonly lockSlot: () => number,
  ) {
    for (let i = STAGED_NOTICES - 1; i >= 0; i--) this.free.push(i * NOTICE_BYTES)
    const ids = new Uint32Array(STAGED_NOTICES * 4)
    for (let i = 0; i < STAGED_NOTICES; i++) {
      this.cellViews.push(this.bytes.subarray(i * NOTICE_BYTES, (i + 1) * NOTICE_BYTES))
      this.stagedIds.push(ids.subarray(i * 4, i * 4 + 4))
    }
  }

  /** How many notices wait here. */
  get size(): number {
    return this.started.size + this.waiting.length
  }

  /**
   * Holds the STARTED notice of call `id` (its words; `callId` its raw id) from mailbox `slot`;
   * false when the stage is full (the caller writes the notice at once instead).
   */
  stage(id: Uint32Array, slot: number, callId: Uint8Array, what: StartedCall): boolean {
    if (this.started.has(id)) return false
    const at = this.free.pop()
    if (at === undefined) return false
    fillStarted(this.view, this.bytes, at, slot, monoNsBig(), callId, what)
    this.stagedIn[at / NOTICE_BYTES] = this.turn
    this.stagedSeq[at / NOTICE_BYTES] = this.seq++
    ;(this.stagedIds[at / NOTICE_BYTES] as Uint32Array).set(id)
    this.started.set(id, at)
    return true
  }

  /**
   * Call `id` was answered by the guest of mailbox `calleeSlot`: when its STARTED notice is
   * still here, the kernel gets one COMPLETED notice; false when it was already written (the
   * callee then writes a RETURNED notice as for any call).
   */
  complete(id: Uint32Array, calleeSlot: number, resultError: number): boolean {
    const at = this.started.get(id)
    if (at === undefined) return false
    this.started.delete(id)
    fillCompleted(this.view, at, calleeSlot, resultError, monoNsBig())
    // The common case, one cell and nothing waiting, without the list's copies.
    if (
      this.waiting.length === 0 &&
      publishNotice(this.board, calleeSlot, this.cellViews[at / NOTICE_BYTES] as Uint8Array)
    ) {
      this.free.push(at)
      ringKernel(this.board)
      return true
    }
    this.waiting.push(at)
    this.publishWaiting()
    return true
  }

  /** The end of one of the worker's turns: STARTED notices staged before this turn go out. */
  endTurn(): void {
    const turn = this.turn
    this.turn = (turn + 1) | 0
    if (this.waiting.length > 0) this.publishWaiting()
    if (this.started.size > 0)
      this.publishStarted((at) => this.stagedIn[at / NOTICE_BYTES] !== turn)
  }

  /** Everything staged goes to the kernel now (before a sleep, an ending, a kernel syscall). */
  flush(): void {
    if (this.waiting.length > 0) this.publishWaiting()
    if (this.started.size > 0) this.publishStarted(() => true)
  }

  private publishWaiting(): void {
    const written = publishNotices(this.board, this.lockSlot(), this.bytes, this.waiting)
    if (written < this.waiting.length && COUNTING) count('staged notice waits: ring full')
    for (const at of this.waiting.splice(0, written)) this.free.push(at)
    if (written > 0) ringKernel(this.board)
  }

  private publishStarted(due: (at: number) => boolean): void {
    const cells: number[] = []
    this.started.forEach((at) => {
      if (due(at)) cells.push(at)
    })
    if (cells.length === 0) return
    // Oldest first, as they were staged (the table keeps no order).
    const seqOf = (at: number) => this.stagedSeq[at / NOTICE_BYTES] as number
    cells.sort((x, y) => seqOf(x) - seqOf(y))
    const written = publishNotices(this.board, this.lockSlot(), this.bytes, cells)
    if (written < cells.length && COUNTING) count('staged notice waits: ring full')
    for (let i = 0; i < written; i++) {
      const at = cells[i] as number
      this.started.delete(this.stagedIds[at / NOTICE_BYTES] as Uint32Array)
      this.free.push(at)
    }
    if (written > 0) ringKernel(this.board)
  }
}
