import { count, COUNTING } from '../../kernel/transport/call-counters'
import { monoMs, Ring } from '../../kernel/transport/switchboard'

const MAX_SPIN_MS = 0.05
const MIN_SPIN_MS = 0.005
/** Every this many sleeps, a spin is timed again (the loads a millisecond takes move with load). */
const RETIME_EVERY = 64

/** How a guest's worker sleeps on its mailbox's doorbell (switchboard.ts) until it rings. */
export class DoorbellWaiter {
  private spinMs = MAX_SPIN_MS
  /** Doorbell loads per millisecond of spinning, from the last timed spin (0: none yet). */
  private loadsPerMs = 0
  private sleepsSinceTimed = 0

  /** `header`: the mailbox ring's header (DOORBELL, SLEEPING). */
  constructor(private readonly header: Int32Array) {}

  /**
   * Waits until the doorbell moves from `bell`: a short bounded spin (the peer often answers
   * within microseconds), then Atomics.wait until `deadline` (monoMs). The spin adapts: a wait
   * that ends asleep halves the next spin, one caught by spinning restores it, so an idle guest
   * burns no CPU. A spin counts loads instead of reading the clock (a read costs about 50 ns
   * and, where the engine does not inline it, an allocation); the loads a millisecond takes are
   * timed on a spin that ends in a sleep, then again every RETIME_EVERY sleeps.
   *
   * `deadline` NaN means "not read yet": it becomes `timeoutMs` from the end of the spin, and is
   * returned for the next wait. Otherwise `deadline` is returned as given.
   */
  wait(bell: number, deadline: number, timeoutMs = 0): number {
    const h = this.header
    const timed = this.loadsPerMs === 0 || this.sleepsSinceTimed >= RETIME_EVERY
    if (timed) {
      const spinFrom = monoMs()
      const spinUntil = spinFrom + this.spinMs
      let loads = 0
      for (;;) {
        if (Atomics.load(h, Ring.DOORBELL) !== bell) return this.caught(deadline)
        if ((++loads & 1023) === 0 && monoMs() >= spinUntil) break
      }
      this.loadsPerMs = loads / Math.max(monoMs() - spinFrom, 1e-3)
      this.sleepsSinceTimed = 0
    } else {
      const loads = Math.ceil(this.loadsPerMs * this.spinMs)
      for (let i = 0; i < loads; i++) {
        if (Atomics.load(h, Ring.DOORBELL) !== bell) return this.caught(deadline)
      }
    }
    const now = monoMs()
    const until = deadline !== deadline ? now + timeoutMs : deadline
    const remaining = until - now
    if (remaining <= 0) return until
    if (COUNTING) count('doorbell-wait')
    Atomics.store(h, Ring.SLEEPING, 1)
    Atomics.wait(h, Ring.DOORBELL, bell, remaining === Infinity ? undefined : remaining)
    Atomics.store(h, Ring.SLEEPING, 0)
    this.spinMs = Math.max(MIN_SPIN_MS, this.spinMs / 2)
    this.sleepsSinceTimed++
    return until
  }

  private caught(deadline: number): number {
    this.spinMs = MAX_SPIN_MS
    return deadline
  }
}
