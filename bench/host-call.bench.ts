import { readFile } from 'node:fs/promises'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { EmptySchema } from '@bufbuild/protobuf/wkt'
import { createEngine, createMemoryLogger, invokeAdapter } from '../src/main/engine'
import { KERNEL_ABI_ERRORS } from '../src/main/kernel/abi-errors'
import { IdRawSchema } from '../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { LocateRequestSchema } from '../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { assembleWat } from '../test/helpers/wat'
import { median, sampleRounds } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const CALLS_PER_ROUND = 100_000
const ROUNDS = 31
const WARMUP = 5
// Where the fixture's loop_noop puts its (empty) request.
const REQUEST_PTR = 1024
const REQUEST_LEN = 0

/**
 * host-call-noop-ns: a no-op host call through the invoke adapter; beside it, in the same
 * rounds, a bare import (raw-import-call-ns) and the floor: decoding the same request in place
 * from the guest's memory (floor-protobuf-decode-ns).
 */
async function hostCall(): Promise<BenchResult[]> {
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
  let seen = 0
  engine.registerHostFunction(
    invokeAdapter({
      module: 'bench',
      name: 'locate_',
      request: LocateRequestSchema,
      errors: KERNEL_ABI_ERRORS,
      impl: (_ctx, request) => {
        seen += request.serviceName.length
        return 0
      },
    }),
  )
  const source = await readFile(new URL('./fixtures/host-call-bench.wat', import.meta.url), 'utf8')
  const compiled = await engine.compile(await assembleWat(source), 'host-call-bench.wat')
  const guest = engine.instantiate(compiled, {
    serviceName: 'bench',
    logger: createMemoryLogger().logger,
  })
  const loopRaw = guest.exports['loop_raw'] as (n: number) => void
  const loopNoop = guest.exports['loop_noop'] as (n: number) => void
  const loopLocate = guest.exports['loop_locate'] as (n: number, len: number) => void
  const memory = guest.exports['memory'] as WebAssembly.Memory
  const locate = toBinary(
    LocateRequestSchema,
    create(LocateRequestSchema, {
      packageName: 'greeting.v1',
      serviceName: 'greeting',
      calledBy: create(IdRawSchema, { high: 0x7365727669636501n, low: 42n }),
    }),
  )
  new Uint8Array(memory.buffer).set(locate, REQUEST_PTR)
  let sink = 0
  const decodeLoop = (n: number) => {
    const bytes = new Uint8Array(memory.buffer)
    for (let i = 0; i < n; i++) {
      const view = bytes.subarray(REQUEST_PTR, REQUEST_PTR + REQUEST_LEN)
      const message = fromBinary(EmptySchema, view)
      if (message.$typeName.length > 0) sink++
    }
  }
  const decodeLocateLoop = (n: number) => {
    const bytes = new Uint8Array(memory.buffer)
    for (let i = 0; i < n; i++) {
      const view = bytes.subarray(REQUEST_PTR, REQUEST_PTR + locate.length)
      sink += fromBinary(LocateRequestSchema, view).serviceName.length
    }
  }
  const perCall = (samples: number[]) => median(samples) / CALLS_PER_ROUND
  // Interleaved so that all three see the same machine state (turbo, other load).
  const raw: number[] = []
  const noop: number[] = []
  const decode: number[] = []
  const locateCall: number[] = []
  const locateDecode: number[] = []
  for (let i = 0; i < 3; i++) {
    raw.push(...sampleRounds(ROUNDS, WARMUP, () => loopRaw(CALLS_PER_ROUND)))
    noop.push(...sampleRounds(ROUNDS, WARMUP, () => loopNoop(CALLS_PER_ROUND)))
    decode.push(...sampleRounds(ROUNDS, WARMUP, () => decodeLoop(CALLS_PER_ROUND)))
    locateCall.push(
      ...sampleRounds(ROUNDS, WARMUP, () => loopLocate(CALLS_PER_ROUND, locate.length)),
    )
    locateDecode.push(...sampleRounds(ROUNDS, WARMUP, () => decodeLocateLoop(CALLS_PER_ROUND)))
  }
  if (seen === 0 || sink === 0) throw new Error('the locate request was not decoded')
  const setting = `median of ${raw.length} rounds x ${CALLS_PER_ROUND} calls, (i32 x4)->i64, empty request, in-thread`
  return [
    {
      id: 'floor-protobuf-decode-ns',
      value: perCall(decode),
      unit: 'ns',
      better: 'lower',
      setting: `median of ${decode.length} rounds x ${CALLS_PER_ROUND}: fromBinary(EmptySchema) of the request's ${REQUEST_LEN} bytes as a view of the guest's memory (no copy), in a JS loop`,
    },
    {
      id: 'floor-protobuf-decode-locate-ns',
      value: perCall(locateDecode),
      unit: 'ns',
      better: 'lower',
      setting: `the same for a ${locate.length}-byte syscall.v1.LocateRequest (two strings, an IdRaw)`,
    },
    {
      id: 'host-call-locate-ns',
      value: perCall(locateCall),
      unit: 'ns',
      better: 'lower',
      setting: `${setting.replace('empty request', `${locate.length}-byte LocateRequest`)}, via invoke adapter, the implementation reads a field`,
      baseline: 'floor-protobuf-decode-locate-ns',
      targets: [{ kind: 'max-ratio', of: 'floor-protobuf-decode-locate-ns', ratio: 2 }],
    },
    { id: 'raw-import-call-ns', value: perCall(raw), unit: 'ns', better: 'lower', setting },
    {
      id: 'host-call-noop-ns',
      value: perCall(noop),
      unit: 'ns',
      better: 'lower',
      setting: `${setting}, via invoke adapter (bounds checks, decode, impl, error word)`,
      baseline: 'floor-protobuf-decode-ns',
      targets: [{ kind: 'max-ratio', of: 'floor-protobuf-decode-ns', ratio: 2 }],
    },
  ]
}

export const hostCallBenchmark: Benchmark = {
  name: 'host call',
  measurements: [
    {
      ids: [
        'floor-protobuf-decode-ns',
        'raw-import-call-ns',
        'host-call-noop-ns',
        'floor-protobuf-decode-locate-ns',
        'host-call-locate-ns',
      ],
      run: hostCall,
    },
  ],
}
