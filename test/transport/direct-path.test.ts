import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  BlockUntilCallRequestSchema,
  BlockUntilCallResponseSchema,
  DispatchRequestSchema,
  ReadOneResponseSchema,
  ReturnValueRequestSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import {
  consumeCell,
  createSwitchboard,
  freeCell,
  lockRing,
  MAILBOX_CELLS,
  oldestCell,
  publishCell,
  Ring,
  SlotState,
  unlockRing,
} from '../../src/main/kernel/transport/switchboard'
import {
  EMPTY_ID_KEY,
  flag,
  idKey,
  idKeyOf,
  lastField,
  READ_ONE_TIMEOUT,
  scan,
  Writer,
} from '../../src/main/runner/worker/wire'

const id = (letter: number, n: bigint) => ({ high: (BigInt(letter) << 56n) | n, low: n * 7n + 1n })

describe('the direct path wire helpers', () => {
  it('find fields and splice them into a ReadOneResponse protobuf-es decodes', () => {
    const req = create(DispatchRequestSchema, {
      serviceId: id(0x73, 0xabcdef0123n),
      methodId: id(0x6d, 42n),
      callId: id(0x63, 0xffff_ffff_ffffn),
      param: { typeUrl: 'type.googleapis.com/x.Y', value: new Uint8Array([1, 2, 3]) },
    })
    const bytes = toBinary(DispatchRequestSchema, req)
    const msg = scan(bytes)!
    const sub = (n: number) => bytes.subarray(msg.fields.get(n)!.start, msg.fields.get(n)!.end)
    const out = new Writer()
      .bytes(2, new Writer().bytes(1, sub(1)).bytes(2, sub(2)).finish())
      .bytes(3, sub(4))
      .bytes(4, sub(3))
      .finish()
    const resp = fromBinary(ReadOneResponseSchema, out)
    expect(resp.call?.serviceId).toEqual(req.serviceId)
    expect(resp.call?.methodId).toEqual(req.methodId)
    expect(resp.callId).toEqual(req.callId)
    expect(resp.param?.value).toEqual(new Uint8Array([1, 2, 3]))
    expect(idKey(bytes, msg.fields.get(4)).key).toBe(idKeyOf(req.callId!))
    expect(idKey(bytes, msg.fields.get(5)).empty).toBe(true)
  })

  it('keys an id as idKeyOf does for edge values, and a malformed one as the empty id', () => {
    const values = [0n, 1n, 127n, 128n, 0xffffffffn, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]
    for (const high of values) {
      for (const low of values) {
        const raw = toBinary(IdRawSchema, create(IdRawSchema, { high, low }))
        // As a field of an outer message (field 3 here), the way the syscalls carry ids.
        const outer = new Writer().int32(1, 5).bytes(3, raw).finish()
        const field = scan(outer)!.fields.get(3)
        expect(idKey(outer, field).key).toBe(idKeyOf({ high, low }))
      }
    }
    // Unknown fields are skipped; the last occurrence of a field wins.
    const twice = new Uint8Array([0x08, 0x01, 0x18, 0x09, 0x08, 0x02, 0x10, 0x03])
    expect(idKey(twice, { start: 0, end: twice.length, value: 0 }).key).toBe(
      idKeyOf({ high: 2n, low: 3n }),
    )
    for (const bad of [[0x08], [0x08, 0xff], [0x0a, 0x05, 0x01], [0x0f], [0x09, 0x01, 0x02]]) {
      const bytes = new Uint8Array(bad)
      expect(idKey(bytes, { start: 0, end: bytes.length, value: 0 })).toEqual({
        key: EMPTY_ID_KEY,
        empty: true,
      })
    }
  })

  it('finds the last occurrence of a field as scan does, also inside a submessage', () => {
    const inner = new Writer()
      .int32(1, 9)
      .bytes(2, new Uint8Array([7, 7]))
      .finish()
    const msg = new Writer()
      .int32(1, 5)
      .bytes(3, new Uint8Array([1]))
      .bytes(5, inner)
      .bytes(3, new Uint8Array([2, 2]))
      .finish()
    const table = scan(msg)!.fields
    for (const n of [1, 3, 5, 6]) expect(lastField(msg, n)).toEqual(table.get(n))
    const outer = lastField(msg, 5)!
    expect(lastField(msg, 2, outer.start, outer.end)).toEqual({
      start: outer.start + 4,
      end: outer.start + 6,
      value: 0,
    })
    expect(lastField(new Uint8Array([0x1a, 0x05, 0x01]), 3)).toBeUndefined()
  })

  it('reads and writes negative int32 values as protobuf does', () => {
    for (const value of [0, 1, 7, 300, -1, -7, 2147483647, -2147483648]) {
      const bytes = toBinary(
        ReturnValueRequestSchema,
        create(ReturnValueRequestSchema, { resultError: value }),
      )
      expect(scan(bytes)!.fields.get(4)?.value ?? 0).toBe(value)
      expect(new Writer().int32(4, value).finish()).toEqual(bytes)
    }
  })

  // The guest worker loads no protobuf-es: what it writes and reads by hand must be what
  // protobuf-es writes and reads (the kernel answers with protobuf-es).
  it('write ids, bools and the timeout answer byte for byte as protobuf-es does', () => {
    const ids = [
      { high: 0n, low: 0n },
      { high: 0x7300000000000001n, low: 1n },
      { high: 0xffff_ffff_ffff_ffffn, low: 0x8000_0000_0000_0000n },
      { high: 0x68_00_00_12_34_56_78_9an, low: 0x7f_ff_ff_ffn },
    ]
    for (const raw of ids) {
      const bytes = new Writer().uint64(1, raw.high).uint64(2, raw.low).finish()
      expect(bytes).toEqual(toBinary(IdRawSchema, create(IdRawSchema, raw)))
      expect(fromBinary(IdRawSchema, bytes)).toMatchObject(raw)
    }
    for (const timedOut of [false, true]) {
      expect(new Writer().bool(4, timedOut).finish()).toEqual(
        toBinary(BlockUntilCallResponseSchema, create(BlockUntilCallResponseSchema, { timedOut })),
      )
    }
    expect(READ_ONE_TIMEOUT).toEqual(
      toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { timeout: true })),
    )
    expect(new Writer().bool(6, true).finish()).toEqual(
      toBinary(ReadOneResponseSchema, create(ReadOneResponseSchema, { exit: true })),
    )
  })

  it('read bools as protobuf-es does, whatever varint encodes them', () => {
    const encodings = [
      [0x08, 0x00],
      [0x08, 0x01],
      [0x08, 0x02],
      [0x08, 0x80, 0x01],
      [0x08, 0x80, 0x80, 0x80, 0x80, 0x10],
      [0x08, 0x80, 0x00],
      [],
    ]
    for (const encoding of encodings) {
      const bytes = new Uint8Array(encoding)
      const expected = fromBinary(BlockUntilCallRequestSchema, bytes).canTimeout
      expect(flag(bytes, scan(bytes)!.fields.get(1))).toBe(expected)
    }
  })

  it('find a resolved call id in a ReadOneResponse as protobuf-es decodes it', () => {
    const callId = id(0x63, 0x1234_5678_9abcn)
    const bytes = toBinary(
      ReadOneResponseSchema,
      create(ReadOneResponseSchema, { resolved: { callId, resultError: 3 }, exit: true }),
    )
    const resp = scan(bytes)!
    const field = resp.fields.get(5)!
    const resolved = bytes.subarray(field.start, field.end)
    expect(idKey(resolved, scan(resolved)!.fields.get(2)).key).toBe(idKeyOf(callId))
    expect(flag(bytes, resp.fields.get(6))).toBe(true)
  })
})

