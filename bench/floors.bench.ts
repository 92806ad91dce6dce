import { Worker } from 'node:worker_threads'
import { assembleWat } from '../test/helpers/wat'
import { median, percentile, sampleRounds } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

/** Bytes each way: an Echo dispatch with its service, method and call ids and Any param. */
export const CALL_PAYLOAD_BYTES = 128
const ROUND_TRIPS = 20_000
const ROUND_TRIP_WARMUP = 2_000

// Plain JavaScript (no loader needed in the worker): the ping side times each round trip, the
// pong side copies the request out and the reply in, as a call's two mailboxes would.
const PING_PONG = `
const { workerData, parentPort } = require('node:worker_threads')
const { sab, role, n, warmup, size } = workerData
const flags = new Int32Array(sab, 0, 2)
const data = new Uint8Array(sab, 8, size * 2)
const local = new Uint8Array(size).fill(role === 'ping' ? 1 : 2)
if (role === 'pong') {
  let seen = 0
  for (;;) {
    Atomics.wait(flags, 0, seen)
    seen = Atomics.load(flags, 0)
    if (seen === -1) break
    local.set(data.subarray(0, size))
    data.set(local, size)
    Atomics.store(flags, 1, seen)
    Atomics.notify(flags, 1)
  }
  parentPort.postMessage('done')
} else {
  const samples = new Float64Array(n)
  for (let i = 1; i <= warmup + n; i++) {
    const start = process.hrtime.bigint()
    data.set(local, 0)
    Atomics.store(flags, 0, i)
    Atomics.notify(flags, 0)
    while (Atomics.load(flags, 1) !== i) Atomics.wait(flags, 1, i - 1)
    local.set(data.subarray(size, size * 2))
    if (i > warmup) samples[i - warmup - 1] = Number(process.hrtime.bigint() - start)
  }
  Atomics.store(flags, 0, -1)
  Atomics.notify(flags, 0)
  parentPort.postMessage(samples)
}
`

function runWorker(workerData: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(PING_PONG, { eval: true, workerData })
    worker.once('message', (m) => {
      resolve(m)
      void worker.terminate()
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`ping-pong worker exited with ${code}`)))
  })
}

/** Round trips between two workers over a SharedArrayBuffer, Atomics.wait/notify, no spinning. */
async function workerRoundTrip(): Promise<BenchResult[]> {
  const rounds: { p50: number; p99: number }[] = []
  for (let round = 0; round < 3; round++) {
    const sab = new SharedArrayBuffer(8 + CALL_PAYLOAD_BYTES * 2)
    const common = { sab, n: ROUND_TRIPS, warmup: ROUND_TRIP_WARMUP, size: CALL_PAYLOAD_BYTES }
    const [samples] = await Promise.all([
      runWorker({ ...common, role: 'ping' }) as Promise<Float64Array>,
      runWorker({ ...common, role: 'pong' }),
    ])
    const values = Array.from(samples)
    rounds.push({ p50: percentile(values, 50) / 1000, p99: percentile(values, 99) / 1000 })
  }
  const setting = `median of 3 rounds x ${ROUND_TRIPS} round trips after ${ROUND_TRIP_WARMUP} warm-up: two worker threads, ${CALL_PAYLOAD_BYTES} bytes copied each way through a SharedArrayBuffer, Atomics.wait/notify (no spinning), timed in the pinging worker`
  return [
    {
      id: 'floor-worker-roundtrip-us',
      value: median(rounds.map((r) => r.p50)),
      unit: 'us',
      better: 'lower',
      setting: `p50, ${setting}`,
    },
    {
      id: 'floor-worker-roundtrip-p99-us',
      value: median(rounds.map((r) => r.p99)),
      unit: 'us',
      better: 'lower',
      setting: `p99, ${setting}`,
    },
  ]
}

const CALLER_WAT = `
(module
  (import "host" "call" (func $call (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "loop") (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $call (i32.const 1024) (i32.const ${CALL_PAYLOAD_BYTES})))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))))
`
// The callee answers in place: its reply is the request it was handed.
const CALLEE_WAT = `
(module
  (memory (export "memory") 1)
  (func (export "handle") (param $len i32) (result i32)
    (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
    (local.get $len)))
`
const INTHREAD_CALLS = 100_000

/** A guest -> host -> guest synchronous call in one thread, payload copied both ways. */
async function inThreadCall(): Promise<BenchResult[]> {
  const callee = await WebAssembly.instantiate(await assembleWat(CALLEE_WAT, 'callee.wat'))
  const calleeMemory = new Uint8Array(
    (callee.instance.exports['memory'] as WebAssembly.Memory).buffer,
  )
  const handle = callee.instance.exports['handle'] as (len: number) => number
  let callerMemory = new Uint8Array(0)
  const caller = await WebAssembly.instantiate(await assembleWat(CALLER_WAT, 'caller.wat'), {
    host: {
      call: (ptr: number, len: number): number => {
        calleeMemory.set(callerMemory.subarray(ptr, ptr + len), 0)
        const replyLen = handle(len)
        callerMemory.set(calleeMemory.subarray(0, replyLen), ptr)
        return replyLen
      },
    },
  })
  callerMemory = new Uint8Array((caller.instance.exports['memory'] as WebAssembly.Memory).buffer)
  const loop = caller.instance.exports['loop'] as (n: number) => void
  const samples = sampleRounds(31, 5, () => loop(INTHREAD_CALLS))
  return [
    {
      id: 'floor-inthread-call-us',
      value: median(samples) / INTHREAD_CALLS / 1000,
      unit: 'us',
      better: 'lower',
      setting: `median of 31 rounds x ${INTHREAD_CALLS} calls: a wasm caller calls a JS import that copies ${CALL_PAYLOAD_BYTES} bytes into a second wasm instance's memory, calls its export and copies the reply back, one thread`,
    },
  ]
}

/** The bare limits the call figures are compared with (issue 18 item 1). */
export const floorsBenchmark: Benchmark = {
  name: 'floors',
  measurements: [
    { ids: ['floor-worker-roundtrip-us', 'floor-worker-roundtrip-p99-us'], run: workerRoundTrip },
    { ids: ['floor-inthread-call-us'], run: inThreadCall },
  ],
}
