// The guest worker's reusable tables (key-tables.ts, payload-store.ts): the same answers as a
// Map, a Set and fresh bytes, across the switch from arrays to a Map and across reuse.
import { describe, expect, it } from 'vitest'
import { KeyMap, KeySet, RecentKeys } from '../../src/main/runner/worker/key-tables'
import { PayloadStore } from '../../src/main/runner/worker/payload-store'

/** A seeded stream of small integers (the same operations on every run). */
function draws(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x >>> 8
  }
}

describe('KeyMap and KeySet', () => {
  it('answer as a Map and a Set do over random adds and deletes, small and past 16 entries', () => {
    for (const spread of [3, 12, 40, 500]) {
      const next = draws(spread)
      const map = new KeyMap<number>()
      const set = new KeySet()
      const refMap = new Map<string, number>()
      const refSet = new Set<string>()
      for (let i = 0; i < 20_000; i++) {
        const key = `k${next() % spread}`
        const op = next() % 3
        if (op === 0) {
          map.set(key, i)
          refMap.set(key, i)
          set.add(key)
          refSet.add(key)
        } else if (op === 1) {
          expect(map.delete(key)).toBe(refMap.delete(key))
          expect(set.delete(key)).toBe(refSet.delete(key))
        } else {
          expect(map.get(key)).toBe(refMap.get(key))
          expect(map.has(key)).toBe(refMap.has(key))
          expect(set.has(key)).toBe(refSet.has(key))
        }
        expect(map.size).toBe(refMap.size)
        expect(set.size).toBe(refSet.size)
      }
    }
  })
})

describe('KeyMap.forEach and deleteOldest', () => {
  it('visit every entry, and forget the first added once the table is a Map', () => {
    const map = new KeyMap<number>()
    for (let i = 0; i < 5; i++) map.set(`k${i}`, i)
    const seen: string[] = []
    map.forEach((value, key) => seen.push(`${key}=${value}`))
    expect(seen.sort()).toEqual(['k0=0', 'k1=1', 'k2=2', 'k3=3', 'k4=4'])
    map.deleteOldest()
    expect(map.size).toBe(4)
    for (let i = 5; i < 40; i++) map.set(`k${i}`, i)
    const first: string[] = []
    map.forEach((_, key) => first.push(key))
    map.deleteOldest()
    expect(map.has(first[0] as string)).toBe(false)
    expect(map.size).toBe(38)
    const empty = new KeyMap<number>()
    empty.deleteOldest()
    expect(empty.size).toBe(0)
  })
})

describe('RecentKeys', () => {
  it('remembers the last `capacity` keys, and each can be taken once', () => {
    const recent = new RecentKeys(4)
    for (const k of ['a', 'b', 'c', 'd', 'e']) recent.add(k)
    expect(recent.size).toBe(4)
    expect(recent.take('a')).toBe(false) // forgotten: the oldest went when 'e' came
    expect(recent.take('c')).toBe(true)
    expect(recent.take('c')).toBe(false)
    expect(recent.size).toBe(3)
    recent.add('f') // takes b's place; c's emptied slot still counts as empty
    expect(recent.size).toBe(3)
    expect(recent.take('b')).toBe(false)
    for (const k of ['d', 'e', 'f']) expect(recent.take(k)).toBe(true)
    expect(recent.size).toBe(0)
    expect(recent.take('')).toBe(false)
  })
})

describe('RecentKeys against a model', () => {
  it('answers as a list of the last `capacity` keys does, over random adds and takes', () => {
    for (const [capacity, spread] of [
      [8, 12],
      [64, 100],
      [500, 3000],
    ] as const) {
      const next = draws(capacity)
      const recent = new RecentKeys(capacity)
      // The model: the ring's slots, '' where a key was taken.
      const model: string[] = new Array<string>(capacity).fill('')
      let slot = 0
      let added = 0
      for (let i = 0; i < 30_000; i++) {
        // Each key added once (call ids are unique); a take asks for one of the last `spread`.
        if (next() % 2 === 0) {
          const key = `k${added++}`
          recent.add(key)
          model[slot] = key
          slot = (slot + 1) % capacity
        } else {
          const key = `k${added - 1 - (next() % spread)}`
          const at = model.indexOf(key)
          if (at >= 0) model[at] = ''
          expect(recent.take(key)).toBe(at >= 0)
        }
        expect(recent.size).toBe(model.filter((k) => k !== '').length)
      }
    }
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
