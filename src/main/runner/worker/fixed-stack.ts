/**
 * A stack of at most `capacity` items in an array that never changes size: the free lists of
 * the call path (payload views, inbox entries, staged notices). A JS array used with push and
 * pop gives its backing store back when it gets short (V8 trims it on pop), so a list going
 * 0 -> 1 -> 0 items, a free list's usual life, allocated a new backing store on every push.
 */
export class FixedStack<T> {
  private readonly items: (T | undefined)[]
  private count = 0

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity).fill(undefined)
  }

  get size(): number {
    return this.count
  }

  /** Adds `item`; false (and nothing kept) when the stack is full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false
    this.items[this.count++] = item
    return true
  }

  /** The item pushed last, or undefined when empty. */
  pop(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[--this.count]
    this.items[this.count] = undefined
    return item
  }
}
