import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openQueueDatabase, walAutocheckpointPages } from '../src/main/plugins/queue/schema'
import type { SynchronousMode } from '../src/main/plugins/queue/schema'
import { QueueStore } from '../src/main/plugins/queue/store'
import type { AnyBytes } from '../src/main/plugins/queue/store'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const ROUNDS = 7
const ONE_AT_A_TIME = 2_000
const BATCH = 1_000
const BATCHES = 20
const PAYLOAD: AnyBytes = {
  typeUrl: 'type.googleapis.com/bench.Payload',
  value: new Uint8Array(100).fill(7),
}

function withStore<T>(synchronous: SynchronousMode, body: (store: QueueStore) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'parigot-queue-bench-'))
  const store = new QueueStore(
    openQueueDatabase(join(dir, 'queues.sqlite'), { synchronous, busyTimeoutMs: 5000 }),
  )
  try {
    return body(store)
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Messages per second of each round's send -> receive -> mark_done, one message at a time. */
function oneAtATime(synchronous: SynchronousMode): number[] {
  return withStore(synchronous, (store) => {
    const q = store.createQueue('bench')
    if (!q.ok) throw new Error(q.error)
    const id = q.value.id
    const rates: number[] = []
    for (let round = 0; round <= ROUNDS; round++) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < ONE_AT_A_TIME; i++) {
        if (!store.send(id, [{ payload: PAYLOAD }]).ok) throw new Error('send failed')
        const got = store.receive(id, 1)
        if (!got.ok || got.value.length !== 1) throw new Error('receive failed')
        if (!store.markDone(id, [got.value[0]!.msgId]).ok) throw new Error('mark done failed')
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (round > 0) rates.push(ONE_AT_A_TIME / seconds) // round 0 warms up
    }
    return rates
  })
}

/** Messages per second of batched sends (one transaction per batch). */
function batched(synchronous: SynchronousMode): number[] {
  return withStore(synchronous, (store) => {
    const q = store.createQueue('bench')
    if (!q.ok) throw new Error(q.error)
    const batch = Array.from({ length: BATCH }, () => ({ payload: PAYLOAD }))
    const rates: number[] = []
    for (let round = 0; round <= ROUNDS; round++) {
      const start = process.hrtime.bigint()
      for (let i = 0; i < BATCHES; i++) {
        if (!store.send(q.value.id, batch).ok) throw new Error('send failed')
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      if (round > 0) rates.push((BATCH * BATCHES) / seconds)
    }
    return rates
  })
}

/**
 * queue-durable-msgs-per-s and queue-batch-enqueue-msgs-per-s: the queue store on a real file in
 * the temp directory, WAL journal, with the plugin's default synchronous mode (NORMAL) and, for
 * comparison, FULL (an fsync per commit).
 */
export const queueBenchmark: Benchmark = {
  name: 'queue',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = []
    const oneTarget = '>= 15000 msg/s one at a time, durable (DESIGN 9)'
    const batchTarget = '>= 100000 msg/s batched enqueue (DESIGN 9)'
    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      const suffix = synchronous === 'NORMAL' ? '' : '-sync-full'
      const mode =
        `journal_mode=WAL, synchronous=${synchronous}, ` +
        `wal_autocheckpoint=${walAutocheckpointPages(synchronous)} pages, 100-byte payload, ` +
        `file in ${tmpdir()}`
      results.push({
        id: `queue-durable-msgs-per-s${suffix}`,
        value: median(oneAtATime(synchronous)),
        unit: 'msg/s',
        better: 'higher',
        setting: `median of ${ROUNDS} rounds x ${ONE_AT_A_TIME} msgs, send -> receive -> mark_done one at a time (3 transactions per msg) through QueueStore, ${mode}`,
        target: oneTarget,
      })
      results.push({
        id: `queue-batch-enqueue-msgs-per-s${suffix}`,
        value: median(batched(synchronous)),
        unit: 'msg/s',
        better: 'higher',
        setting: `median of ${ROUNDS} rounds x ${BATCHES} sends of ${BATCH} msgs (one transaction each) through QueueStore, ${mode}`,
        target: batchTarget,
      })
    }
    return results
  },
}
