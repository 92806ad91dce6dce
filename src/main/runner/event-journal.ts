/**
 * A bounded, sequence-numbered journal of events: the newest `capacity` are kept, older ones
 * are overwritten. Readers (the CLI, a UI that reconnects) ask for everything since the last
 * sequence number they saw and learn how many they missed, so memory stays bounded under any
 * flood and nothing is lost silently.
 */
export class EventJournal<T> {
  private readonly items: (T | undefined)[]
  private nextSeq = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`journal capacity must be a positive integer, got ${capacity}`)
    }
    this.items = new Array<T | undefined>(capacity)
  }

  /** Appends an item; returns its sequence number. */
  push(item: T): number {
    const seq = this.nextSeq++
    this.items[seq % this.capacity] = item
    return seq
  }

  /** The sequence number the next item will get. */
  get next(): number {
    return this.nextSeq
  }

  /** Items with sequence >= `seq` still held, and how many between `seq` and them were lost. */
  since(seq: number): { items: T[]; next: number; dropped: number } {
    const oldest = Math.max(0, this.nextSeq - this.capacity)
    const from = Math.max(seq, oldest)
    const items: T[] = []
    for (let s = from; s < this.nextSeq; s++) items.push(this.items[s % this.capacity] as T)
    return { items, next: this.nextSeq, dropped: Math.max(0, oldest - seq) }
  }
}
