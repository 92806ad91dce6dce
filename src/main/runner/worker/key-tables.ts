/**
 * The call path's tables of call keys (inbox.ts), made so that adding and removing a key
 * allocates nothing while they stay small. A JS Map or Set gives its hash table back when it
 * gets a quarter full (V8's ordered hash tables shrink on delete), so a table going 0 -> 1 -> 0
 * entries, a guest's usual number of calls in flight, made a new table on every call: about a
 * fifth of a worker's garbage per call (docs/architecture.md).
 */

/** Entries kept in arrays, searched in order; one more moves the table into a Map for good. */
const SMALL = 16

/**
 * A map from call key to value: up to SMALL entries in two fixed arrays (removal moves the last
 * entry into the hole), past that a Map, so thousands of calls in flight are not searched in
 * order.
 */
export class KeyMap<V> {
  private readonly keys: string[] = new Array<string>(SMALL).fill('')
  private readonly values: (V | undefined)[] = new Array<V | undefined>(SMALL).fill(undefined)
  private count = 0
  private big: Map<string, V> | undefined

  get size(): number {
    return this.big === undefined ? this.count : this.big.size
  }

  get(key: string): V | undefined {
    if (this.big !== undefined) return this.big.get(key)
    const i = this.indexOf(key)
    return i < 0 ? undefined : this.values[i]
  }

  has(key: string): boolean {
    return this.big !== undefined ? this.big.has(key) : this.indexOf(key) >= 0
  }

  set(key: string, value: V): void {
    if (this.big !== undefined) {
      this.big.set(key, value)
      return
    }
    const i = this.indexOf(key)
    if (i >= 0) {
      this.values[i] = value
      return
    }
    if (this.count === SMALL) {
      this.big = new Map()
      for (let j = 0; j < SMALL; j++) this.big.set(this.keys[j] as string, this.values[j] as V)
      this.keys.fill('')
      this.values.fill(undefined)
      this.count = 0
      this.big.set(key, value)
      return
    }
    this.keys[this.count] = key
    this.values[this.count] = value
    this.count++
  }

  delete(key: string): boolean {
    if (this.big !== undefined) return this.big.delete(key)
    const i = this.indexOf(key)
    if (i < 0) return false
    const last = --this.count
    this.keys[i] = this.keys[last] as string
    this.values[i] = this.values[last]
    this.keys[last] = ''
    this.values[last] = undefined
    return true
  }

  /**
   * Removes the entry added first while the table is a Map (its order), or some entry while it
   * is small: for a bounded table that must forget one.
   */
  deleteOldest(): void {
    if (this.big !== undefined) {
      const oldest = this.big.keys().next()
      if (oldest.done !== true) this.big.delete(oldest.value)
      return
    }
    if (this.count > 0) this.delete(this.keys[0] as string)
  }

  /** Calls `visit` with every entry, in no promised order (the table must not change meanwhile). */
  forEach(visit: (value: V, key: string) => void): void {
    if (this.big !== undefined) {
      this.big.forEach(visit)
      return
    }
    for (let i = 0; i < this.count; i++) visit(this.values[i] as V, this.keys[i] as string)
  }

  private indexOf(key: string): number {
    const keys = this.keys
    for (let i = 0; i < this.count; i++) if (keys[i] === key) return i
    return -1
  }
}

/** A set of call keys: a KeyMap without values. */
export class KeySet {
  private readonly map = new KeyMap<true>()

  get size(): number {
    return this.map.size
  }

  has(key: string): boolean {
    return this.map.has(key)
  }

  add(key: string): void {
    this.map.set(key, true)
  }

  delete(key: string): boolean {
    return this.map.delete(key)
  }
}

/**
 * The last `capacity` keys added, oldest forgotten first: a fixed ring, with an open-addressing
 * index (linear probing, entries shifted back on removal, so no tombstones) to find a key in
 * constant time. Remembering a key costs a few stores and no allocation.
 */
export class RecentKeys {
  private readonly keys: string[]
  /** Ring slot + 1 of the key hashed there, or 0. */
  private readonly index: Int32Array
  private readonly mask: number
  /** Random per table: keys come from guests' call ids. */
  private readonly seed = (Math.random() * 0x1_0000_0000) >>> 0
  private next = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.keys = new Array<string>(capacity).fill('')
    let size = 2
    while (size < capacity * 2) size *= 2
    this.index = new Int32Array(size)
    this.mask = size - 1
  }

  /** Keys remembered (at most `capacity`; forgotten ones no longer count). */
  get size(): number {
    return this.count
  }

  add(key: string): void {
    const slot = this.next
    if (this.keys[slot] === '') this.count++
    else this.unindex(slot)
    this.keys[slot] = key
    let at = this.home(key)
    while (this.index[at] !== 0) at = (at + 1) & this.mask
    this.index[at] = slot + 1
    this.next = (slot + 1) % this.capacity
  }

  /** Forgets `key` if it is remembered; true when it was. */
  take(key: string): boolean {
    if (key === '' || this.count === 0) return false
    for (let at = this.home(key); ; at = (at + 1) & this.mask) {
      const entry = this.index[at] as number
      if (entry === 0) return false
      if (this.keys[entry - 1] === key) {
        this.removeAt(at)
        this.keys[entry - 1] = ''
        this.count--
        return true
      }
    }
  }

  /** Removes ring slot `slot`'s index entry (its key still in place). */
  private unindex(slot: number): void {
    for (let at = this.home(this.keys[slot] as string); ; at = (at + 1) & this.mask) {
      const entry = this.index[at] as number
      if (entry === 0) return
      if (entry === slot + 1) return this.removeAt(at)
    }
  }

  /** Empties index position `hole`, moving back later entries of the run that may fill it. */
  private removeAt(hole: number): void {
    const mask = this.mask
    this.index[hole] = 0
    for (let at = (hole + 1) & mask; ; at = (at + 1) & mask) {
      const entry = this.index[at] as number
      if (entry === 0) return
      const home = this.home(this.keys[entry - 1] as string)
      // The entry may move back to the hole unless its home lies after the hole, up to it.
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        this.index[hole] = entry
        this.index[at] = 0
        hole = at
      }
    }
  }

  private home(key: string): number {
    let h = this.seed ^ 0x811c9dc5
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
    return (h ^ (h >>> 15)) & this.mask
  }
}
