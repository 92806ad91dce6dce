// GuestMemory's allocation-free accessors (engine/guest-memory.ts) on a real WebAssembly.Memory,
// including across growth, which detaches the old buffer.
import { describe, expect, it } from 'vitest'
import { GuestMemory, PeekCache } from '../../src/main/engine'

const PAGE = 65536

describe('GuestMemory', () => {
  it('writeFrom copies a run of a buffer, short or long, and refuses what does not fit', () => {
    const memory = new GuestMemory(new WebAssembly.Memory({ initial: 1, maximum: 4 }))
    const source = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    expect(memory.writeFrom(100, source, 5, 10)).toBe(true)
    expect(Array.from(memory.read(100, 10) as Uint8Array)).toEqual(Array.from(source.slice(5, 15)))
    expect(memory.writeFrom(1000, source, 0, 300)).toBe(true)
    expect(Array.from(memory.read(1000, 300) as Uint8Array)).toEqual(Array.from(source))
    expect(memory.writeFrom(2000, source, 200, 90)).toBe(true)
    expect(Array.from(memory.read(2000, 90) as Uint8Array)).toEqual(
      Array.from(source.slice(200, 290)),
    )
    // Past the source's end, past memory's end, or a negative start: nothing written.
    expect(memory.writeFrom(0, source, 295, 10)).toBe(false)
    expect(memory.writeFrom(PAGE - 4, source, 0, 10)).toBe(false)
    expect(memory.writeFrom(0, source, -1, 2)).toBe(false)
  })

  it('peekCached hands back one view per place and length, and fresh ones after growth', () => {
    const wasm = new WebAssembly.Memory({ initial: 1, maximum: 4 })
    const memory = new GuestMemory(wasm)
    const cache = new PeekCache()
    const first = memory.peekCached(cache, 64, 16) as Uint8Array
    const longer = memory.peekCached(cache, 64, 17) as Uint8Array
    expect(memory.peekCached(cache, 64, 16) === first).toBe(true)
    expect(memory.peekCached(cache, 64, 17) === longer).toBe(true)
    expect([longer.byteOffset, longer.byteLength]).toEqual([64, 17])
    // Another place starts the cache again.
    const moved = memory.peekCached(cache, 65, 16) as Uint8Array
    expect(moved === first).toBe(false)
    expect(moved.byteOffset).toBe(65)
    expect(memory.peekCached(cache, 64, 16) === first).toBe(false)
    const again = memory.peekCached(cache, 64, 16) as Uint8Array
    wasm.grow(1)
    // The old view's buffer is detached (length 0): the range is read from the grown memory.
    expect(memory.write(64, new Uint8Array(16).fill(9))).toBe(true)
    const after = memory.peekCached(cache, 64, 16) as Uint8Array
    // (compared by identity: the matcher cannot print a detached view)
    expect(after === again).toBe(false)
    expect(Array.from(after)).toEqual(new Array(16).fill(9))
    expect(memory.peekCached(cache, 2 * PAGE - 8, 16)).toBeUndefined()
    // Longer than the cache keeps: a view each time, still bounds-checked.
    expect(memory.peekCached(cache, 0, 300)?.byteLength).toBe(300)
  })
})
