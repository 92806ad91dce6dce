// Benchmark client: after `warmup` calls, makes `n` sequential calls of Echo on the service
// named by argv[1] (package.service) and prints one line with the round-trip times measured
// inside the guest (dispatch_ until read_one_ hands back the result), monotonic clock, in ns:
//   bench n=<n> p50_ns=<..> p99_ns=<..> total_ns=<..> p90_ns=<..> p999_ns=<..> max_ns=<..>
//   slow_n=<..> slow_ns=<..>
// slow_*: the calls over 4x the p50 and their summed time, which says how much of the mean
// (total/n) the tail makes (on a busy machine: most of it, in a few calls of milliseconds).
// argv: [1] target service (default test.v1.echo), [2] n (default 10000), [3] warmup (1000).

import {
  args,
  dispatch,
  EventKind,
  exitProcess,
  Fqs,
  Id,
  launch,
  locate,
  log,
  logError,
  newCallId,
  readOne,
  register,
  requireService,
} from '../../src/guest/runtime'
import { argOr, text } from '../../test/fixtures/guests/common'
import { clock_time_get } from './wasi_snapshot_preview1'

const timeBuffer = new ArrayBuffer(8)

function nowNs(): i64 {
  clock_time_get(1, 1, changetype<usize>(timeBuffer))
  return load<i64>(changetype<usize>(timeBuffer))
}

function fail(what: string, err: i32): void {
  logError(what + ' failed ' + err.toString())
  exitProcess(5)
}

function waitFor(callId: Id): void {
  while (true) {
    const ev = readOne(-1)
    if (ev.kind == EventKind.Error) fail('read_one', ev.err)
    if (ev.kind == EventKind.Exit) exitProcess(0)
    if (ev.kind == EventKind.Resolved && ev.resolved.callId.equals(callId)) {
      if (ev.resolved.resultError != 0) fail('call', ev.resolved.resultError)
      return
    }
  }
}

const argv = args()
const target = argOr(argv, 1, 'test.v1.echo')
const n = I32.parseInt(argOr(argv, 2, '10000'))
const warmup = I32.parseInt(argOr(argv, 3, '1000'))
const dot = target.lastIndexOf('.')
const pkg = target.substring(0, dot)
const svc = target.substring(dot + 1)

const me = register('bench.v1', 'client')
if (!me.ok) fail('register', me.err)
const required = requireService(me.value, [new Fqs(pkg, svc)])
if (required != 0) fail('require', required)
const launchId = newCallId()
const launched = launch(me.value, launchId)
if (launched != 0) fail('launch', launched)
waitFor(launchId)
const located = locate(pkg, svc, me.value)
if (!located.ok) fail('locate', located.err)
let method = new Id()
for (let i = 0; i < located.value.bindings.length; i++) {
  if (located.value.bindings[i].methodName == 'Echo') method = located.value.bindings[i].methodId
}
const service = located.value.serviceId
const param = text('echo:x')

const samples = new StaticArray<i64>(n)
for (let i = 0; i < warmup + n; i++) {
  // Tells the host the measured calls begin (it samples its main thread's CPU from here).
  if (i == warmup) log('bench start')
  const start = nowNs()
  const sent = dispatch(service, method, param, newCallId())
  if (!sent.ok) fail('dispatch', sent.err)
  waitFor(sent.value)
  if (i >= warmup) samples[i - warmup] = nowNs() - start
}
let total: i64 = 0
for (let i = 0; i < n; i++) total += samples[i]
const sorted = samples.slice<StaticArray<i64>>(0)
sorted.sort()
const p50 = sorted[(n * 50) / 100]
const p99 = sorted[min((n * 99) / 100, n - 1)]
let slowCount = 0
let slowTotal: i64 = 0
for (let i = 0; i < n; i++) {
  if (sorted[i] <= p50 * 4) continue
  slowCount++
  slowTotal += sorted[i]
}
log(
  'bench n=' +
    n.toString() +
    ' p50_ns=' +
    p50.toString() +
    ' p99_ns=' +
    p99.toString() +
    ' total_ns=' +
    total.toString() +
    ' p90_ns=' +
    sorted[(n * 90) / 100].toString() +
    ' p999_ns=' +
    sorted[min((n * 999) / 1000, n - 1)].toString() +
    ' max_ns=' +
    sorted[n - 1].toString() +
    ' slow_n=' +
    slowCount.toString() +
    ' slow_ns=' +
    slowTotal.toString(),
)
exitProcess(0)
