/** Items waiting for export beyond this are dropped and counted. */
export const MAX_QUEUED = 16_384
const BATCH = 512
const DELAY_MS = 500

/**
 * Collects items and hands them to `send` in batches (every DELAY_MS, or at once when a batch is
 * full), one send at a time. Nothing is lost silently: a full queue counts what it drops, a
 * failed send counts what it carried, and `flush` resolves once everything queued was sent.
 */
export class Batcher<T> {
  private queue: T[] = []
  private timer: NodeJS.Timeout | undefined
  private sending: Promise<void> | undefined
  dropped = 0
  failed = 0

  constructor(private readonly send: (batch: T[]) => Promise<void>) {}

  add(item: T): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++
      return
    }
    this.queue.push(item)
    if (this.queue.length >= BATCH) void this.pump()
    else this.timer ??= setTimeout(() => void this.pump(), DELAY_MS)
  }

  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sending !== undefined) await this.pump()
  }

  private async pump(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.sending !== undefined) return this.sending
    const batch = this.queue.splice(0, BATCH)
    if (batch.length === 0) return
    this.sending = this.send(batch)
      .catch(() => {
        this.failed += batch.length
      })
      .finally(() => {
        this.sending = undefined
        if (this.queue.length > 0) this.timer ??= setTimeout(() => void this.pump(), 0)
      })
    return this.sending
  }
}
