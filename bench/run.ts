// `npm run bench`: runs every benchmark, prints one table, and writes the machine-readable
// results to bench/results/latest.json. `npm run bench -- <name-substring>` runs a subset.
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { callBenchmark } from './call.bench'
import { hostCallBenchmark } from './host-call.bench'
import { logLinesBenchmark } from './log-lines'
import { queueBenchmark } from './queue.bench'
import { printTable, writeResults } from './lib/report'
import type { Benchmark, BenchResult } from './lib/result'

const benchmarks: Benchmark[] = [
  hostCallBenchmark,
  callBenchmark,
  queueBenchmark,
  logLinesBenchmark,
]

async function main(): Promise<void> {
  const filter = process.argv[2]
  const selected = benchmarks.filter((b) => filter === undefined || b.name.includes(filter))
  if (selected.length === 0) {
    console.error(
      `no benchmark matches "${filter}"; have: ${benchmarks.map((b) => b.name).join(', ')}`,
    )
    process.exit(2)
  }
  console.log(
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`,
  )
  const results: BenchResult[] = []
  for (const benchmark of selected) {
    process.stdout.write(`running ${benchmark.name} ...\n`)
    results.push(...(await benchmark.run()))
  }
  console.log('')
  printTable(results)
  const out = fileURLToPath(new URL('./results/latest.json', import.meta.url))
  writeResults(out, results)
  console.log(`\nwrote ${results.length} results to ${out}`)
}

await main()
