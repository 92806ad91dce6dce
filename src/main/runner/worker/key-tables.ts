/**
 * The call path's tables of call ids (inbox.ts, staged-notices.ts, call-context.ts), keyed by an
 * id's four words (wire.ts `idWordsAt`: the 120 data bits) and made so that adding, finding and
 * removing an id allocates nothing while they stay small:
 *
 * - a key text per call (eight UTF-16 units) was the last garbage of a call in a worker;
 * - a JS Map or Set gives its hash table back when it gets a quarter full (V8's ordered hash
 *   tables shrink on delete), so a table going 0 -> 1 -> 0 entries, a guest's usual number of
 *   calls in flight, made a new table on every call (docs/architecture.md).
 *
 * An id is given as a Uint32Array of exactly its four words (read, never kept); all four 0 is the empty
 * id.
 */
import { wireKey } from '../../kernel/transport/wire-key'

/** Entries kept in arrays, searched in order; one more moves the table into a Map for good. */
const SMALL = 16

/**
 * A map from call id to value: up to SMALL entries in fixed arrays (removal moves the last entry
 * into the hole), past that a Map keyed by the id's wire key (wire-key.ts), so thousands of
 * calls in flight are not searched in order.
 */
export class IdMap<V> {
  private readonly words = new Uint32Array(SMALL * 4)
  private readonly values: (V | undefined)[] = new Array<V | undefined>(SMALL).fill(undefined)
  private count = 0
  private big: Map<string, V> | undefined

  get size(): number {
    return this.big === undefined ? this.count : this.big.size
  }

  get(id: Uint32Array): V | undefined {
    if (this.big !== undefined) return this.big.get(keyOfWords(id))
    const i = this.indexOf(id)
    return i < 0 ? undefined : this.values[i]
  }

  has(id: Uint32Array): boolean {
    return this.big !== undefined ? this.big.has(keyOfWords(id)) : this.indexOf(id) >= 0
  }

  set(id: Uint32Array, value: V): void {
    if (this.big !== undefined) {
      this.big.set(keyOfWords(id), value)
      return
    }
    const i = this.indexOf(id)
    if (i >= 0) {
      this.values[i] = value
      return
    }
    if (this.count === SMALL) {
      const big = new Map<string, V>()
      this.forEach((v, id) => big.set(keyOfWords(id), v))
      this.values.fill(undefined)
      this.count = 0
      this.big = big
      big.set(keyOfWords(id), value)
      return
    }
    const w = this.words
    const at = this.count * 4
    w[at] = id[0] as number
    w[at + 1] = id[1] as number
    w[at + 2] = id[2] as number
    w[at + 3] = id[3] as number
    this.values[this.count] = value
    this.count++
  }

  delete(id: Uint32Array): boolean {
    if (this.big !== undefined) return this.big.delete(keyOfWords(id))
    const i = this.indexOf(id)
    if (i < 0) return false
    this.removeAt(i)
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
    if (this.count > 0) this.removeAt(0)
  }

  /**
   * Calls `visit` with every entry, in no promised order (the table must not change meanwhile);
   * `id` is a scratch array, valid during the visit only.
   */
  forEach(visit: (value: V, id: Uint32Array) => void): void {
    const id = new Uint32Array(4)
    if (this.big !== undefined) {
      for (const [key, value] of this.big) {
        for (let i = 0; i < 4; i++)
          id[i] = ((key.charCodeAt(2 * i) << 16) | key.charCodeAt(2 * i + 1)) >>> 0
        visit(value, id)
      }
      return
    }
    for (let i = 0; i < this.count; i++) {
      id.set(this.words.subarray(i * 4, i * 4 + 4))
      visit(this.values[i] as V, id)
    }
  }

  private removeAt(i: number): void {
    const last = --this.count
    this.words.copyWithin(i * 4, last * 4, last * 4 + 4)
    this.values[i] = this.values[last]
    this.values[last] = undefined
  }

  private indexOf(id: Uint32Array): number {
    const w = this.words
    const a = id[0] as number
    const b = id[1] as number
    const c = id[2] as number
    const d = id[3] as number
    for (let i = 0, at = 0; i < this.count; i++, at += 4) {
      if (w[at + 3] === d && w[at + 2] === c && w[at + 1] === b && w[at] === a) return i
    }
    return -1
  }
}

/** A set of call ids: an IdMap without values. */
export class IdSet {
  private readonly map = new IdMap<true>()

  get size(): number {
    return this.map.size
  }

  has(id: Uint32Array): boolean {
    return this.map.has(id)
  }

  add(id: Uint32Array): void {
    this.map.set(id, true)
  }

  delete(id: Uint32Array): boolean {
    return this.map.delete(id)
  }
}

/**
 * The last `capacity` ids added, oldest forgotten first: a fixed ring of words, with an
 * open-addressing index (linear probing, entries shifted back on removal, so no tombstones) to
 * find an id in constant time. The index is brought up to date by `take`, not by `add`: a guest
 * remembers every result it gets, but asks only when the kernel answers it, and most guests
 * are never answered by the kernel while they have results remembered. Remembering an id is four
 * stores; no operation allocates.
 */
