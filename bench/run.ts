// `npm run bench`: runs every measurement, each on its own (a failing one records its error and
// the run goes on), writes bench/results/latest.json after each one (a filtered run:
// bench/results/filtered.json), and prints one table where
// each figure stands next to its floor or peer from the same run, with the ratio and the verdict
// on its DESIGN.md section 9 target. `npm run bench -- <substring>[,<substring>...]` runs the
// measurements whose id or group name contains one of them.
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { callBenchmark } from './call.bench'
import { clusterBenchmark } from './cluster.bench'
import { floorsBenchmark } from './floors.bench'
import { hostCallBenchmark } from './host-call.bench'
import { logLinesBenchmark } from './log-lines.bench'
import { queueBenchmark } from './queue.bench'
import { queueJetStreamBenchmark } from './queue-jetstream.bench'
import { startupBenchmark } from './startup.bench'
import { printTable, writeResults } from './lib/report'
import type { RunRecord } from './lib/report'
import type { Benchmark, BenchFailure, BenchResult, Measurement } from './lib/result'

const benchmarks: Benchmark[] = [
  floorsBenchmark,
  hostCallBenchmark,
  callBenchmark,
  clusterBenchmark,
  queueBenchmark,
  queueJetStreamBenchmark,
  startupBenchmark,
  logLinesBenchmark,
]

const DEFAULT_TIMEOUT_MS = 180_000

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/** Runs one measurement; a throw, a rejection or a timeout becomes its recorded failure. */
async function runIsolated(m: Measurement): Promise<BenchResult[] | BenchFailure> {
  const timeoutMs = m.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<BenchFailure>((resolve) => {
    timer = setTimeout(
      () => resolve({ ids: m.ids, error: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([m.run(), timeout])
  } catch (err) {
    return { ids: m.ids, error: errorText(err) }
  } finally {
    clearTimeout(timer)
  }
}

async function main(): Promise<void> {
  const filter = process.argv[2]
  // Several substrings, comma-separated (`floor-worker,call-p`), select what any of them matches.
  const parts = filter?.split(',').filter((f) => f !== '')
  const selected = benchmarks.flatMap((b) =>
    b.measurements
      .filter(
        (m) =>
          parts === undefined ||
          parts.some((f) => b.name.includes(f) || m.ids.some((id) => id.includes(f))),
      )
      .map((m) => ({ group: b.name, m })),
  )
  if (selected.length === 0) {
    const ids = benchmarks.flatMap((b) => b.measurements.flatMap((m) => m.ids))
    console.error(`no measurement matches "${filter}"; have: ${ids.join(', ')}`)
    process.exit(2)
  }
  const run: RunRecord = {
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}`,
    started: new Date().toISOString(),
    ...(filter === undefined ? {} : { filter }),
  }
  console.log(`node ${run.node}, ${run.cpus}`)
  // A filtered run writes a file of its own: latest.json keeps the last full run's figures,
  // every one of them measured in the same run as its floor.
  const out = fileURLToPath(
    new URL(
      filter === undefined ? './results/latest.json' : './results/filtered.json',
      import.meta.url,
    ),
  )
  const results: BenchResult[] = []
  const failures: BenchFailure[] = []
  for (const { group, m } of selected) {
    const started = performance.now()
    process.stdout.write(`${group}: ${m.ids.join(', ')} ... `)
    const outcome = await runIsolated(m)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    if (Array.isArray(outcome)) {
      results.push(...outcome)
      console.log(`${seconds} s`)
    } else {
      failures.push(outcome)
      console.log(`FAILED after ${seconds} s: ${outcome.error.split('\n')[0]}`)
    }
    writeResults(out, run, results, failures)
  }
  console.log('')
  printTable(results, failures)
  writeResults(out, { ...run, finished: new Date().toISOString() }, results, failures)
  console.log(`\nwrote ${results.length} figures and ${failures.length} failures to ${out}`)
  // A timed-out measurement may have left work behind (workers, timers): the run is over.
  process.exit(0)
}

await main()
