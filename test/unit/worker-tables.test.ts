// The guest worker's reusable tables (key-tables.ts, payload-store.ts): the same answers as a
// Map, a Set and fresh bytes, across the switch from arrays to a Map and across reuse.
import { describe, expect, it } from 'vitest'
import { IdMap, IdSet, RecentIds } from '../../src/main/runner/worker/key-tables'
import { PayloadStore } from '../../src/main/runner/worker/payload-store'
import { FixedStack } from '../../src/main/runner/worker/fixed-stack'
import { RingQueue } from '../../src/main/runner/worker/ring-queue'

/** A seeded stream of small integers (the same operations on every run). */
function draws(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x >>> 8
  }
}

/**
 * Call id number `n` as its four words: ids that differ in one word only, and words past 2^31
 * (the tables take them unsigned). A fresh array each time: tables must not keep the caller's.
 */
function id(n: number): Uint32Array {
  return Uint32Array.of(n % 5, (n * 2654435761) >>> 0, 0x8000_0000 | (n >>> 3), n & 7)
}

describe('IdMap and IdSet', () => {
  it('answer as a Map and a Set do over random adds and deletes, small and past 16 entries', () => {
    for (const spread of [3, 12, 40, 500]) {
      const next = draws(spread)
      const map = new IdMap<number>()
      const set = new IdSet()
      const refMap = new Map<number, number>()
      const refSet = new Set<number>()
      for (let i = 0; i < 20_000; i++) {
        const n = next() % spread
        const op = next() % 3
        if (op === 0) {
          map.set(id(n), i)
          refMap.set(n, i)
          set.add(id(n))
          refSet.add(n)
        } else if (op === 1) {
          expect(map.delete(id(n))).toBe(refMap.delete(n))
          expect(set.delete(id(n))).toBe(refSet.delete(n))
        } else {
          expect(map.get(id(n))).toBe(refMap.get(n))
          expect(map.has(id(n))).toBe(refMap.has(n))
          expect(set.has(id(n))).toBe(refSet.has(n))
        }
        expect(map.size).toBe(refMap.size)
        expect(set.size).toBe(refSet.size)
      }
    }
  })

  it('tells ids apart by every word, and takes words given as signed numbers unsigned', () => {
    const map = new IdMap<string>()
    const base = [1, 2, 3, 4]
    map.set(Uint32Array.from(base), 'base')
    for (let w = 0; w < 4; w++) {
      const other = Uint32Array.from(base)
      other[w] = (other[w] as number) + 1
      expect(map.has(other)).toBe(false)
    }
    map.set(Uint32Array.of(-1, 0, 0, 1), 'high')
    expect(map.get(Uint32Array.of(0xffff_ffff, 0, 0, 1))).toBe('high')
  })
})

