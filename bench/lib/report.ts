import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { BenchResult } from './result'

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3)
}

export function printTable(results: readonly BenchResult[]): void {
  const rows = results.map((r) => [
    r.id,
    `${formatValue(r.value)} ${r.unit}`,
    r.baseline
      ? `${r.baseline.id} = ${formatValue(r.baseline.value)} (ratio ${(r.value / r.baseline.value).toFixed(2)}x)`
      : '',
    r.target ?? '',
    r.setting,
  ])
  const header = ['id', 'median', 'baseline (same run)', 'target', 'setting']
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
}

export function writeResults(path: string, results: readonly BenchResult[]): void {
  mkdirSync(dirname(path), { recursive: true })
  const json = results.map(({ target: _target, ...rest }) => rest)
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`)
}