describe('the switchboard rings', () => {
  it('hold MAILBOX_CELLS cells, refuse the next, and hand them back in order', () => {
    const board = createSwitchboard()
    const ring = board.mailboxes[0]!
    Atomics.store(ring.header, Ring.STATE, SlotState.OPEN)
    lockRing(board, ring, 1)
    for (let i = 0; i < MAILBOX_CELLS; i++) {
      const cell = freeCell(ring)
      expect(cell).toBeGreaterThanOrEqual(0)
      ring.view.setUint32(cell, i, true)
      publishCell(ring)
    }
    expect(freeCell(ring)).toBe(-1)
    unlockRing(ring)
    for (let i = 0; i < MAILBOX_CELLS; i++) {
      const cell = oldestCell(ring)
      expect(ring.view.getUint32(cell, true)).toBe(i)
      consumeCell(ring)
    }
    expect(oldestCell(ring)).toBe(-1)
  })

  it('a lock left by a slot that is no longer open is taken over', () => {
    const board = createSwitchboard()
    Atomics.store(board.mailboxes[3]!.header, Ring.STATE, SlotState.CLOSED)
    Atomics.store(board.notices.header, Ring.LOCK, 3 + 1)
    lockRing(board, board.notices, 0)
    expect(Atomics.load(board.notices.header, Ring.LOCK)).toBe(1)
    unlockRing(board.notices)
  })
})
