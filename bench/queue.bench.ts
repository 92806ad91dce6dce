import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import DatabaseConstructor from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { better, defineQueue } from 'plainjob'
import { openQueueDatabase, walAutocheckpointPages } from '../src/main/plugins/queue/schema'
import type { SynchronousMode } from '../src/main/plugins/queue/schema'
import { QueueStore } from '../src/main/plugins/queue/store'
import type { AnyBytes } from '../src/main/plugins/queue/store'
import type { QueueMsgId } from '../src/shared/id'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const ROUNDS = 7
const ONE_AT_A_TIME = 2_000
const BATCH = 1_000
const BATCHES = 20
const PAYLOAD_BYTES = 100
const PAYLOAD: AnyBytes = {
  typeUrl: 'type.googleapis.com/bench.Payload',
  value: new Uint8Array(PAYLOAD_BYTES).fill(7),
}

/** One subject of a comparison: a round of messages (or rows), then close. */
interface Cycle {
  readonly round: () => void
  readonly close: () => void
}

/** Per subject: messages per second, and CPU microseconds per message, of each measured round. */
interface CycleRates {
  readonly rates: number[]
  readonly cpuUsPerMsg: number[]
}

/**
 * Runs the subjects in alternating rounds (after one unmeasured warm-up round each), the order
 * rotating every round, so each sees the same machine load: measured one after the other, the
 * load of a shared machine moved the floor and the figure apart by up to 5x between them.
 * Each subject has its own file in its own temporary directory.
 */
