/**
 * Reads the stage probe's stamps (src/main/kernel/transport/stage-probe.ts, every thread and
 * process of a run) and prints, for the calls stamped at every stage, the median time from each
 * stage to the next, and the median of the whole, so a remote call is accounted for stage by
 * stage. The serving host's stamps under its own call ids are joined through its aliases.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { median } from './stats'

/** A remote call's stages, in the order they happen. */
export const REMOTE_STAGES = [
  'guest dispatch_',
  'caller kernel: stand-in took the call',
  'caller main: request written',
  'serving main: request received',
  'serving kernel: call dispatched, callee woken',
  'callee read_one_ got the call',
  'callee return_value_',
  'serving kernel: result collected',
  'serving main: reply written',
  'caller main: reply received',
  'caller kernel: result handed to the caller',
  'guest read_one_ got the result',
] as const

export interface StageRow {
  readonly from: string
  readonly to: string
  readonly medianUs: number
}

export interface StageReport {
  /** Calls stamped at every stage. */
  readonly calls: number
  readonly rows: readonly StageRow[]
  readonly totalUs: number
}

export async function stageReport(
  dir: string,
  stages: readonly string[] = REMOTE_STAGES,
): Promise<StageReport> {
  const byCall = new Map<string, Map<string, number>>()
  const aliases = new Map<string, string>()
  const lines: [string, string, number | string][] = []
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.jsonl')) continue
    const text = await readFile(join(dir, file), 'utf8')
    for (const line of text.split('\n'))
      if (line !== '') lines.push(JSON.parse(line) as [string, string, number | string])
  }
  for (const [stage, call, value] of lines)
    if (stage === 'alias' && typeof value === 'string') aliases.set(call, value)
  for (const [stage, call, value] of lines) {
    if (stage === 'alias' || typeof value !== 'number') continue
    const key = aliases.get(call) ?? call
    let stamps = byCall.get(key)
    if (stamps === undefined) byCall.set(key, (stamps = new Map()))
    stamps.set(stage, value)
  }
  const complete = [...byCall.values()].filter((s) => stages.every((stage) => s.has(stage)))
  const at = (s: Map<string, number>, i: number) => s.get(stages[i] as string) as number
  const rows = stages.slice(1).map((to, i) => ({
    from: stages[i] as string,
    to,
    medianUs: complete.length === 0 ? NaN : median(complete.map((s) => at(s, i + 1) - at(s, i))),
  }))
  const last = stages.length - 1
  const totalUs = complete.length === 0 ? NaN : median(complete.map((s) => at(s, last) - at(s, 0)))
  return { calls: complete.length, rows, totalUs }
}

export function formatStageReport(report: StageReport): string {
  const width = Math.max(...report.rows.map((r) => r.to.length))
  return [
    `stage breakdown (medians over ${report.calls} calls stamped at every stage; µs since the stage before):`,
    ...report.rows.map((r) => `  ${r.to.padEnd(width)}  ${r.medianUs.toFixed(0).padStart(6)}`),
    `  ${'whole call (median of the sums)'.padEnd(width)}  ${report.totalUs.toFixed(0).padStart(6)}`,
  ].join('\n')
}
