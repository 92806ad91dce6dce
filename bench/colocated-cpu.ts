// Co-located calls with the CPU time each thread of this process spent per call, read from
// /proc (other processes' load moves it far less than wall time): the bench's client and echo
// server sharing one worker, as `npm run bench -- colocated` runs them. Workers run the built
// bundle (out/main/guest-worker.js): `npm run build` first. Compare two builds by alternating
// them, one run each. Usage: node --import tsx bench/colocated-cpu.ts [calls] [runs]
import { readdirSync, readFileSync } from 'node:fs'
import { createEngine } from '../src/main/engine'
import { Supervisor } from '../src/main/runner/supervisor'
import { compileAssemblyScript, GUEST_ASC_OPTIONS } from '../test/helpers/asc'

/** Linux clock ticks per second for /proc/<pid>/task/<tid>/stat times (USER_HZ). */
const TICKS_PER_S = 100

/** CPU microseconds so far of every thread of this process, by thread id. */
function threadCpuUs(): Map<string, number> {
  const cpu = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended meanwhile
    }
    // Fields after the command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    cpu.set(tid, (ticks * 1e6) / TICKS_PER_S)
  }
  return cpu
}

const calls = Number(process.argv[2] ?? 100_000)
const runs = Number(process.argv[3] ?? 3)
const engine = createEngine()
const server = await engine.compile(
  await compileAssemblyScript('bench/guests/echo-sdk-server.ts', GUEST_ASC_OPTIONS),
  'echo-sdk-server.wasm',
)
const client = await engine.compile(
  await compileAssemblyScript('bench/guests/call-bench-client.ts', GUEST_ASC_OPTIONS),
  'call-bench-client.wasm',
)
for (let run = 0; run < runs; run++) {
  let line = ''
  const sup = new Supervisor({
    logSink: (rec) => {
      if (rec.message.startsWith('bench n=')) line = rec.message
    },
    directCalls: true,
  })
  const before = threadCpuUs()
  const [, bench] = await sup.startGroup([
    { name: 'echo', compiled: server },
    { name: 'bench', compiled: client, args: ['test.v1.echo', String(calls), '1000'] },
  ])
  await bench?.ended
  const after = threadCpuUs()
  const perCall = [...after]
    .map(([tid, us]) => ({ tid, us: (us - (before.get(tid) ?? 0)) / calls }))
    .filter((t) => t.us >= 0.05)
    .sort((a, b) => b.us - a.us)
  const figure = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1])
  const totalNs = figure('total_ns')
  console.log(
    `p50 ${(figure('p50_ns') / 1000).toFixed(1)} us, mean ${(totalNs / calls / 1000).toFixed(1)} us, ` +
      `${Math.round(calls / (totalNs / 1e9))} calls/s, p99 ${(figure('p99_ns') / 1000).toFixed(1)} us, ` +
      `max ${(figure('max_ns') / 1e6).toFixed(1)} ms, ${figure('slow_n')} calls over 4x p50 ` +
      `make ${((100 * figure('slow_ns')) / totalNs).toFixed(0)}% of the time; ` +
      `CPU us per call by thread (main = kernel): ` +
      perCall
        .map((t) => `${t.tid === String(process.pid) ? 'main' : t.tid}=${t.us.toFixed(2)}`)
        .join(' '),
  )
  await sup.stopAll(1000)
  await sup.close()
}
