/**
 * `placement = "auto"`: group the most-called pairs of services into one worker thread, from the
 * call counts a previous run saved. The counts file lives in the deployment's data dir and is
 * untrusted input: a bad file is reported with its path and ignored, never fatal.
 */
import { readFileSync, writeFileSync, mkdirSync, statSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ServiceConfig } from '../../shared/deploy-config/types'
import type { Kernel } from '../kernel/kernel'
import { LOCAL_HOST } from './cluster-placement'

/** One measured pair: how many calls `caller` made to `callee` in a run. */
export interface PairCount {
  readonly caller: string
  readonly callee: string
  readonly calls: number
}

/** Files larger than this are not read (a deployment has few pairs). */
export const MAX_PLACEMENT_FILE_BYTES = 256 * 1024
/** Pairs kept in the file, the most-called first. */
export const MAX_PLACEMENT_PAIRS = 1024
/** Services in one automatic group at most: they take turns on one thread. */
export const MAX_AUTO_GROUP = 4
const NAME = /^[A-Za-z0-9_.-]{1,128}$/

/** The saved counts, or why the file was ignored (`undefined` counts and problem: no file yet). */
export function readPlacementCounts(path: string): {
  readonly counts?: readonly PairCount[]
  readonly problem?: string
} {
  let size: number
  try {
    size = statSync(path).size
  } catch {
    return {}
  }
  if (size > MAX_PLACEMENT_FILE_BYTES)
    return {
      problem: `${path}: ${size} bytes, over the ${MAX_PLACEMENT_FILE_BYTES}-byte cap; ignored`,
    }
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    return { problem: `${path}: not JSON (${(err as Error).message}); ignored` }
  }
  const pairs = (parsed as { pairs?: unknown } | null)?.pairs
  if (!Array.isArray(pairs)) return { problem: `${path}: no "pairs" array; ignored` }
  if (pairs.length > MAX_PLACEMENT_PAIRS)
    return {
      problem: `${path}: ${pairs.length} pairs, over the cap of ${MAX_PLACEMENT_PAIRS}; ignored`,
    }
  const counts: PairCount[] = []
  for (const [i, p] of pairs.entries()) {
    const { caller, callee, calls } = (p ?? {}) as Record<string, unknown>
    if (
      typeof caller !== 'string' ||
      !NAME.test(caller) ||
      typeof callee !== 'string' ||
      !NAME.test(callee)
    )
      return { problem: `${path}: pairs[${i}] needs "caller" and "callee" service names; ignored` }
    if (typeof calls !== 'number' || !Number.isSafeInteger(calls) || calls < 0)
      return { problem: `${path}: pairs[${i}].calls must be a non-negative integer; ignored` }
    counts.push({ caller, callee, calls })
  }
  return { counts }
}

