import { count, COUNTING } from '../../kernel/transport/call-counters'
import { monoMs, Ring } from '../../kernel/transport/switchboard'

const MAX_SPIN_MS = 0.05
const MIN_SPIN_MS = 0.005

/** How a guest's worker sleeps on its mailbox's doorbell (switchboard.ts) until it rings. */
export class DoorbellWaiter {
  private spinMs = MAX_SPIN_MS

  /** `header`: the mailbox ring's header (DOORBELL, SLEEPING). */
  constructor(private readonly header: Int32Array) {}

  /**
   * Waits until the doorbell moves from `bell`: a short bounded spin (the peer often answers
   * within microseconds), then Atomics.wait. The spin adapts: a wait that ends asleep halves
   * the next spin, one caught by spinning restores it, so an idle guest burns no CPU.
   */
  wait(bell: number, deadline: number): void {
    const h = this.header
    const spinUntil = monoMs() + this.spinMs
    for (let i = 1; ; i++) {
      if (Atomics.load(h, Ring.DOORBELL) !== bell) {
        this.spinMs = MAX_SPIN_MS
        return
      }
      // A clock read every ~1 us of spinning, not every 100 ns: a read costs about 50 ns.
      if ((i & 1023) === 0 && monoMs() >= spinUntil) break
    }
    const remaining = deadline - monoMs()
    if (remaining <= 0) return
    if (COUNTING) count('doorbell-wait')
    Atomics.store(h, Ring.SLEEPING, 1)
    Atomics.wait(h, Ring.DOORBELL, bell, remaining === Infinity ? undefined : remaining)
    Atomics.store(h, Ring.SLEEPING, 0)
    this.spinMs = Math.max(MIN_SPIN_MS, this.spinMs / 2)
  }
}
