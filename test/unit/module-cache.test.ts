import { describe, expect, it } from 'vitest'
import { EngineError } from '../../src/main/engine/errors'
import { ModuleCache } from '../../src/main/runner/module-cache'
import { assembleWat } from '../helpers/wat'

const guest = (exportName: string) =>
  assembleWat(`(module (memory (export "memory") 1) (func (export "${exportName}")))`)

describe('ModuleCache: each distinct module compiles once per process', () => {
  it('hands the same compiled module to every service and run that has the same bytes', async () => {
    const cache = new ModuleCache()
    const bytes = await guest('_start')
    const [a, b] = await Promise.all([
      cache.compile(bytes, 'a.wasm'),
      cache.compile(bytes, 'b.wasm'),
    ])
    expect(a.module).toBe(b.module)
    // Each keeps its own origin for messages.
    expect([a.origin, b.origin]).toEqual(['a.wasm', 'b.wasm'])
    const again = await cache.compile(new Uint8Array(bytes), 'a.wasm')
    expect(again.module).toBe(a.module)
    expect(cache.size).toBe(1)
    const other = await cache.compile(await guest('_initialize'), 'c.wasm')
    expect(other.module).not.toBe(a.module)
    expect(cache.size).toBe(2)
  })

  it('keeps no module that failed to compile, and reports the failure every time', async () => {
    const cache = new ModuleCache()
    const junk = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff])
    for (let i = 0; i < 2; i++) {
      await expect(cache.compile(junk, 'junk.wasm')).rejects.toThrow(EngineError)
    }
    expect(cache.size).toBe(0)
  })

  it('lets the least recently used module go once full', async () => {
    const cache = new ModuleCache(2)
    const [x, y, z] = await Promise.all([guest('x'), guest('y'), guest('z')])
    const first = await cache.compile(x, 'x')
    await cache.compile(y, 'y')
    await cache.compile(x, 'x') // x is now the most recently used
    await cache.compile(z, 'z') // y leaves
    expect((await cache.compile(x, 'x')).module).toBe(first.module)
    expect(cache.size).toBe(2)
  })
})
