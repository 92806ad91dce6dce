import { create, createRegistry, toBinary } from '@bufbuild/protobuf'
import { StringValueSchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import { join } from 'node:path'
import DatabaseConstructor from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLogger, createEngine, invokeAdapter } from '../../../src/main/engine'
import { QueueInspector } from '../../../src/main/plugins/queue/inspector'
import type { InspectorEvent } from '../../../src/main/plugins/queue/inspector'
import { createQueuePlugin, parseQueueSettings } from '../../../src/main/plugins/queue/plugin'
import {
  openQueueDatabase,
  QueueSchemaError,
  MessageState,
  SCHEMA_VERSION,
  schemaVersion,
} from '../../../src/main/plugins/queue/schema'
import { ACK_SWEEP_BATCH } from '../../../src/main/plugins/queue/statements'
import { QueueStore } from '../../../src/main/plugins/queue/store'
import type { AnyBytes, QueueInfo } from '../../../src/main/plugins/queue/store'
import { QueueErr } from '../../../src/shared/gen/parigot/queue/v1/queue_pb'
import {
  formatId,
  fromRaw,
  HIGH_DATA_MASK,
  newQueueId,
  newQueueMsgId,
} from '../../../src/shared/id'
import { tempDir } from './helpers'

const closers: { close(): void }[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c.close()
})

function open(path = join(tempDir(), 'queues.sqlite'), options = {}) {
  const clock = { ms: 1_000_000 }
  const db = openQueueDatabase(path, { synchronous: 'NORMAL', busyTimeoutMs: 2000 })
  const store = new QueueStore(db, { now: () => clock.ms, ...options })
  closers.push(store)
  return { store, clock, path }
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(r.error)
  return r.value
}

const text = (s: string): AnyBytes => ({
  typeUrl: 'type.googleapis.com/google.protobuf.StringValue',
  value: toBinary(StringValueSchema, create(StringValueSchema, { value: s })),
})

function queueWith(store: QueueStore, name: string, n: number): QueueInfo {
  const q = must(store.createQueue(name))
  must(
    store.send(
      q.id,
      Array.from({ length: n }, (_, i) => ({ payload: text(`${name}-${i}`) })),
    ),
  )
  return q
}

