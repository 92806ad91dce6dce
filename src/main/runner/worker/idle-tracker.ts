import { Word } from '../../kernel/transport/channel'
import { READ_ONE_TIMEOUT as TIMEOUT_ANSWER } from './wire'

/**
 * Tells the supervisor, through the channel's IDLE word, when this guest waits for good: it is
 * in read_one_ again after a read_one_ that found nothing, and made no other host call (parigot,
 * plugin or WASI) in between. A guest that only polls read_one_ can change nothing by itself;
 * one that does anything else between reads (sleeps, polls a queue, writes a line) is active.
 * The word is set once per idle stretch (`onIdle` tells the supervisor to look) and cleared by
 * the next event or host call. No timer: the supervisor decides from this and the kernel state.
 */
export class IdleTracker {
  private emptyRead = false

  constructor(
    private readonly header: Int32Array,
    private readonly onIdle: () => void,
  ) {}

  /** Any host call other than read_one_. */
  active(): void {
    this.emptyRead = false
    if (this.header[Word.IDLE] !== 0) Atomics.store(this.header, Word.IDLE, 0)
  }

  /** read_one_ is about to wait. */
  reading(): void {
    if (!this.emptyRead || this.header[Word.IDLE] !== 0) return
    Atomics.store(this.header, Word.IDLE, 1)
    this.onIdle()
  }

  /** read_one_ answered: its first `length` bytes of `bytes` (undefined for an error). */
  answered(bytes: Uint8Array | undefined, length: number): void {
    if (bytes !== undefined && isTimeout(bytes, length)) this.emptyRead = true
    else this.active()
  }
}

function isTimeout(bytes: Uint8Array, length: number): boolean {
  if (length !== TIMEOUT_ANSWER.byteLength) return false
  for (let i = 0; i < length; i++) if (bytes[i] !== TIMEOUT_ANSWER[i]) return false
  return true
}
