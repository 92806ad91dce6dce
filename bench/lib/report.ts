import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { BenchFailure, BenchResult, Target } from './result'

/** A target checked against the figures of the same run. */
export interface Verdict {
  readonly target: string
  /** `met`, `MISSED`, or `n/a` when the figure it refers to was not measured. */
  readonly verdict: 'met' | 'MISSED' | 'n/a'
  readonly note?: string
}

/** A figure with its baseline and targets resolved against the same run. */
export interface ResolvedResult extends BenchResult {
  readonly baselineValue?: number
  /** `alsoAgainst`, resolved: each id with its value and this figure's ratio to it. */
  readonly also?: readonly { readonly id: string; readonly value: number; readonly ratio: number }[]
  readonly ratio?: number
  readonly verdicts: readonly Verdict[]
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  return Math.abs(value) >= 100
    ? value.toFixed(0)
    : Math.abs(value) >= 1
      ? value.toFixed(2)
      : value.toPrecision(3)
}

function describe(target: Target, unit: string): string {
  switch (target.kind) {
    case 'max':
      return `<= ${formatValue(target.value)} ${unit}`
    case 'min':
      return `>= ${formatValue(target.value)} ${unit}`
    case 'max-ratio':
      return `<= ${target.ratio}x ${target.of}`
    case 'min-ratio':
      return `>= ${target.ratio}x ${target.of}`
  }
}

function check(
  result: BenchResult,
  target: Target,
  byId: ReadonlyMap<string, BenchResult>,
): Verdict {
  const text = describe(target, result.unit)
  const verdict = (met: boolean, note?: string): Verdict => ({
    target: text,
    verdict: met ? 'met' : 'MISSED',
    ...(note === undefined ? {} : { note }),
  })
  switch (target.kind) {
    case 'max':
      return verdict(result.value <= target.value)
    case 'min':
      return verdict(result.value >= target.value)
    case 'max-ratio':
    case 'min-ratio': {
      const of = byId.get(target.of)
      if (of === undefined)
        return { target: text, verdict: 'n/a', note: `${target.of} not measured` }
      const ratio = result.value / of.value
      const note = `${formatValue(ratio)}x`
      return verdict(
        target.kind === 'max-ratio' ? ratio <= target.ratio : ratio >= target.ratio,
        note,
      )
    }
  }
}

export function resolve(results: readonly BenchResult[]): ResolvedResult[] {
  const byId = new Map(results.map((r) => [r.id, r]))
  return results.map((r) => {
    const base = r.baseline === undefined ? undefined : byId.get(r.baseline)
    return {
      ...r,
      ...(base === undefined ? {} : { baselineValue: base.value, ratio: r.value / base.value }),
      ...(r.alsoAgainst === undefined
        ? {}
        : {
            also: r.alsoAgainst.flatMap((id) => {
              const other = byId.get(id)
              return other === undefined
                ? []
                : [{ id, value: other.value, ratio: r.value / other.value }]
            }),
          }),
      verdicts: (r.targets ?? []).map((t) => check(r, t, byId)),
    }
  })
}

export function printTable(
  results: readonly BenchResult[],
  failures: readonly BenchFailure[],
): void {
  const rows = resolve(results).map((r) => [
    r.id,
    `${formatValue(r.value)} ${r.unit}`,
    r.baseline === undefined
      ? ''
      : r.baselineValue === undefined
        ? `${r.baseline} not measured`
        : `${r.baseline} = ${formatValue(r.baselineValue)} (${formatValue(r.ratio ?? NaN)}x)` +
          (r.also ?? [])
            .map((o) => `; ${o.id} = ${formatValue(o.value)} (${formatValue(o.ratio)}x)`)
            .join(''),
    r.verdicts
      .map((v) => `${v.target}: ${v.verdict}${v.note === undefined ? '' : ` (${v.note})`}`)
      .join('; '),
  ])
  const header = ['id', 'median', 'floor or peer (same run), ratio', 'target: verdict']
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) console.log(line(row))
  for (const f of failures) console.log(`FAILED ${f.ids.join(', ')}: ${f.error}`)
}

export interface RunRecord {
  readonly node: string
  readonly cpus: string
  readonly started: string
  readonly finished?: string
  readonly filter?: string
}

/**
 * Writes the run so far (called after every measurement, so a crash or a kill keeps what was
 * measured). Written to a temporary file and renamed, so a reader never sees half a file.
 */
export function writeResults(
  path: string,
  run: RunRecord,
  results: readonly BenchResult[],
  failures: readonly BenchFailure[],
): void {
  mkdirSync(dirname(path), { recursive: true })
  const json = { run, results: resolve(results), failures }
  const tmp = `${path}.tmp`
  writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`)
  renameSync(tmp, path)
}
