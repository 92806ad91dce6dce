// The trace contexts a traced deployment keeps per call, as words in typed arrays
// (runner/trace/call-contexts.ts): found by call key across two generations, bounded probes.
import { describe, expect, it } from 'vitest'
import {
  CallContexts,
  CONTEXT_GENERATION,
  ContextTable,
} from '../../src/main/runner/trace/call-contexts'
import { keyWords } from '../../src/main/kernel/call-key'
import { callKeyOfWords } from '../../src/main/kernel/transport/trace-words'
import { formatId, newCallId } from '../../src/shared/id'

const keyOf = (n: number) => callKeyOfWords(0x12, n >>> 0, 0x34, (n * 2654435761) >>> 0)!

describe('trace contexts kept per call', () => {
  it('finds what it kept, local traces by counter and other hosts’ by id', () => {
    const contexts = new CallContexts()
    const ids = Array.from({ length: 1000 }, () => formatId(newCallId()))
    ids.forEach((id, i) =>
      contexts.remember(id, i % 3 === 0 ? `${i}`.padStart(32, 'f') : i + 1, i + 7),
    )
    ids.forEach((id, i) => {
      const found = contexts.find(id)!
      expect(found.table.traceAt(found.slot)).toBe(i % 3 === 0 ? `${i}`.padStart(32, 'f') : i + 1)
      expect(found.table.spanAt(found.slot)).toBe(i + 7)
    })
    expect(contexts.find(formatId(newCallId()))).toBeUndefined()
    contexts.remember(ids[1]!, 99, 100)
    const again = contexts.find(ids[1]!)!
    expect([again.table.traceAt(again.slot), again.table.spanAt(again.slot)]).toEqual([99, 100])
  })

  it('keeps the last one to two generations and forgets the ones before', () => {
    const contexts = new CallContexts()
    const total = CONTEXT_GENERATION * 3
    for (let i = 1; i <= total; i++) contexts.remember(keyOf(i), i, i)
    // The last full generation and the current one are kept; the first is gone.
    expect(contexts.find(keyOf(1))).toBeUndefined()
    expect(contexts.find(keyOf(CONTEXT_GENERATION))).toBeUndefined()
    for (const i of [CONTEXT_GENERATION + 1, 2 * CONTEXT_GENERATION + 1, total]) {
      const found = contexts.find(keyOf(i))!
      expect(found.table.spanAt(found.slot)).toBe(i)
    }
    expect(contexts.unkept).toBe(0)
  })

  it('does not keep a key whose probe runs past its bound, and counts it', () => {
    const seed = new Uint32Array([1, 2, 3, 4])
    const probe = new ContextTable(seed)
    // Ids that all hash to one slot, as a guest knowing the seed could choose them.
    const colliding: number[] = []
    const target = probe.home(0x12, 0, 0x34, 0)
    for (let n = 1; colliding.length < 70; n++) {
      if (probe.home(0x12, n >>> 0, 0x34, (n * 2654435761) >>> 0) === target) colliding.push(n)
    }
    const contexts = new CallContexts(seed)
    for (const n of colliding) contexts.remember(keyOf(n), n, n)
    expect(contexts.unkept).toBe(70 - 64)
    expect(contexts.find(keyOf(colliding[0]!))).toBeDefined()
    expect(contexts.find(keyOf(colliding[69]!))).toBeUndefined()
  })

  it('reads only well-formed call keys', () => {
    const out = new Uint32Array(4)
    expect(keyWords(keyOf(5), out)).toBe(true)
    expect([...out]).toEqual([0x12, 5, 0x34, (5 * 2654435761) >>> 0])
    for (const bad of [
      '',
      'call-a',
      'call-00000000000000-0000000000000000',
      'svc-000000000000000-0000000000000001',
      'call-0000000000000g-0000000000000001',
      'call-00000000000000x0000000000000001',
      'call-00000000000000-000000000000000A',
    ])
      expect(keyWords(bad, out)).toBe(false)
  })
})
