/**
 * A bounded FIFO of the newest `capacity` items: pushing past capacity drops the oldest. The
 * log keeps its lines here, outside Svelte's reactivity, so 10,000 lines a second cost one array
 * write each and the view re-renders once per frame from a version counter.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[]
  private start = 0
  private count = 0
  /** Items ever dropped off the front, so indices of kept items can be told apart. */
  private droppedTotal = 0

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity)
  }

  get length(): number {
    return this.count
  }

  /** How many items were pushed out by newer ones since the last clear. */
  get dropped(): number {
    return this.droppedTotal
  }

  /** Adds `item`; answers the oldest item it pushed out, if the ring was full. */
  push(item: T): T | undefined {
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item
      this.count++
      return undefined
    }
    const evicted = this.items[this.start]
    this.items[this.start] = item
    this.start = (this.start + 1) % this.capacity
    this.droppedTotal++
    return evicted
  }

  /** The i-th oldest kept item. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined
    return this.items[(this.start + index) % this.capacity]
  }

  slice(from: number, to: number): T[] {
    const out: T[] = []
    const end = Math.min(to, this.count)
    for (let i = Math.max(0, from); i < end; i++) out.push(this.at(i) as T)
    return out
  }

  clear(): void {
    this.items.fill(undefined)
    this.start = 0
    this.count = 0
    this.droppedTotal = 0
  }
}
