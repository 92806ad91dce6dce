/**
 * A first-in first-out queue in a ring that grows but never shrinks: the inbox's calls and
 * results. A JS array used with push and shift gives its backing store back when it empties
 * (V8 trims it), so a queue going 0 -> 1 -> 0 items, an inbox's usual life, allocated a new
 * backing store on every call.
 */
export class RingQueue<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(8).fill(undefined)
  private head = 0
  private count = 0

  get length(): number {
    return this.count
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
  }

  /** The item at position `i` from the front, or undefined past the end. */
  at(i: number): T | undefined {
    return i >= 0 && i < this.count ? this.items[(this.head + i) % this.items.length] : undefined
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  /** Removes the item at position `i` from the front (the ones after it move up). */
  removeAt(i: number): void {
    if (i < 0 || i >= this.count) return
    if (i === 0) {
      this.shift()
      return
    }
    const n = this.items.length
    for (let k = i; k < this.count - 1; k++) {
      this.items[(this.head + k) % n] = this.items[(this.head + k + 1) % n]
    }
    this.items[(this.head + this.count - 1) % n] = undefined
    this.count--
  }

  /** The position of the first item for which `test` holds, or -1. */
  findIndex(test: (item: T) => boolean): number {
    for (let i = 0; i < this.count; i++) {
      if (test(this.items[(this.head + i) % this.items.length] as T)) return i
    }
    return -1
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2).fill(undefined)
    for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) % this.items.length]
    this.items = bigger
    this.head = 0
  }
}
