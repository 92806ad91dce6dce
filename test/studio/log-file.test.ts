// The run's NDJSON log file on a real disk: every line appended is read back by range and by
// search, across size-rotated parts; the oldest part goes beyond the limit; old runs are pruned.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/shared/bridge/contract'
import { compileLogFilter } from '../../src/main/bridge/log-filter'
import { RunLogFile } from '../../src/main/bridge/log-file'

const dirs: string[] = []
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parigot-log-file-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const line = (seq: number, message = `line ${seq}`): LogLine => ({
  seq,
  timeMs: 1_700_000_000_000 + seq,
  level: seq % 10 === 0 ? 'error' : 'info',
  source: seq % 2 === 0 ? 'even' : 'odd',
  message,
})

describe('RunLogFile', () => {
  it('reads back any range of a run, across rotated parts, in order and without a hole', async () => {
    const dir = scratch()
    const file = new RunLogFile(dir, 'demo run', { maxPartBytes: 64 * 1024, maxParts: 1000 })
    for (let seq = 5; seq < 20_005; seq++) file.append(line(seq))
    expect(file.info()).toEqual({ file: file.path, firstSeq: 5, nextSeq: 20_005, unwritten: 0 })
    // Rotated by size: several parts, each at most about the limit.
    const parts = readdirSync(dir).filter((n) => n.startsWith(file.path.split('/').pop() ?? ''))
    expect(parts.length).toBeGreaterThan(5)

    const { lines, more } = await file.read(12_345, 12_345 + 3000, 2000)
    expect(more).toBe(true)
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => 12_345 + i))
    expect(lines[0]).toEqual(line(12_345))
    const rest = await file.read(14_345, 15_345, 2000)
    expect(rest.more).toBe(false)
    expect(rest.lines.map((l) => l.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => 14_345 + i))
    // Before the first line and past the last: what exists.
    expect((await file.read(0, 8, 100)).lines.map((l) => l.seq)).toEqual([5, 6, 7])
    expect((await file.read(20_000, 30_000, 100)).lines.map((l) => l.seq)).toEqual([
      20_000, 20_001, 20_002, 20_003, 20_004,
    ])
    file.close()
  })

  it('searches the whole run with a log filter, page by page', async () => {
    const file = new RunLogFile(scratch(), 'search', { maxPartBytes: 32 * 1024 })
    for (let seq = 0; seq < 5000; seq++) file.append(line(seq))
    const match = compileLogFilter({ sources: ['even'], minLevel: 'error', text: 'line 4' })
    const first = await file.search(match, -1, 3)
    expect(first.lines.map((l) => l.seq)).toEqual([40, 400, 410])
    expect(first.more).toBe(true)
    const next = await file.search(match, 410, 1000)
    expect(next.lines[0]?.seq).toBe(420)
    expect(next.lines.every((l) => l.level === 'error' && l.message.includes('line 4'))).toBe(true)
    expect(next.more).toBe(false)
    file.close()
  })

  it('writes NDJSON, drops the oldest part beyond the limit, and keeps only the newest runs', async () => {
    const dir = scratch()
    const file = new RunLogFile(dir, 'bounded', { maxPartBytes: 8 * 1024, maxParts: 3 })
    for (let seq = 0; seq < 3000; seq++) file.append(line(seq))
    file.flush()
    const info = file.info()
    expect(info?.firstSeq).toBeGreaterThan(0)
    const firstKept = (await file.read(0, 3000, 1)).lines[0]
    expect(firstKept?.seq).toBe(info?.firstSeq)
    const newest = Math.max(...readdirSync(dir).map((n) => Number(/\.(\d+)$/.exec(n)?.[1] ?? 0)))
    const text = readFileSync(`${file.path}.${newest}`, 'utf8').trim().split('\n')
    expect(JSON.parse(text.at(-1) ?? '')).toEqual(line(2999))
    file.close()

    for (let run = 0; run < 4; run++) {
      const next = new RunLogFile(dir, `run ${run}`, { keepRuns: 2 })
      next.append(line(0))
      next.close()
    }
    const runs = new Set(readdirSync(dir).map((n) => n.replace(/\.ndjson(\.\d+)?$/, '')))
    expect(runs.size).toBeLessThanOrEqual(2)
  })
})
