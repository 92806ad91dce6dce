import { create, toBinary } from '@bufbuild/protobuf'
import type { MessageInitShape } from '@bufbuild/protobuf'
import { anyPack, anyUnpack, BoolValueSchema, StringValueSchema } from '@bufbuild/protobuf/wkt'
import { afterEach, describe, expect, it } from 'vitest'
import type { IdRaw } from '../../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { QueueMsgSchema } from '../../../src/shared/gen/parigot/queue/v1/queue_pb'
import {
  CreateQueueRequestSchema,
  CreateQueueResponseSchema,
  DeleteQueueRequestSchema,
  DeleteQueueResponseSchema,
  LengthRequestSchema,
  LengthResponseSchema,
  LocateRequestSchema,
  LocateResponseSchema,
  MarkDoneRequestSchema,
  MarkDoneResponseSchema,
  QueueErr,
  ReceiveRequestSchema,
  ReceiveResponseSchema,
  SendRequestSchema,
  SendResponseSchema,
} from '../../../src/shared/gen/parigot/queue/v1/queue_pb'
import { newFileId, toRaw } from '../../../src/shared/id'
import type { QueueStore } from '../../../src/main/plugins/queue/store'
import { queueGuest, tempDir } from './helpers'
import type { Clock, QueueGuest } from './helpers'

const opened: QueueStore[] = []
afterEach(() => {
  for (const s of opened.splice(0)) s.close()
})

async function setup(dir = tempDir(), clock: Clock = { ms: 1_000_000 }) {
  const g = await queueGuest(dir, clock)
  opened.push(...g.stores)
  return wrap(g)
}

function wrap(g: QueueGuest) {
  return {
    g,
    create: (name: string) =>
      g.call(
        'create_queue',
        CreateQueueRequestSchema,
        { queueName: name },
        CreateQueueResponseSchema,
      ),
    locate: (name: string) =>
      g.call('locate', LocateRequestSchema, { queueName: name }, LocateResponseSchema),
    del: (id: IdRaw | undefined) =>
      g.call('delete_queue', DeleteQueueRequestSchema, { id }, DeleteQueueResponseSchema),
    length: (id: IdRaw | undefined) => {
      const r = g.call('length', LengthRequestSchema, { id }, LengthResponseSchema)
      return r.code === 0 ? Number(r.res!.length) : -r.code
    },
    send: (id: IdRaw | undefined, msg: MessageInitShape<typeof QueueMsgSchema>[]) =>
      g.call('send', SendRequestSchema, { id, msg }, SendResponseSchema),
    receive: (id: IdRaw | undefined, messageLimit: number, done: IdRaw[] = []) =>
      g.call('receive', ReceiveRequestSchema, { id, messageLimit, done }, ReceiveResponseSchema),
    markDone: (id: IdRaw | undefined, msg: IdRaw[]) =>
      g.call('mark_done', MarkDoneRequestSchema, { id, msg }, MarkDoneResponseSchema),
  }
}

const text = (s: string) => anyPack(StringValueSchema, create(StringValueSchema, { value: s }))
const same = (a: IdRaw | undefined, b: IdRaw | undefined) =>
  a !== undefined && b !== undefined && a.high === b.high && a.low === b.low