describe('queue store semantics', () => {
  it('visibility timeout: in-flight messages come back after the timeout, with their counts', () => {
    const { store, clock } = open(undefined, { visibilityTimeoutMs: 1000 })
    const q = queueWith(store, 'vt', 2)
    const first = must(store.receive(q.id, 1))
    expect(first).toHaveLength(1)
    expect(first[0]!.receiveCount).toBe(0)
    // The other message is still available; the first is hidden.
    const second = must(store.receive(q.id, 5))
    expect(second.map((m) => m.seq)).toEqual([2])
    expect(must(store.receive(q.id, 5))).toEqual([])
    clock.ms += 999
    expect(must(store.receive(q.id, 5))).toEqual([])
    clock.ms += 1
    const again = must(store.receive(q.id, 5))
    expect(again.map((m) => [m.seq, m.receiveCount, m.lastReceivedMs])).toEqual([
      [1, 1, 1_000_000],
      [2, 1, 1_000_000],
    ])
    expect(store.counts(q.key)).toEqual({ ready: 0, inFlight: 2, done: 0, dead: 0 })
    must(store.markDone(q.id, [again[0]!.msgId]))
    expect(store.counts(q.key)).toEqual({ ready: 0, inFlight: 1, done: 1, dead: 0 })
    expect(must(store.length(q.id))).toBe(1)
  })

  it('dead-letters after maxReceives deliveries, keeps order, and redrive brings them back', () => {
    const { store, clock } = open(undefined, { visibilityTimeoutMs: 10, maxReceives: 3 })
    const q = queueWith(store, 'dlq', 3)
    for (let i = 0; i < 3; i++) {
      expect(must(store.receive(q.id, 1)).map((m) => m.seq)).toEqual([1])
      clock.ms += 10
    }
    // The 4th visibility of message 1 dead-letters it, and the batch moves on to message 2.
    const next = must(store.receive(q.id, 2))
    expect(next.map((m) => m.seq)).toEqual([2, 3])
    expect(store.counts(q.key)).toEqual({ ready: 0, inFlight: 2, done: 0, dead: 1 })
    expect(must(store.length(q.id))).toBe(2)
    expect(must(store.redrive(q.id))).toBe(1)
    expect(store.counts(q.key)).toEqual({ ready: 1, inFlight: 2, done: 0, dead: 0 })
    const redriven = must(store.receive(q.id, 5))
    expect(redriven.map((m) => [m.seq, m.receiveCount])).toEqual([[1, 0]])
    expect(must(store.redrive(q.id))).toBe(0)
  })

  it('dead messages can still be marked done by a late consumer', () => {
    const { store, clock } = open(undefined, { visibilityTimeoutMs: 1, maxReceives: 1 })
    const q = queueWith(store, 'late', 1)
    const [m] = must(store.receive(q.id, 1))
    clock.ms += 5
    expect(must(store.receive(q.id, 1))).toEqual([])
    expect(store.counts(q.key).dead).toBe(1)
    expect(must(store.markDone(q.id, [m!.msgId]))).toEqual([])
    expect(store.counts(q.key)).toEqual({ ready: 0, inFlight: 0, done: 1, dead: 0 })
  })

  it('batch send is one transaction and keeps order; receive is bounded by maxReceiveBatch', () => {
    const { store } = open(undefined, { maxReceiveBatch: 50 })
    const q = queueWith(store, 'batch', 120)
    const got = must(store.receive(q.id, 1000))
    expect(got).toHaveLength(50)
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(new Set(got.map((m) => formatId(m.msgId))).size).toBe(50)
    expect(must(store.receive(q.id, 0))).toHaveLength(1)
    expect(
      must(
        store.markDone(
          q.id,
          got.map((m) => m.msgId),
        ),
      ),
    ).toEqual([])
    expect(must(store.length(q.id))).toBe(70)
    // A failing message (no payload) stores nothing of its batch.
    const refused = store.send(q.id, [{ payload: text('a') }, { payload: undefined }])
    expect(refused.ok === false && refused.code).toBe(QueueErr.NoPayload)
    expect(must(store.length(q.id))).toBe(70)
  })

  it('mark done reports ids of other queues or unknown ids as unmodified', () => {
    const { store } = open()
    const a = queueWith(store, 'a', 1)
    const b = queueWith(store, 'b', 1)
    const [inB] = must(store.receive(b.id, 1))
    const stranger = newQueueMsgId()
    expect(must(store.markDone(a.id, [inB!.msgId, stranger]))).toEqual([inB!.msgId, stranger])
    expect(must(store.length(b.id))).toBe(1)
  })

  it('single-id mark-done (one statement) reports foreign ids, accepts done ones, names a missing queue', () => {
    const { store } = open()
    const a = queueWith(store, 'a', 1)
    const b = queueWith(store, 'b', 1)
    const [inA] = must(store.receive(a.id, 1))
    const [inB] = must(store.receive(b.id, 1))
    expect(must(store.markDone(a.id, [inB!.msgId]))).toEqual([inB!.msgId])
    expect(must(store.markDone(a.id, [newQueueMsgId()]))).toHaveLength(1)
    expect(must(store.markDone(a.id, [inA!.msgId]))).toEqual([])
    expect(must(store.markDone(a.id, [inA!.msgId]))).toEqual([]) // already done: accepted
    expect(must(store.length(a.id))).toBe(0)
    expect(must(store.length(b.id))).toBe(1)
    const gone = store.markDone(newQueueId(), [inA!.msgId])
    expect(gone.ok === false && gone.code).toBe(QueueErr.NotFound)
    const noQueue = store.send(newQueueId(), [{ payload: text('x') }])
    expect(noQueue.ok === false && noQueue.code).toBe(QueueErr.NotFound)
  })

  it('markDoneAndReceive acknowledges, then claims, in one transaction', () => {
    const { store, clock } = open(undefined, { visibilityTimeoutMs: 1000 })
    const q = queueWith(store, 'fold', 3)
    const other = queueWith(store, 'other', 1)
    const [first] = must(store.receive(q.id, 1))
    const [foreign] = must(store.receive(other.id, 1))
    const step = must(store.markDoneAndReceive(q.id, [first!.msgId, foreign!.msgId], 5))
    expect(step.unmodified).toEqual([foreign!.msgId])
    expect(step.messages.map((m) => m.seq)).toEqual([2, 3])
    expect(must(store.length(q.id))).toBe(2)
    // The acknowledged message never comes back; the others do, after the timeout.
    clock.ms += 1000
    const again = must(store.markDoneAndReceive(q.id, [], 5))
    expect(again.messages.map((m) => [m.seq, m.receiveCount])).toEqual([
      [2, 1],
      [3, 1],
    ])
    const gone = store.markDoneAndReceive(newQueueId(), [first!.msgId], 1)
    expect(gone.ok === false && gone.code).toBe(QueueErr.NotFound)
    // A failing call changes nothing: the acknowledgement of an unknown queue is not applied.
    const db = new DatabaseConstructor(store.db.name, { readonly: true })
    try {
      const states = db.prepare('SELECT seq, state FROM message ORDER BY seq').raw().all()
      expect(states).toEqual([
        [1, 1],
        [2, 0],
        [3, 0],
        [4, 0],
      ])
    } finally {
      db.close()
    }
  })

  it('a folded acknowledgement is done at once; its index entry is swept in batches', () => {
    const { store, clock } = open(undefined, { visibilityTimeoutMs: 1000 })
    const n = ACK_SWEEP_BATCH + 3
    const q = queueWith(store, 'sweep', n + 1)
    const raw = () =>
      store.db
        .prepare('SELECT seq, state, done_ms IS NOT NULL FROM message ORDER BY seq')
        .raw()
        .safeIntegers(false)
        .all() as [number, number, number][]
    const ids = must(store.receive(q.id, 1)).map((m) => m.msgId)
    for (let i = 1; i <= n; i++) {
      const got = must(store.markDoneAndReceive(q.id, [ids.at(-1)!], 1))
      expect(got.unmodified).toEqual([])
      ids.push(...got.messages.map((m) => m.msgId))
      // Done from its commit on, whatever its row's state, for every reader.
      expect(must(store.length(q.id))).toBe(n + 1 - i)
      expect(store.counts(q.key)).toEqual({ ready: n - i, inFlight: 1, done: i, dead: 0 })
      expect(store.messageById(ids[i - 1]!)?.message.state).toBe(MessageState.done)
    }
    // The first ACK_SWEEP_BATCH were swept by one statement; the last three still wait for it.
    expect(raw().map(([, state, acked]) => [state, acked])).toEqual([
      ...Array.from({ length: ACK_SWEEP_BATCH }, () => [1, 1]),
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 0],
    ])
    expect(store.peek(q, { states: [MessageState.done] }).map((m) => m.seq)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    )
    expect(store.peek(q).map((m) => m.seq)).toEqual([n + 1])
    // Acknowledged again (mark_done, folded or not): accepted, done once.
    const again = ids[n - 1]!
    expect(must(store.markDoneAndReceive(q.id, [again], 1)).unmodified).toEqual([])
    expect(must(store.markDone(q.id, [again]))).toEqual([])
    // A lost sweep (the acknowledging process died): the messages stay done, are never
    // delivered again, and the first receive that meets them visible sweeps them.
    store.db.prepare('UPDATE message SET state = 0 WHERE seq <= 2').run()
    clock.ms += 10_000
    const next = must(store.receive(q.id, 5))
    expect(next.map((m) => m.seq)).toEqual([n + 1])
    expect(raw().slice(0, 2)).toEqual([
      [1, 1, 1],
      [2, 1, 1],
    ])
    expect(store.counts(q.key)).toEqual({ ready: 0, inFlight: 1, done: n, dead: 0 })
  })

  it('closing the store sweeps its acknowledgements; a dead message is marked done at once', () => {
    const { store, path, clock } = open(undefined, { maxReceives: 1, visibilityTimeoutMs: 1000 })
    const q = queueWith(store, 'close', 3)
    const first = must(store.receive(q.id, 1))
    // maxReceives 1: once visible again, the first message is dead-lettered instead.
    clock.ms += 1000
    const got = must(store.markDoneAndReceive(q.id, [], 1))
    expect(got.messages.map((m) => m.seq)).toEqual([2])
    expect(store.counts(q.key).dead).toBe(1)
    const late = must(store.markDoneAndReceive(q.id, [first[0]!.msgId, got.messages[0]!.msgId], 1))
    expect(late.unmodified).toEqual([])
    const states = () =>
      store.db.prepare('SELECT state FROM message ORDER BY seq').pluck().safeIntegers(false).all()
    expect(states()).toEqual([1, 0, 0])
    store.close()
    const reopened = new DatabaseConstructor(path, { readonly: true })
    try {
      expect(reopened.prepare('SELECT state FROM message ORDER BY seq').pluck().all()).toEqual([
        1, 1, 0,
      ])
    } finally {
      reopened.close()
    }
  })

  it('deleting a queue removes its messages; names are validated', () => {
    const { store } = open()
    const q = queueWith(store, 'gone', 3)
    must(store.deleteQueue(q.id))
    const count = store.db.prepare('SELECT count(*) FROM message').pluck().get()
    expect(Number(count)).toBe(0)
    for (const bad of ['', '1abc', 'a,b', 'a b', 'x'.repeat(201), 'é']) {
      const r = store.createQueue(bad)
      expect(r.ok === false && r.code).toBe(QueueErr.InvalidName)
    }
    expect(store.createQueue('a.b-c_1').ok).toBe(true)
  })
})

