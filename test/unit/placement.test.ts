import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ServiceConfig } from '../../src/shared/deploy-config/types'
import {
  MAX_PLACEMENT_FILE_BYTES,
  planPlacement,
  readPlacementCounts,
  writePlacementCounts,
} from '../../src/main/runner/placement'

const svc = (name: string, extra: Partial<ServiceConfig> = {}): ServiceConfig => ({
  name,
  wasm: `/x/${name}.wasm`,
  role: 'server',
  args: [],
  env: {},
  plugins: [],
  ...extra,
})

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'placement-'))
  dirs.push(d)
  return d
}

describe('placement counts file', () => {
  it('round-trips on real disk, most-called first, self-calls and zeros dropped', () => {
    const path = join(tmp(), '.parigot', 'placement.json')
    writePlacementCounts(path, [
      { caller: 'a', callee: 'b', calls: 3 },
      { caller: 'b', callee: 'c', calls: 9 },
      { caller: 'a', callee: 'a', calls: 5 },
      { caller: 'c', callee: 'a', calls: 0 },
    ])
    expect(readPlacementCounts(path)).toEqual({
      counts: [
        { caller: 'b', callee: 'c', calls: 9 },
        { caller: 'a', callee: 'b', calls: 3 },
      ],
    })
  })

  it('a missing file is no counts and no problem', () => {
    expect(readPlacementCounts(join(tmp(), 'none.json'))).toEqual({})
  })

  it.each([
    ['{not json', 'not JSON'],
    ['{"pairs": 3}', 'no "pairs" array'],
    ['{"pairs": [{"caller": "a", "callee": "b/../x", "calls": 1}]}', 'pairs[0] needs'],
    ['{"pairs": [{"caller": "a", "callee": "b", "calls": -1}]}', 'pairs[0].calls'],
  ])('a corrupt file %s is reported with its path and ignored', (text, why) => {
    const path = join(tmp(), 'placement.json')
    writeFileSync(path, text)
    const r = readPlacementCounts(path)
    expect(r.counts).toBeUndefined()
    expect(r.problem).toContain(path)
    expect(r.problem).toContain(why)
  })

  it('an oversized file is reported and not read', () => {
    const path = join(tmp(), 'placement.json')
    writeFileSync(path, ' '.repeat(MAX_PLACEMENT_FILE_BYTES + 1))
    expect(readPlacementCounts(path).problem).toMatch(/over the \d+-byte cap/)
  })
})

describe('planPlacement', () => {
  it('without counts every service runs alone and says so', () => {
    const p = planPlacement([svc('a'), svc('b')], undefined)
    expect(p.workers.size).toBe(0)
    expect(p.lines[0]).toContain('no call counts yet')
  })

  it('groups the most-called pair first and explains it with the counts', () => {
    const p = planPlacement(
      [svc('front', { role: 'main' }), svc('mid'), svc('back')],
      [
        { caller: 'mid', callee: 'back', calls: 100 },
        { caller: 'front', callee: 'mid', calls: 10 },
      ],
      2,
    )
    expect(p.workers.get('mid')).toBe(p.workers.get('back'))
    expect(p.workers.has('front')).toBe(false)
    expect(p.lines).toEqual([
      'placement auto: back, mid share worker "auto-back" (back↔mid 100 calls)',
    ])
  })

  it('keeps one main/test per worker, one host per worker, and explicit workers win', () => {
    const p = planPlacement(
      [
        svc('m', { role: 'main' }),
        svc('t', { role: 'test' }),
        svc('far', { host: 'h2' }),
        svc('pinned', { worker: 'mine' }),
        svc('s'),
      ],
      [
        { caller: 'm', callee: 't', calls: 50 },
        { caller: 'm', callee: 'far', calls: 40 },
        { caller: 'm', callee: 'pinned', calls: 30 },
        { caller: 't', callee: 's', calls: 5 },
      ],
    )
    expect([...p.workers.entries()].sort()).toEqual([
      ['s', 'auto-s'],
      ['t', 'auto-s'],
    ])
  })
})
