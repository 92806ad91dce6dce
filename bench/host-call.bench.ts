import { readFile } from 'node:fs/promises'
import { EmptySchema } from '@bufbuild/protobuf/wkt'
import { createEngine, createMemoryLogger, invokeAdapter } from '../src/main/engine'
import { KERNEL_ABI_ERRORS } from '../src/main/kernel/abi-errors'
import { assembleWat } from '../test/helpers/wat'
import { median, sampleRounds } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const CALLS_PER_ROUND = 100_000
const ROUNDS = 31
const WARMUP = 5

/** host-call-noop-ns: a no-op host call through the invoke adapter, against a bare import. */
export const hostCallBenchmark: Benchmark = {
  name: 'host call',
  async run(): Promise<BenchResult[]> {
    const engine = createEngine()
    engine.registerHostFunction({ module: 'bench', name: 'raw_', bind: () => () => 0n })
    engine.registerHostFunction(
      invokeAdapter({
        module: 'bench',
        name: 'noop_',
        request: EmptySchema,
        errors: KERNEL_ABI_ERRORS,
        impl: () => 0,
      }),
    )
    const source = await readFile(
      new URL('./fixtures/host-call-bench.wat', import.meta.url),
      'utf8',
    )
    const compiled = await engine.compile(await assembleWat(source), 'host-call-bench.wat')
    const guest = engine.instantiate(compiled, {
      serviceName: 'bench',
      logger: createMemoryLogger().logger,
    })
    const loopRaw = guest.exports['loop_raw'] as (n: number) => void
    const loopNoop = guest.exports['loop_noop'] as (n: number) => void
    const perCall = (samples: number[]) => median(samples) / CALLS_PER_ROUND
    // Interleave so that both see the same machine state (turbo, other load).
    const raw: number[] = []
    const noop: number[] = []
    for (let i = 0; i < 3; i++) {
      raw.push(...sampleRounds(ROUNDS, WARMUP, () => loopRaw(CALLS_PER_ROUND)))
      noop.push(...sampleRounds(ROUNDS, WARMUP, () => loopNoop(CALLS_PER_ROUND)))
    }
    const setting = `median of ${raw.length} rounds x ${CALLS_PER_ROUND} calls, (i32 x4)->i64, empty request, in-thread`
    const rawValue = perCall(raw)
    return [
      { id: 'raw-import-call-ns', value: rawValue, unit: 'ns', better: 'lower', setting },
      {
        id: 'host-call-noop-ns',
        value: perCall(noop),
        unit: 'ns',
        better: 'lower',
        setting: `${setting}, via invoke adapter (decode, impl, error word)`,
        baseline: { id: 'raw-import-call-ns', value: rawValue },
        target: '<= 1000 ns (DESIGN 9)',
      },
    ]
  },
}