describe('queue schema', () => {
  it('stamps the schema version and reopens an existing file', () => {
    const { store, path } = open()
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION)
    must(store.createQueue('kept'))
    store.close()
    const again = open(path)
    expect(must(again.store.locate('kept')).name).toBe('kept')
    expect(again.store.db.pragma('journal_mode', { simple: true })).toBe('wal')
  })

  it('checkpoints less often only when every commit is fsynced anyway', () => {
    const dir = tempDir()
    for (const [synchronous, pages] of [
      ['NORMAL', 1000],
      ['FULL', 4000],
      ['EXTRA', 4000],
    ] as const) {
      const db = openQueueDatabase(join(dir, `${synchronous}.sqlite`), {
        synchronous,
        busyTimeoutMs: 2000,
      })
      closers.push(db)
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(pages)
    }
  })

  it('receives exactly what peek shows, for any batch size (one statement per limit)', () => {
    const { store, clock } = open()
    const q = must(store.createQueue('same'))
    const sender = text('from-test')
    must(store.send(q.id, [{ payload: text('a'), sender }, { payload: text('b') }]))
    must(store.send(q.id, [{ payload: text('c') }, { payload: text('d') }]))
    const peeked = store.peek(q)
    for (const limit of [1, 2, 1]) {
      const got = must(store.receive(q.id, limit))
      expect(got).toEqual(peeked.splice(0, limit))
    }
    clock.ms += 60_000
    const again = must(store.receive(q.id, 10))
    expect(again.map((m) => [m.receiveCount, m.lastReceivedMs])).toEqual([
      [1, 1_000_000],
      [1, 1_000_000],
      [1, 1_000_000],
      [1, 1_000_000],
    ])
  })

  it('refuses a newer schema version and a foreign database, naming the file and versions', () => {
    const path = join(tempDir(), 'future.sqlite')
    const raw = new DatabaseConstructor(path)
    raw.pragma('user_version = 7')
    raw.close()
    expect(() => open(path)).toThrow(QueueSchemaError)
    expect(() => open(path)).toThrow(
      `queue database ${path} has schema version 7, newer than the version this Parigot understands (3)`,
    )
    const foreign = join(tempDir(), 'foreign.sqlite')
    const f = new DatabaseConstructor(foreign)
    f.exec('CREATE TABLE customers (id INTEGER)')
    f.close()
    expect(() => open(foreign)).toThrow(/holds tables \(customers\); it is not a Parigot queue/)
  })

  // Versions 1 and 2 differ only in how id_low is indexed; version 3 drops the column.
  for (const [version, idLowColumn, tableUnique, index] of [
    [1, 'id_low INTEGER NOT NULL', ', UNIQUE (id_high, id_low)', 'message_by_state'],
    [2, 'id_low INTEGER NOT NULL UNIQUE', '', 'message_by_state'],
  ] as const) {
    it(`migrates a version-${version} file in place, keeping queues, messages and send order`, () => {
      const path = join(tempDir(), `v${version}.sqlite`)
      const old = new DatabaseConstructor(path)
      old.exec(`
        CREATE TABLE queue (key INTEGER PRIMARY KEY, id_high INTEGER NOT NULL,
          id_low INTEGER NOT NULL, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL,
          UNIQUE (id_high, id_low));
        CREATE TABLE message (seq INTEGER PRIMARY KEY, id_high INTEGER NOT NULL,
          ${idLowColumn}, queue_key INTEGER NOT NULL REFERENCES queue(key) ON DELETE CASCADE,
          state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
          visible_at_ms INTEGER NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0,
          last_received_ms INTEGER, sent_ms INTEGER NOT NULL, done_ms INTEGER, dead_ms INTEGER,
          sender_type TEXT, sender BLOB, payload_type TEXT NOT NULL, payload BLOB NOT NULL
          ${tableUnique});
        CREATE INDEX ${index} ON message (queue_key, state, seq);
        PRAGMA user_version = ${version};
      `)
      const qid = newQueueId()
      const s64 = (u: bigint): bigint => BigInt.asIntN(64, u)
      old
        .prepare('INSERT INTO queue VALUES (1, ?, ?, ?, 5)')
        .run(s64(qid.high), s64(qid.low), 'old')
      const [a, b, c] = [newQueueMsgId(), newQueueMsgId(), newQueueMsgId()]
      const insert = old.prepare(
        `INSERT INTO message (id_high, id_low, queue_key, state, visible_at_ms, sent_ms,
           payload_type, payload) VALUES (?, ?, 1, ?, 0, 7, 'type.googleapis.com/x', x'01')`,
      )
      for (const [id, state] of [
        [a, 0],
        [b, 1],
        [c, 0],
      ] as const) {
        insert.run(s64(id.high), s64(id.low), state)
      }
      old.close()
      const q = { id: qid }

      const { store } = open(path)
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION)
      const schema = store.db
        .prepare("SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'message' ORDER BY name")
        .all() as { name: string; sql: string | null }[]
      expect(schema.map((r) => r.name)).toEqual(['message', 'message_live'])
      expect(schema[0]?.sql).not.toContain('id_low')
      expect(schema[1]?.sql).toContain('WHERE state <> 1')
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(store.db.pragma('foreign_key_check')).toEqual([])
      // An id is now (high half, seq): the old ids' high halves are kept, their low halves
      // become the rows' seq numbers (docs/queue.md section 3).
      const got = must(store.receive(q.id, 5))
      expect(got.map((m) => m.seq)).toEqual([1, 3])
      expect(got.map((m) => m.msgId.high)).toEqual([a.high, c.high])
      expect(got.map((m) => m.msgId.low)).toEqual([1n, 3n])
      expect(must(store.markDone(q.id, [a]))).toEqual([a])
      expect(
        must(
          store.markDone(
            q.id,
            got.map((m) => m.msgId),
          ),
        ),
      ).toEqual([])
      expect(must(store.length(q.id))).toBe(0)
      expect(store.counts(1)).toEqual({ ready: 0, inFlight: 0, done: 3, dead: 0 })
    })
  }

  it('gives ids in send order across connections, found by (seq, high half) only', () => {
    const { store, path } = open()
    const other = open(path).store
    const q = must(store.createQueue('ids'))
    const sent = [
      ...must(store.send(q.id, [{ payload: text('a') }])),
      ...must(other.send(q.id, [{ payload: text('b') }, { payload: text('c') }])),
      ...must(store.send(q.id, [{ payload: text('d') }])),
    ]
    expect(sent.map((id) => id.low)).toEqual([1n, 2n, 3n, 4n])
    expect(new Set(sent.map((id) => id.high)).size).toBe(4)
    for (const id of sent) expect(formatId(id)).toMatch(/^msg-/)
    // The right seq with another high half is not the message.
    const forged = fromRaw('queueMsg', { high: sent[1]!.high ^ 1n, low: sent[1]!.low })
    expect(store.messageById(forged)).toBeUndefined()
    expect(must(store.markDone(q.id, [forged, sent[1]!]))).toEqual([forged])
    const payload = store.messageById(sent[2]!)?.message.payload
    expect(Buffer.from(payload?.value ?? [])).toEqual(Buffer.from(text('c').value))
  })

  it('a seq freed by deleting the newest message is reused, and the old id does not match', () => {
    const letter = newQueueMsgId().high & ~HIGH_DATA_MASK
    const highs = [1n, 2n, 3n].map((n) => letter | n)
    const { store } = open(undefined, { newMessageIdHigh: () => highs.shift() ?? 0n })
    const q = must(store.createQueue('reuse'))
    const [first, newest] = must(store.send(q.id, [{ payload: text('a') }, { payload: text('b') }]))
    expect(store.deleteMessage(newest!)).toBe(true)
    const [next] = must(store.send(q.id, [{ payload: text('c') }]))
    expect(next!.low).toBe(newest!.low)
    expect(next!.high).not.toBe(newest!.high)
    expect(store.messageById(newest!)).toBeUndefined()
    expect(must(store.markDone(q.id, [newest!]))).toEqual([newest])
    expect(must(store.markDone(q.id, [first!, next!]))).toEqual([])
  })

  it('the plugin refuses bad settings and a newer schema with a log line, returning false', () => {
    const dir = tempDir()
    expect(parseQueueSettings({ synchronus: 'FULL' }, dir)).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown queue setting "synchronus"'),
    })
    expect(parseQueueSettings({ synchronous: 'sometimes' }, dir)).toMatchObject({ ok: false })
    expect(parseQueueSettings({ maxReceives: 0 }, dir)).toMatchObject({
      ok: false,
      error: expect.stringContaining('"maxReceives" is 0'),
    })
    expect(parseQueueSettings({ file: '../escape.sqlite' }, dir)).toMatchObject({ ok: false })
    const good = parseQueueSettings({ synchronous: 'full', file: 'sub/q.sqlite' }, dir)
    expect(good).toMatchObject({ ok: true, path: join(dir, 'sub/q.sqlite') })

    const raw = new DatabaseConstructor(join(dir, 'queues.sqlite'))
    raw.pragma('user_version = 4')
    raw.close()
    const { logger, records } = createMemoryLogger()
    const ok = createQueuePlugin().init(
      { name: 'queue', logger, invokeAdapter, settings: {}, dataDir: dir },
      createEngine(),
    )
    expect(ok).toBe(false)
    expect(records[0]?.message).toContain('schema version 4, newer than')
  })
})