function alternating(
  subjects: readonly ((file: string) => Cycle)[],
  perRound = ONE_AT_A_TIME,
): CycleRates[] {
  const dirs = subjects.map(() => mkdtempSync(join(tmpdir(), 'parigot-queue-bench-')))
  const cycles: Cycle[] = []
  try {
    subjects.forEach((open, i) => cycles.push(open(join(dirs[i]!, 'queues.sqlite'))))
    const out = cycles.map((): CycleRates => ({ rates: [], cpuUsPerMsg: [] }))
    for (let r = 0; r <= ROUNDS; r++) {
      for (let k = 0; k < cycles.length; k++) {
        const i = (r + k) % cycles.length
        const cpu = process.cpuUsage()
        const start = process.hrtime.bigint()
        cycles[i]!.round()
        const seconds = Number(process.hrtime.bigint() - start) / 1e9
        const used = process.cpuUsage(cpu)
        if (r === 0) continue
        out[i]!.rates.push(perRound / seconds)
        out[i]!.cpuUsPerMsg.push((used.user + used.system) / perRound)
      }
    }
    return out
  } finally {
    for (const c of cycles) c.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * send -> receive -> mark_done through QueueStore, one message at a time. Folded (how a
 * consumer that loops should call it): each receive carries the acknowledgement of the message
 * before (receive_ with ReceiveRequest.done), so a message costs two commits, send and
 * receive+ack; unfolded: three, send, receive and mark_done.
 */
function storeCycle(synchronous: SynchronousMode, folded: boolean): (file: string) => Cycle {
  return (file) => {
    const store = new QueueStore(openQueueDatabase(file, { synchronous, busyTimeoutMs: 5000 }))
    const q = store.createQueue('bench')
    if (!q.ok) throw new Error(q.error)
    const id = q.value.id
    const round = (): void => {
      let previous: QueueMsgId[] = []
      for (let i = 0; i < ONE_AT_A_TIME; i++) {
        if (!store.send(id, [{ payload: PAYLOAD }]).ok) throw new Error('send failed')
        if (folded) {
          const got = store.markDoneAndReceive(id, previous, 1)
          if (!got.ok || got.value.messages.length !== 1) throw new Error('receive failed')
          previous = [got.value.messages[0]!.msgId]
        } else {
          const got = store.receive(id, 1)
          if (!got.ok || got.value.length !== 1) throw new Error('receive failed')
          if (!store.markDone(id, [got.value[0]!.msgId]).ok) throw new Error('mark done failed')
        }
      }
      // The round's last acknowledgement, so every message of the round is done in it.
      if (previous.length > 0 && !store.markDone(id, previous).ok) {
        throw new Error('mark done failed')
      }
    }
    return { round, close: () => store.close() }
  }
}

/** Messages per second of batched sends (one transaction per batch). */
function batched(synchronous: SynchronousMode): (file: string) => Cycle {
  return (file) => {
    const store = new QueueStore(openQueueDatabase(file, { synchronous, busyTimeoutMs: 5000 }))
    const q = store.createQueue('bench')
    if (!q.ok) throw new Error(q.error)
    const id = q.value.id
    const batch = Array.from({ length: BATCH }, () => ({ payload: PAYLOAD }))
    const round = (): void => {
      for (let i = 0; i < BATCHES; i++) {
        if (!store.send(id, batch).ok) throw new Error('send failed')
      }
    }
    return { round, close: () => store.close() }
  }
}

/** A bare better-sqlite3 connection with the plugin's pragmas (schema.ts openQueueDatabase). */
function plainDatabase(file: string): Database {
  const db = new DatabaseConstructor(file, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma(`wal_autocheckpoint = ${walAutocheckpointPages('NORMAL')}`)
  db.pragma('foreign_keys = ON')
  return db
}

/**
 * The floor of one-at-a-time durability: three autocommit statements per message (insert, claim
 * the oldest unclaimed row, delete it) on a minimal table, the plugin's pragmas.
 */
function sqliteCycle(file: string): Cycle {
  const db = plainDatabase(file)
  db.exec(`CREATE TABLE job (id INTEGER PRIMARY KEY, claimed INTEGER NOT NULL DEFAULT 0,
             payload BLOB NOT NULL);
           CREATE INDEX job_unclaimed ON job (claimed, id);`)
  const insert = db.prepare('INSERT INTO job (payload) VALUES (?)')
  const claim = db
    .prepare(
      `UPDATE job SET claimed = 1 WHERE id =
         (SELECT id FROM job WHERE claimed = 0 ORDER BY id LIMIT 1) RETURNING id, payload`,
    )
    .raw(true)
  const remove = db.prepare('DELETE FROM job WHERE id = ?')
  const round = (): void => {
    for (let i = 0; i < ONE_AT_A_TIME; i++) {
      insert.run(PAYLOAD.value)
      const row = claim.get() as [number, Uint8Array] | undefined
      if (row === undefined) throw new Error('claim found nothing')
      remove.run(row[0])
    }
  }
  return { round, close: () => db.close() }
}

/** The floor of batched enqueue: BATCH rows per transaction into a rowid table. */
function sqliteBulk(file: string): Cycle {
  const db = plainDatabase(file)
  db.exec('CREATE TABLE job (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)')
  const insert = db.prepare('INSERT INTO job (payload) VALUES (?)')
  const insertBatch = db.transaction(() => {
    for (let i = 0; i < BATCH; i++) insert.run(PAYLOAD.value)
  })
  const round = (): void => {
    for (let i = 0; i < BATCHES; i++) insertBatch.immediate()
  }
  return { round, close: () => db.close() }
}

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} }

/** plainjob (npm): add -> getAndMarkJobAsProcessing -> markJobAsDone, one job at a time. */
function plainjob(file: string): Cycle {
  const db = new DatabaseConstructor(file, { timeout: 5000 })
  const queue = defineQueue({ connection: better(db), logger: silent })
  const data = 'x'.repeat(PAYLOAD_BYTES)
  const round = (): void => {
    for (let i = 0; i < ONE_AT_A_TIME; i++) {
      queue.add('bench', data)
      const job = queue.getAndMarkJobAsProcessing('bench')
      if (job === undefined) throw new Error('plainjob gave no job')
      queue.markJobAsDone(job.id)
    }
  }
  return {
    round,
    close: () => {
      queue.close()
      db.close()
    },
  }
}

const mode = (synchronous: SynchronousMode) =>
  `journal_mode=WAL, synchronous=${synchronous}, wal_autocheckpoint=${walAutocheckpointPages(synchronous)} pages, ${PAYLOAD_BYTES}-byte payload, file in ${tmpdir()}`
const oneSetting = `median of ${ROUNDS} rounds x ${ONE_AT_A_TIME} msgs one at a time`
const batchSetting = `median of ${ROUNDS} rounds x ${BATCHES} batches of ${BATCH}, one transaction each`

function result(
  id: string,
  rates: number[],
  unit: string,
  setting: string,
  extra: Partial<BenchResult> = {},
): BenchResult {
  return { id, value: median(rates), unit, better: 'higher', setting, ...extra }
}

/** The CPU time per message of a subject's rounds (median), for the JSON. */
const cpuDetail = (r: CycleRates): Record<string, number> => ({
  'cpu-us-per-msg': Math.round(median(r.cpuUsPerMsg) * 10) / 10,
})

const alternatingSetting = `${oneSetting}, rounds alternating between the floor, plainjob and both QueueStore cycles (order rotating)`

export const queueBenchmark: Benchmark = {
  name: 'queue',
  measurements: [
    {
      ids: [
        'floor-sqlite-cycle-msgs-per-s',
        'peer-plainjob-jobs-per-s',
        'queue-durable-msgs-per-s',
        'queue-durable-unfolded-msgs-per-s',
      ],
      run: async () => {
        const [floor, peer, folded, unfolded] = alternating([
          sqliteCycle,
          plainjob,
          storeCycle('NORMAL', true),
          storeCycle('NORMAL', false),
        ]) as [CycleRates, CycleRates, CycleRates, CycleRates]
        return [
          result(
            'floor-sqlite-cycle-msgs-per-s',
            floor.rates,
            'msg/s',
            `${alternatingSetting}: plain better-sqlite3 insert, claim (UPDATE ... RETURNING the oldest unclaimed), delete, 3 autocommits per msg, ${mode('NORMAL')}`,
            { detail: cpuDetail(floor) },
          ),
          result(
            'peer-plainjob-jobs-per-s',
            peer.rates,
            'jobs/s',
            `${alternatingSetting}: plainjob ${'0.0.14'} add -> getAndMarkJobAsProcessing -> markJobAsDone (its own pragmas: WAL, synchronous NORMAL), ${PAYLOAD_BYTES}-char string`,
            { detail: cpuDetail(peer) },
          ),
          result(
            'queue-durable-msgs-per-s',
            folded.rates,
            'msg/s',
            `${alternatingSetting}: send, then receive carrying the previous message's mark_done (2 commits per msg), through QueueStore, ${mode('NORMAL')}`,
            {
              baseline: 'floor-sqlite-cycle-msgs-per-s',
              targets: [
                { kind: 'min-ratio', of: 'floor-sqlite-cycle-msgs-per-s', ratio: 1.3 },
                { kind: 'min-ratio', of: 'peer-plainjob-jobs-per-s', ratio: 2 },
              ],
              detail: cpuDetail(folded),
            },
          ),
          result(
            'queue-durable-unfolded-msgs-per-s',
            unfolded.rates,
            'msg/s',
            `${alternatingSetting}: send -> receive -> mark_done as three calls (3 commits per msg), through QueueStore, ${mode('NORMAL')}`,
            { baseline: 'floor-sqlite-cycle-msgs-per-s', detail: cpuDetail(unfolded) },
          ),
        ]
      },
    },
    {
      ids: ['floor-sqlite-bulk-rows-per-s', 'queue-batch-enqueue-msgs-per-s'],
      run: async () => {
        const [floor, queue] = alternating([sqliteBulk, batched('NORMAL')], BATCH * BATCHES) as [
          CycleRates,
          CycleRates,
        ]
        return [
          result(
            'floor-sqlite-bulk-rows-per-s',
            floor.rates,
            'rows/s',
            `${batchSetting}, rounds alternating with the QueueStore batches: plain better-sqlite3 INSERT into (id INTEGER PRIMARY KEY, payload BLOB), ${mode('NORMAL')}`,
          ),
          result(
            'queue-batch-enqueue-msgs-per-s',
            queue.rates,
            'msg/s',
            `${batchSetting}, rounds alternating with the plain bulk insert: send through QueueStore, ${mode('NORMAL')}`,
            {
              baseline: 'floor-sqlite-bulk-rows-per-s',
              targets: [{ kind: 'min-ratio', of: 'floor-sqlite-bulk-rows-per-s', ratio: 0.5 }],
            },
          ),
        ]
      },
    },
    {
      ids: ['queue-durable-msgs-per-s-sync-full', 'queue-batch-enqueue-msgs-per-s-sync-full'],
      run: async () => {
        const [full] = alternating([storeCycle('FULL', true)]) as [CycleRates]
        return [
          result(
            'queue-durable-msgs-per-s-sync-full',
            full.rates,
            'msg/s',
            `${oneSetting}: send, then receive carrying the previous message's mark_done, through QueueStore, ${mode('FULL')} (an fsync per commit)`,
            { baseline: 'queue-durable-msgs-per-s', detail: cpuDetail(full) },
          ),
          result(
            'queue-batch-enqueue-msgs-per-s-sync-full',
            (alternating([batched('FULL')], BATCH * BATCHES) as [CycleRates])[0].rates,
            'msg/s',
            `${batchSetting}: send through QueueStore, ${mode('FULL')}`,
            { baseline: 'queue-batch-enqueue-msgs-per-s' },
          ),
        ]
      },
    },
  ],
}
