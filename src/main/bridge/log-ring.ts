// The deployment-wide log the Studio keeps: the newest `capacity` lines, each with a sequence
// number that never repeats, so a reader that fell behind knows exactly how much it missed.
import type { LogLine } from '../../shared/bridge/contract'
import type { LogRecord } from '../../shared/log/log-record'
import type { LogPredicate } from './log-filter'

export const DEFAULT_LOG_CAPACITY = 50_000

export class LogRing {
  private readonly lines: (LogLine | undefined)[]
  private nextSeq = 0

  constructor(readonly capacity = DEFAULT_LOG_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`log capacity must be a positive integer, got ${capacity}`)
    this.lines = new Array<LogLine | undefined>(capacity)
  }

  push(record: LogRecord & { readonly mark?: LogLine['mark'] }): LogLine {
    const line: LogLine = { ...record, seq: this.nextSeq }
    this.lines[this.nextSeq % this.capacity] = line
    this.nextSeq++
    return line
  }

  /** The sequence number the next line will get. */
  get next(): number {
    return this.nextSeq
  }

  /** The oldest sequence number still held. */
  get oldest(): number {
    return Math.max(0, this.nextSeq - this.capacity)
  }

  at(seq: number): LogLine | undefined {
    return seq >= this.oldest && seq < this.nextSeq ? this.lines[seq % this.capacity] : undefined
  }

  /**
   * The newest `limit` lines that `match`, oldest first; `truncated` when older matching lines
   * exist (beyond the limit, or already overwritten), or may exist: the scan stops after
   * `budgetMs` of matching, so that no filter holds the engine's thread for long.
   */
  tail(
    limit: number,
    match: LogPredicate,
    budgetMs = Infinity,
  ): { lines: LogLine[]; truncated: boolean } {
    const deadline = performance.now() + budgetMs
    const overBudget = (seq: number): boolean => (seq & 255) === 0 && performance.now() > deadline
    const found: LogLine[] = []
    let seq = this.nextSeq - 1
    for (; seq >= this.oldest && found.length < limit; seq--) {
      if (overBudget(seq)) return { lines: found.reverse(), truncated: true }
      const line = this.lines[seq % this.capacity] as LogLine
      if (match(line)) found.push(line)
    }
    let truncated = this.oldest > 0
    for (; !truncated && seq >= this.oldest; seq--) {
      if (overBudget(seq)) return { lines: found.reverse(), truncated: true }
      if (match(this.lines[seq % this.capacity] as LogLine)) truncated = true
    }
    return { lines: found.reverse(), truncated }
  }
}