describe('queue inspector', () => {
  it('lists counts, peeks without side effects, decodes, searches, deletes, purges, redrives', () => {
    const { store, clock, path } = open(undefined, { visibilityTimeoutMs: 100, maxReceives: 1 })
    const q = queueWith(store, 'inspected', 4)
    must(
      store.send(q.id, [
        {
          payload: {
            typeUrl: 'type.googleapis.com/acme.Unknown',
            value: new Uint8Array([1, 2, 255]),
          },
          sender: {
            typeUrl: 'type.googleapis.com/google.protobuf.StringValue',
            value: new Uint8Array([0x0a, 2, 0x68, 0x69]),
          },
        },
      ]),
    )
    const [r1] = must(store.receive(q.id, 1)) // message 1 in flight
    const events: InspectorEvent[] = []
    const inspector = QueueInspector.open(path, {
      registry: createRegistry(StringValueSchema, TimestampSchema),
      onEvent: (e) => events.push(e),
      now: () => clock.ms,
    })
    closers.push(inspector)
    expect(inspector.listQueues()).toMatchObject([
      { name: 'inspected', ready: 4, inFlight: 1, done: 0, dead: 0 },
    ])
    const before = store.db
      .prepare('SELECT seq, receive_count, visible_at_ms, state FROM message ORDER BY seq')
      .all()
    const peeked = inspector.peek('inspected')
    expect(peeked.map((m) => [m.seq, m.state])).toEqual([
      [1, 'in-flight'],
      [2, 'ready'],
      [3, 'ready'],
      [4, 'ready'],
      [5, 'ready'],
    ])
    expect(inspector.peek('inspected', { states: ['ready'], limit: 2 }).map((m) => m.seq)).toEqual([
      2, 3,
    ])
    expect(inspector.peek('inspected', { afterSeq: 3 }).map((m) => m.seq)).toEqual([4, 5])
    expect(peeked[1]!.payload).toEqual({
      typeUrl: 'type.googleapis.com/google.protobuf.StringValue',
      typeName: 'google.protobuf.StringValue',
      json: 'inspected-1',
    })
    expect(peeked[4]!.payload).toMatchObject({ typeName: 'acme.Unknown', hex: '0102ff' })
    expect(peeked[4]!.sender).toMatchObject({ json: 'hi' })
    // Peeking changed nothing, and the receive order is untouched.
    expect(
      store.db
        .prepare('SELECT seq, receive_count, visible_at_ms, state FROM message ORDER BY seq')
        .all(),
    ).toEqual(before)
    expect(must(store.receive(q.id, 1)).map((m) => [m.seq, m.receiveCount])).toEqual([[2, 0]])

    expect(inspector.search('inspected', 'INSPECTED-3').map((m) => m.seq)).toEqual([4])
    expect(inspector.search('inspected', '0102ff').map((m) => m.seq)).toEqual([5])
    expect(inspector.search('inspected', 'nothing like this')).toEqual([])
    const opaque = queueWith(store, 'opaque', 0)
    must(
      store.send(opaque.id, [
        {
          payload: {
            typeUrl: 'type.googleapis.com/acme.Order',
            value: new Uint8Array([0x0a, 8, ...new TextEncoder().encode('order-42')]),
          },
        },
      ]),
    )
    // An unregistered type is still found by the text inside its bytes, not only by hex.
    expect(inspector.search('opaque', 'ORDER-42').map((m) => m.payload.typeName)).toEqual([
      'acme.Order',
    ])

    expect(inspector.deleteMessage(peeked[3]!.msgId)).toBe(true)
    expect(inspector.deleteMessage(peeked[3]!.msgId)).toBe(false)
    clock.ms += 100 // messages 1 and 2 visible again, each received once: dead on next receive
    expect(must(store.receive(q.id, 5)).map((m) => m.seq)).toEqual([3, 5])
    expect(inspector.listQueues()[0]).toMatchObject({ ready: 0, inFlight: 2, dead: 2 })
    expect(inspector.redrive('inspected')).toBe(2)
    must(store.markDone(q.id, [r1!.msgId]))
    expect(inspector.purge('inspected', 'done')).toBe(1)
    expect(inspector.purge('inspected')).toBe(3)
    expect(inspector.listQueues()[0]).toMatchObject({ ready: 0, inFlight: 0, done: 0, dead: 0 })
    expect(events.map((e) => e.kind)).toEqual([
      'message-deleted',
      'dead-letters-redriven',
      'queue-purged',
      'queue-purged',
    ])
    expect(events[0]).toMatchObject({ queue: 'inspected', msgId: peeked[3]!.msgId })
    expect(events[1]).toMatchObject({ moved: 2 })
    expect(events[2]).toMatchObject({ state: 'done', removed: 1 })
    expect(() => inspector.peek('missing')).toThrow('queue inspector: no queue named "missing"')
  })

  it('lists every queue with its done count (done messages are counted in one scan)', () => {
    const { store, path, clock } = open()
    const a = queueWith(store, 'a', 3)
    const b = queueWith(store, 'b', 2)
    queueWith(store, 'c', 1)
    const fromA = must(store.receive(a.id, 3))
    must(
      store.markDone(
        a.id,
        fromA.slice(0, 2).map((m) => m.msgId),
      ),
    )
    must(store.markDoneAndReceive(b.id, [], 1))
    const [fromB] = must(store.receive(b.id, 1))
    must(store.markDone(b.id, [fromB!.msgId]))
    const inspector = QueueInspector.open(path, { now: () => clock.ms })
    closers.push(inspector)
    expect(inspector.listQueues()).toMatchObject([
      { name: 'a', ready: 0, inFlight: 1, done: 2, dead: 0 },
      { name: 'b', ready: 0, inFlight: 1, done: 1, dead: 0 },
      { name: 'c', ready: 1, inFlight: 0, done: 0, dead: 0 },
    ])
    expect(store.counts(a.key)).toEqual({ ready: 0, inFlight: 1, done: 2, dead: 0 })
  })
})