/** Saves `counts` (the most-called first, bounded) atomically: a crash leaves the old file. */
export function writePlacementCounts(path: string, counts: readonly PairCount[]): void {
  const pairs = [...counts]
    .filter((c) => c.calls > 0 && c.caller !== c.callee)
    .sort((a, b) => b.calls - a.calls)
    .slice(0, MAX_PLACEMENT_PAIRS)
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp`
  writeFileSync(tmp, JSON.stringify({ version: 1, pairs }, null, 1))
  renameSync(tmp, path)
}

export interface PlacementPlan {
  /** Service name → the automatic worker name, for services that now share one. */
  readonly workers: ReadonlyMap<string, string>
  /** One info line per group (or one saying there are no counts yet). */
  readonly lines: readonly string[]
}

/**
 * Groups services without an explicit `worker` greedily, most-called pairs first (union-find),
 * keeping the rules: at most one main/test per worker, one host per worker, MAX_AUTO_GROUP.
 */
export function planPlacement(
  services: readonly ServiceConfig[],
  counts: readonly PairCount[] | undefined,
  maxGroup = MAX_AUTO_GROUP,
): PlacementPlan {
  if (counts === undefined || counts.length === 0)
    return {
      workers: new Map(),
      lines: [
        'placement auto: no call counts yet; every service runs alone, counts are saved at the end of this run',
      ],
    }
  const byName = new Map(services.filter((s) => s.worker === undefined).map((s) => [s.name, s]))
  const parent = new Map<string, string>()
  const members = new Map<string, string[]>()
  const why = new Map<string, string[]>()
  for (const name of byName.keys()) {
    parent.set(name, name)
    members.set(name, [name])
    why.set(name, [])
  }
  const root = (n: string): string => {
    let r = n
    while (parent.get(r) !== r) r = parent.get(r) as string
    return r
  }
  // Both directions of a pair add up: a call either way is a thread hop saved.
  const pairTotals = new Map<string, { a: string; b: string; calls: number }>()
  for (const c of counts) {
    if (!byName.has(c.caller) || !byName.has(c.callee) || c.caller === c.callee) continue
    const [a, b] = [c.caller, c.callee].sort() as [string, string]
    const key = `${a}\u0000${b}`
    const t = pairTotals.get(key) ?? { a, b, calls: 0 }
    t.calls += c.calls
    pairTotals.set(key, t)
  }
  const sorted = [...pairTotals.values()]
    .filter((p) => p.calls > 0)
    .sort((x, y) => y.calls - x.calls || x.a.localeCompare(y.a) || x.b.localeCompare(y.b))
  for (const p of sorted) {
    const ra = root(p.a)
    const rb = root(p.b)
    if (ra === rb) continue
    const group = [...(members.get(ra) ?? []), ...(members.get(rb) ?? [])]
    const svc = group.map((n) => byName.get(n) as ServiceConfig)
    if (group.length > maxGroup) continue
    if (svc.filter((s) => s.role !== 'server').length > 1) continue
    if (new Set(svc.map((s) => s.host ?? LOCAL_HOST)).size > 1) continue
    parent.set(rb, ra)
    members.set(ra, group)
    members.delete(rb)
    why.set(ra, [...(why.get(ra) ?? []), ...(why.get(rb) ?? []), `${p.a}↔${p.b} ${p.calls} calls`])
  }
  const workers = new Map<string, string>()
  const lines: string[] = []
  for (const [r, group] of members) {
    if (group.length < 2) continue
    group.sort()
    const worker = `auto-${group[0] as string}`
    for (const n of group) workers.set(n, worker)
    lines.push(
      `placement auto: ${group.join(', ')} share worker "${worker}" (${(why.get(r) ?? []).join('; ')})`,
    )
  }
  if (lines.length === 0)
    lines.push('placement auto: no pair is worth sharing a worker; every service runs alone')
  return { workers, lines }
}

/** Where a deployment keeps its call counts for `placement = "auto"`. */
export function placementFile(dataDir: string): string {
  return join(dataDir, '.parigot', 'placement.json')
}

/**
 * Counts a run's calls per (caller program, callee program) from the kernel's `call-started`
 * events, naming each side once per id (a cache, so a call costs two map lookups).
 */
export class CallCounter {
  private readonly counts = new Map<string, { caller: string; callee: string; calls: number }>()
  private readonly names = new Map<string, string | undefined>()

  constructor(private readonly nameOf: (key: string) => string | undefined) {}

  add(caller: string, target: string): void {
    const from = this.name(caller)
    const to = this.name(target)
    if (from === undefined || to === undefined || from === to) return
    const key = `${from}\u0000${to}`
    const pair = this.counts.get(key)
    if (pair !== undefined) pair.calls++
    else if (this.counts.size < MAX_PLACEMENT_PAIRS)
      this.counts.set(key, { caller: from, callee: to, calls: 1 })
  }

  pairs(): PairCount[] {
    return [...this.counts.values()]
  }

  private name(key: string): string | undefined {
    if (!this.names.has(key)) this.names.set(key, this.nameOf(key))
    return this.names.get(key)
  }
}

export interface AutoPlacement {
  /** The services, with the workers the last run's counts suggest. */
  readonly services: ServiceConfig[]
  /** Counts this run's calls (fed with the kernel's `call-started` events). */
  readonly counter: CallCounter
  /** Keeps this run's counts for the next run (never fatal; says where, or why not). */
  save(): void
}

/**
 * `placement = "auto"` for one run: reads the last run's counts (a bad file is said and
 * ignored), says each group in one line, and counts this run's calls for the next.
 */
export function placeAutomatically(
  dataDir: string,
  services: readonly ServiceConfig[],
  kernel: () => Kernel | undefined,
  log: (level: 'info' | 'warn', message: string) => void,
): AutoPlacement {
  const file = placementFile(dataDir)
  const { counts, problem } = readPlacementCounts(file)
  if (problem !== undefined) log('warn', `placement auto: ${problem}`)
  const plan = planPlacement(services, counts)
  for (const line of plan.lines) log('info', line)
  // Callers are named by their first service's key, or their host's key before they have one.
  const counter = new CallCounter((key) => {
    const k = kernel()
    const service = k?.serviceByIdString(key)
    if (service !== undefined) return service.host.name
    for (const s of k?.allServices() ?? []) if (s.host.key === key) return s.host.name
    return undefined
  })
  return {
    services: services.map((s) => {
      const worker = plan.workers.get(s.name)
      return worker === undefined ? s : { ...s, worker }
    }),
    counter,
    save: () => {
      const pairs = counter.pairs()
      if (pairs.length === 0) return
      try {
        writePlacementCounts(file, pairs)
        log('info', `placement auto: saved the call counts of ${pairs.length} pair(s) to ${file}`)
      } catch (err) {
        log('warn', `placement auto: cannot save ${file}: ${(err as Error).message}`)
      }
    },
  }
}
