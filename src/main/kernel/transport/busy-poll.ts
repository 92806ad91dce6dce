/**
 * After serving a request, the kernel thread keeps checking every channel for a short, bounded
 * time: in a call between guests the next syscall (the callee's answer, the caller's next
 * request) typically arrives within microseconds, and catching it here saves a trip through this
 * thread's event loop. Bounded, so an idle deployment costs no CPU and the event loop is never
 * held long; adaptive, because when the peers cannot run (more busy threads than cores) polling
 * only takes their CPU: a poll that catches nothing halves the next one, a catch restores it.
 */
export class BusyPoll {
  private windowMs: number
  private startedAt: number | undefined

  constructor(
    /** How long to keep polling after a request (0 turns it off). */
    private readonly spinMs: number,
    /** One busy stretch never holds the event loop longer than this. */
    private readonly maxSpinMs: number,
  ) {
    this.windowMs = spinMs
  }

  /**
   * Calls `pollOnce` (true: it served something) until the window passes with nothing served,
   * or until `yieldNow` says work waits in this thread's event loop (a reply to publish, a
   * callback to run): polling then would only delay it.
   */
  run(pollOnce: () => boolean, yieldNow: () => boolean = () => false): void {
    if (yieldNow()) return
    if (this.windowMs < this.spinMs / 64) {
      // Backed off: try again only now and then, so a busy period can win the poll back.
      this.windowMs = Math.min(this.spinMs, this.windowMs * 2 || this.spinMs / 64)
      return
    }
    let deadline = performance.now() + this.windowMs
    let caught = false
    while (performance.now() < deadline) {
      if (yieldNow()) break
      if (pollOnce()) {
        caught = true
        this.startedAt ??= performance.now()
        deadline = Math.min(performance.now() + this.windowMs, this.startedAt + this.maxSpinMs)
      }
    }
    this.startedAt = undefined
    this.windowMs = caught ? this.spinMs : this.windowMs / 2
  }
}