describe('queue host functions through a wasm guest (reference queue_test.go, intended)', () => {
  it('TestCreateAndDelete: invalid name, duplicates, delete, re-create with a new id', async () => {
    const q = await setup()
    expect(q.create('foo$bar').code).toBe(QueueErr.InvalidName)
    const first = q.create('foobar')
    expect(first.code).toBe(QueueErr.NoError)
    expect(q.create('foobar').code).toBe(QueueErr.AlreadyExists)
    const deleted = q.del(first.res!.id)
    expect(deleted.code).toBe(QueueErr.NoError)
    expect(same(deleted.res!.id, first.res!.id)).toBe(true)
    expect(q.del(first.res!.id).code).toBe(QueueErr.NotFound)
    const second = q.create('foobar')
    expect(second.code).toBe(QueueErr.NoError)
    expect(same(second.res!.id, first.res!.id)).toBe(false)
    expect(q.del(second.res!.id).code).toBe(QueueErr.NoError)
    expect(q.locate('foo$bar').code).toBe(QueueErr.InvalidName)
    expect(q.locate('nothing_here').code).toBe(QueueErr.NotFound)
  })

  it('TestQueueHappyPath: send, receive (redelivered after the visibility timeout), mark done', async () => {
    const clock = { ms: 5_000_000 }
    const q = await setup(tempDir(), clock)
    const id = q.create('unit_test').res!.id
    expect(q.length(id)).toBe(0)
    const sender = anyPack(BoolValueSchema, create(BoolValueSchema, { value: true }))
    const sent = q.send(id, [{ sender, payload: text('this is a test') }])
    expect(sent.code).toBe(QueueErr.NoError)
    expect(sent.res!.succeed).toHaveLength(1)
    const msgId = sent.res!.succeed[0]!
    expect(q.length(id)).toBe(1)
    for (let delivery = 0; delivery < 2; delivery++) {
      const got = q.receive(id, 1)
      expect(got.code).toBe(QueueErr.NoError)
      expect(got.res!.message).toHaveLength(1)
      const m = got.res!.message[0]!
      expect(same(m.msgId, msgId)).toBe(true)
      expect(same(m.id, id)).toBe(true)
      expect(anyUnpack(m.sender!, BoolValueSchema)?.value).toBe(true)
      expect(anyUnpack(m.payload!, StringValueSchema)?.value).toBe('this is a test')
      expect(m.receiveCount).toBe(delivery)
      expect(m.received === undefined).toBe(delivery === 0)
      expect(Number(m.sent!.seconds)).toBe(5000)
      expect(q.length(id)).toBe(1)
      // Hidden while in flight: an immediate second receive gets nothing (and no error).
      expect(q.receive(id, 1).res!.message).toHaveLength(0)
      clock.ms += 30_001
    }
    const done = q.markDone(id, [msgId])
    expect(done.code).toBe(QueueErr.NoError)
    expect(same(done.res!.id, id)).toBe(true)
    expect(done.res!.unmodified).toEqual([])
    expect(q.markDone(id, [msgId]).res!.unmodified).toEqual([])
    expect(q.length(id)).toBe(0)
    expect(q.del(id).code).toBe(QueueErr.NoError)
  })

  it('receive_ with done: acknowledges, then receives, in one call; bad ids come back', async () => {
    const q = await setup()
    const id = q.create('fold').res!.id
    const sent = q.send(id, [{ payload: text('a') }, { payload: text('b') }]).res!.succeed
    const first = q.receive(id, 1).res!.message[0]!
    expect(same(first.msgId, sent[0])).toBe(true)
    const notAMessage = toRaw(newFileId()) as IdRaw
    const next = q.receive(id, 5, [first.msgId!, notAMessage])
    expect(next.code).toBe(QueueErr.NoError)
    expect(next.res!.message.map((m) => same(m.msgId, sent[1]))).toEqual([true])
    expect(next.res!.unmodified).toHaveLength(1)
    expect(same(next.res!.unmodified[0], notAMessage)).toBe(true)
    expect(q.length(id)).toBe(1) // the first is done, the second in flight
    const last = q.receive(id, 5, [next.res!.message[0]!.msgId!])
    expect(last.res!.message).toHaveLength(0)
    expect(last.res!.unmodified).toEqual([])
    expect(q.length(id)).toBe(0)
  })

  it('TestLocateManyMessages: batches of 3 with their own ids, no duplicates', async () => {
    const q = await setup()
    // Other queues exist, so the reference's cross join would have duplicated rows.
    q.create('other_a')
    q.create('other_b')
    const id = q.create('unit_test').res!.id
    const sent = q.send(
      id,
      Array.from({ length: 10 }, (_, i) => ({ payload: text(`[i=${i}]`) })),
    )
    expect(sent.res!.succeed).toHaveLength(10)
    expect(same(q.locate('unit_test').res!.id, id)).toBe(true)
    const seen = new Set<string>()
    for (const expectedLength of [7, 4, 1]) {
      const got = q.receive(id, 3).res!.message
      expect(got).toHaveLength(3)
      for (const m of got) {
        const payload = anyUnpack(m.payload!, StringValueSchema)!.value
        const index = sent.res!.succeed.findIndex((s) => same(s, m.msgId))
        expect(payload).toBe(`[i=${index}]`)
        seen.add(`${m.msgId!.high}:${m.msgId!.low}`)
      }
      const done = q.markDone(
        id,
        got.map((m) => m.msgId!),
      )
      expect(done.res!.unmodified).toEqual([])
      expect(q.length(id)).toBe(expectedLength)
    }
    expect(seen.size).toBe(9)
    expect(q.length(id)).toBe(1)
  })

  it('an empty queue receives an empty list, not an error; send without payload is NoPayload', async () => {
    const q = await setup()
    const id = q.create('empty').res!.id
    const got = q.receive(id, 5)
    expect(got.code).toBe(QueueErr.NoError)
    expect(got.res!.message).toEqual([])
    expect(q.send(id, [{ payload: text('ok') }, {}]).code).toBe(QueueErr.NoPayload)
    // All or nothing: the good message of the refused batch was not stored.
    expect(q.length(id)).toBe(0)
  })

  it('bad input gives error codes, never a crash', async () => {
    const q = await setup()
    const id = q.create('strict').res!.id!
    // A length-delimited field claiming 100 bytes with 2 present.
    const garbage = new Uint8Array([0x0a, 100, 1, 2])
    for (const fn of [
      'create_queue',
      'locate',
      'delete_queue',
      'length',
      'send',
      'receive',
      'mark_done',
    ]) {
      expect(q.g.raw(fn, garbage)).toBe(QueueErr.UnmarshalError)
    }
    expect(q.g.raw('send', garbage, 16, 4 * 65536 - 4)).toBe(QueueErr.GuestReadFailed)
    const bytes = toBinary(
      LocateRequestSchema,
      create(LocateRequestSchema, { queueName: 'strict' }),
    )
    expect(q.g.raw('locate', bytes, bytes.length, 1024, 4 * 65536 - 2)).toBe(
      QueueErr.GuestWriteFailed,
    )
    // Ids: absent, another kind's letter, the zero id, an unknown queue.
    const fileId = toRaw(newFileId()) as IdRaw
    expect(q.length(undefined)).toBe(-QueueErr.NotFound)
    expect(q.length(fileId)).toBe(-QueueErr.NotFound)
    const zero = { high: 0x71ff_ffff_ffff_ffffn, low: 0xffff_ffff_ffff_ffffn } as IdRaw
    expect(q.send(zero, [{ payload: text('x') }]).code).toBe(QueueErr.NotFound)
    const unknown = { high: id.high ^ 1n, low: id.low } as IdRaw
    expect(q.receive(unknown, 1).code).toBe(QueueErr.NotFound)
    expect(q.del(unknown).code).toBe(QueueErr.NotFound)
    // mark_done reports message ids it cannot mark, in request order.
    const sent = q.send(id, [{ payload: text('x') }]).res!.succeed[0]!
    const strangers = [fileId, sent, { high: sent.high, low: sent.low ^ 1n } as IdRaw]
    const done = q.markDone(id, strangers)
    expect(done.code).toBe(QueueErr.NoError)
    expect(done.res!.unmodified.map((u) => u.low)).toEqual([fileId.low, sent.low ^ 1n])
    expect(q.length(id)).toBe(0)
    const warnings = q.g.records.filter((r) => r.level === 'warn').map((r) => r.message)
    expect(warnings.some((w) => w.includes('queue.length_: field id: wrong id type'))).toBe(true)
  })

  it('a receive larger than the buffer answers DataTooLarge with the size needed', async () => {
    const q = await setup()
    const id = q.create('big').res!.id
    q.send(
      id,
      Array.from({ length: 20 }, () => ({ payload: text('x'.repeat(500)) })),
    )
    const bytes = toBinary(
      ReceiveRequestSchema,
      create(ReceiveRequestSchema, { id, messageLimit: 20 }),
    )
    q.g.guest.memory.write(1024, bytes)
    q.g.guest.memory.writeI32(64, 0)
    const outcome = q.g.guest.call('receive', bytes.length, 1024, 65536, 64)
    expect(q.g.guest.memory.readI32(64)).toBe(QueueErr.DataTooLarge)
    expect(outcome.kind === 'returned' && Number((outcome.value as bigint) >> 32n)).toBeGreaterThan(
      4096,
    )
  })

  it("two engines (two connections) on one file see each other's messages", async () => {
    const dir = tempDir()
    const a = await setup(dir)
    const b = await setup(dir)
    const id = a.create('shared').res!.id
    expect(same(b.locate('shared').res!.id, id)).toBe(true)
    const sent = a.send(id, [{ payload: text('from a') }, { payload: text('also from a') }])
    expect(b.length(id)).toBe(2)
    const got = b.receive(id, 10).res!.message
    expect(got.map((m) => anyUnpack(m.payload!, StringValueSchema)!.value)).toEqual([
      'from a',
      'also from a',
    ])
    // In flight for b, so a sees nothing to receive.
    expect(a.receive(id, 10).res!.message).toEqual([])
    b.markDone(id, sent.res!.succeed)
    expect(a.length(id)).toBe(0)
  })
})