export class RecentIds {
  /** Four words per ring slot; all 0: the slot is empty. */
  private readonly words: Uint32Array
  /** Ring slot + 1 of the id hashed there, or 0. */
  private readonly index: Int32Array
  /** Each ring slot's home in `index`, or -1 while the slot is not in the index. */
  private readonly homes: Int32Array
  private readonly mask: number
  /** Random per table: ids come from guests. */
  private readonly seed = (Math.random() * 0x1_0000_0000) >>> 0
  private next = 0
  private count = 0
  /** How many of the last slots before `next` were added since the index was brought up to date. */
  private unindexed = 0

  constructor(readonly capacity: number) {
    this.words = new Uint32Array(capacity * 4)
    this.homes = new Int32Array(capacity).fill(-1)
    let size = 2
    while (size < capacity * 2) size *= 2
    this.index = new Int32Array(size)
    this.mask = size - 1
  }

  /** Ids remembered (at most `capacity`; forgotten ones no longer count). */
  get size(): number {
    return this.count
  }

  /** Remembers an id (the empty id is not remembered). */
  add(id: Uint32Array): void {
    if (((id[0] as number) | (id[1] as number) | (id[2] as number) | (id[3] as number)) === 0)
      return
    const slot = this.next
    const w = this.words
    const at = slot * 4
    if (
      ((w[at] as number) |
        (w[at + 1] as number) |
        (w[at + 2] as number) |
        (w[at + 3] as number)) ===
      0
    )
      this.count++
    else if ((this.homes[slot] as number) >= 0) this.unindex(slot)
    w[at] = id[0] as number
    w[at + 1] = id[1] as number
    w[at + 2] = id[2] as number
    w[at + 3] = id[3] as number
    this.next = slot + 1 === this.capacity ? 0 : slot + 1
    if (this.unindexed < this.capacity) this.unindexed++
  }

  /** Forgets the id if it is remembered; true when it was. */
  take(id: Uint32Array): boolean {
    const a = id[0] as number
    const b = id[1] as number
    const c = id[2] as number
    const d = id[3] as number
    if ((a | b | c | d) === 0 || this.count === 0) return false
    if (this.unindexed > 0) this.catchUp()
    const w = this.words
    for (let i = this.home(a, b, c, d); ; i = (i + 1) & this.mask) {
      const entry = this.index[i] as number
      if (entry === 0) return false
      const at = (entry - 1) * 4
      if (w[at] === a && w[at + 1] === b && w[at + 2] === c && w[at + 3] === d) {
        this.removeAt(i)
        this.homes[entry - 1] = -1
        w.fill(0, at, at + 4)
        this.count--
        return true
      }
    }
  }

  /** Puts the slots added since the last `take` into the index, oldest first. */
  private catchUp(): void {
    const w = this.words
    for (let k = this.unindexed; k > 0; k--) {
      const slot = (this.next - k + this.capacity) % this.capacity
      const at = slot * 4
      const a = w[at] as number
      const b = w[at + 1] as number
      const c = w[at + 2] as number
      const d = w[at + 3] as number
      if ((a | b | c | d) === 0 || (this.homes[slot] as number) >= 0) continue
      let i = this.home(a, b, c, d)
      this.homes[slot] = i
      while (this.index[i] !== 0) i = (i + 1) & this.mask
      this.index[i] = slot + 1
    }
    this.unindexed = 0
  }

  /** Removes ring slot `slot`'s index entry (its id still in place). */
  private unindex(slot: number): void {
    for (let i = this.homes[slot] as number; ; i = (i + 1) & this.mask) {
      const entry = this.index[i] as number
      if (entry === 0) return
      if (entry === slot + 1) {
        this.removeAt(i)
        this.homes[slot] = -1
        return
      }
    }
  }

  /** Empties index position `hole`, moving back later entries of the run that may fill it. */
  private removeAt(hole: number): void {
    const mask = this.mask
    this.index[hole] = 0
    for (let i = (hole + 1) & mask; ; i = (i + 1) & mask) {
      const entry = this.index[i] as number
      if (entry === 0) return
      const home = this.homes[entry - 1] as number
      // The entry may move back to the hole unless its home lies after the hole, up to it.
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        this.index[hole] = entry
        this.index[i] = 0
        hole = i
      }
    }
  }

  private home(a: number, b: number, c: number, d: number): number {
    const s = this.seed
    let h =
      Math.imul(a ^ s, 0x85ebca6b) ^
      Math.imul(b, 0xc2b2ae35) ^
      Math.imul(c ^ (s >>> 7), 0x27d4eb2f) ^
      Math.imul(d, 0x165667b1)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
    return h & this.mask
  }
}

/** The Map key of an id in a table past SMALL entries. */
function keyOfWords(id: Uint32Array): string {
  return wireKey(id[0] as number, id[1] as number, id[2] as number, id[3] as number)
}