describe('IdMap.forEach and deleteOldest', () => {
  const name = (w: Uint32Array) => [...w].join('.')
  it('visit every entry, and forget the first added once the table is a Map', () => {
    const map = new IdMap<number>()
    for (let i = 0; i < 5; i++) map.set(id(i), i)
    const seen: string[] = []
    map.forEach((value, w) => seen.push(`${name(w)}=${value}`))
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${name(id(i))}=${i}`).sort())
    map.deleteOldest()
    expect(map.size).toBe(4)
    for (let i = 5; i < 40; i++) map.set(id(i), i)
    const first: Uint32Array[] = []
    map.forEach((_, w) => first.push(Uint32Array.from(w)))
    // Past 16 entries the ids went into a Map and come back the same.
    expect(first.map(name).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => i)
        .filter((i) => map.has(id(i)))
        .map((i) => name(id(i)))
        .sort(),
    )
    map.deleteOldest()
    expect(map.has(first[0] as Uint32Array)).toBe(false)
    expect(map.size).toBe(38)
    const empty = new IdMap<number>()
    empty.deleteOldest()
    expect(empty.size).toBe(0)
  })
})

describe('RecentIds', () => {
  it('remembers the last `capacity` ids, and each can be taken once', () => {
    const recent = new RecentIds(4)
    const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(id) as Uint32Array[]
    for (const k of [a, b, c, d, e]) recent.add(k as Uint32Array)
    expect(recent.size).toBe(4)
    expect(recent.take(a as Uint32Array)).toBe(false) // forgotten: the oldest went when e came
    expect(recent.take(c as Uint32Array)).toBe(true)
    expect(recent.take(c as Uint32Array)).toBe(false)
    expect(recent.size).toBe(3)
    recent.add(f as Uint32Array) // takes b's place; c's emptied slot still counts as empty
    expect(recent.size).toBe(3)
    expect(recent.take(b as Uint32Array)).toBe(false)
    for (const k of [d, e, f]) expect(recent.take(k as Uint32Array)).toBe(true)
    expect(recent.size).toBe(0)
    // The empty id is never remembered.
    recent.add(new Uint32Array(4))
    expect(recent.size).toBe(0)
    expect(recent.take(new Uint32Array(4))).toBe(false)
  })
})

describe('RecentIds against a model', () => {
  it('answers as a list of the last `capacity` ids does, over random adds and takes', () => {
    for (const [capacity, spread] of [
      [8, 12],
      [64, 100],
      [500, 3000],
    ] as const) {
      const next = draws(capacity)
      const recent = new RecentIds(capacity)
      // The model: the ring's slots, -1 where an id was taken.
      const model: number[] = new Array<number>(capacity).fill(-1)
      let slot = 0
      let added = 1
      for (let i = 0; i < 30_000; i++) {
        // Each id added once (call ids are unique); a take asks for one of the last `spread`.
        if (next() % 2 === 0) {
          const n = added++
          recent.add(id(n))
          model[slot] = n
          slot = (slot + 1) % capacity
        } else {
          const n = added - 1 - (next() % spread)
          const at = n > 0 ? model.indexOf(n) : -1
          if (at >= 0) model[at] = -1
          expect(recent.take(id(n))).toBe(at >= 0)
        }
        expect(recent.size).toBe(model.filter((k) => k !== -1).length)
      }
    }
  })
})

describe('RecentIds indexed on demand', () => {
  it('answers as the model does when many adds, past the whole ring, come between takes', () => {
    const capacity = 64
    const next = draws(7)
    const recent = new RecentIds(capacity)
    const model: number[] = new Array<number>(capacity).fill(-1)
    let slot = 0
    let added = 1
    for (let burst = 0; burst < 400; burst++) {
      // 0 to 199 adds in a row: the ring wraps up to three times before the next take.
      for (let n = next() % 200; n > 0; n--) {
        recent.add(id(added))
        model[slot] = added++
        slot = (slot + 1) % capacity
      }
      for (let t = next() % 4; t > 0; t--) {
        const n = added - 1 - (next() % (2 * capacity))
        const at = n > 0 ? model.indexOf(n) : -1
        if (at >= 0) model[at] = -1
        expect(recent.take(id(n))).toBe(at >= 0)
      }
      expect(recent.size).toBe(model.filter((k) => k !== -1).length)
    }
  })
})

describe('RingQueue and FixedStack', () => {
  it('answer as an array does over random pushes, shifts, removals and lookups', () => {
    const next = draws(11)
    const queue = new RingQueue<number>()
    const model: number[] = []
    for (let i = 0; i < 30_000; i++) {
      const op = next() % 5
      if (op <= 1) {
        queue.push(i)
        model.push(i)
      } else if (op === 2) {
        expect(queue.shift()).toBe(model.shift())
      } else if (op === 3) {
        // Removal from anywhere, the ring wrapped or not (the inbox's filtered read_one_).
        const at = model.length === 0 ? 0 : next() % model.length
        queue.removeAt(at)
        model.splice(at, 1)
      } else {
        const at = next() % (model.length + 2)
        expect(queue.at(at)).toBe(model[at])
        const wanted = model[at]
        expect(queue.findIndex((v) => v === wanted)).toBe(model.indexOf(wanted as number))
      }
      expect(queue.length).toBe(model.length)
    }
  })

  it('a stack keeps at most its capacity and gives items back last first', () => {
    const stack = new FixedStack<string>(2)
    expect(stack.pop()).toBeUndefined()
    expect(stack.push('a')).toBe(true)
    expect(stack.push('b')).toBe(true)
    expect(stack.push('c')).toBe(false)
    expect(stack.size).toBe(2)
    expect([stack.pop(), stack.pop(), stack.pop()]).toEqual(['b', 'a', undefined])
  })
})

describe('PayloadStore', () => {
  it('hands back given bytes of the same length, and never the same bytes twice at once', () => {
    const store = new PayloadStore()
    const a = store.take(40)
    const b = store.take(40)
    expect(a === b).toBe(false)
    expect(a.byteLength).toBe(40)
    store.give(a)
    const again = store.take(40)
    expect(again === a).toBe(true)
    expect(store.take(40) === a).toBe(false) // a is out again: a fresh one
    // Another length is not served from the 40-byte list.
    store.give(b)
    expect(store.take(41).byteLength).toBe(41)
    expect(store.take(40) === b).toBe(true)
  })

  it('keeps nothing past its bounds: long payloads and more than 32 of one length', () => {
    const store = new PayloadStore()
    const big = store.take(5000)
    store.give(big)
    expect(store.take(5000) === big).toBe(false)
    const many = Array.from({ length: 40 }, () => store.take(8))
    for (const bytes of many) store.give(bytes)
    const reused = new Set(Array.from({ length: 40 }, () => store.take(8)))
    expect(many.filter((m) => reused.has(m))).toHaveLength(32)
  })
})
