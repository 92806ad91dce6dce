/**
 * Where a call's time goes, stage by stage, across threads and processes: with
 * PARIGOT_STAGE_PROBE=DIR, each thread (a guest's worker, a host's main thread) stamps named
 * stages of each call with a clock shared by every process of the machine (`timeOrigin + now()`,
 * microseconds) and appends them to `DIR/<pid>-<thread>.jsonl`, a batch at a time. The remote
 * call bench (`npm run bench -- remote`) reads them back and prints the median of each stage
 * (bench/lib/stage-report.ts). Off (the default) it costs one branch on a constant.
 *
 * A stamp is `[stage, call, µs]`; `call` is the call id's text as the thread knows it. The
 * serving host dispatches a remote call under an id of its own, so it stamps an `alias` linking
 * that id to the caller's (`[alias, servingId, callerId]`).
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'

const DIR = globalThis.process?.env?.['PARIGOT_STAGE_PROBE']
export const PROBING = DIR !== undefined && DIR !== ''

/** Stamps kept before a batch is written (a few calls' worth; the tail of a run may be lost). */
const BATCH = 512

let stamps: string[] = []

function write(): void {
  if (DIR === undefined || stamps.length === 0) return
  const lines = stamps.join('\n') + '\n'
  stamps = []
  appendFileSync(join(DIR, `${process.pid}-${threadId}.jsonl`), lines)
}

/** Microseconds on a clock every process of this machine shares (to a few µs). */
export function probeNow(): number {
  return (performance.timeOrigin + performance.now()) * 1000
}

/** Stamps `stage` of call `call` now (or at `at`, µs from probeNow). */
export function stamp(stage: string, call: string, at = probeNow()): void {
  stamps.push(JSON.stringify([stage, call, Math.round(at * 10) / 10]))
  if (stamps.length >= BATCH) write()
}

/** The serving host's id `local` for a call is the caller's `remote`. */
export function alias(local: string, remote: string): void {
  stamps.push(JSON.stringify(['alias', local, remote]))
}

/** Writes what is left (a host closing, a guest ending). */
export function flushStamps(): void {
  write()
}
