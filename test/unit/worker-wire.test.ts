// The guest worker's hand-sized answers of the direct path (runner/worker/wire.ts), checked
// byte for byte against protobuf-es encoding the same messages, and its id keys against each other.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { AnySchema } from '@bufbuild/protobuf/wkt'
import { describe, expect, it } from 'vitest'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import {
  DispatchResponseSchema,
  ReadOneResponseSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import {
  callPayload,
  callPayloadFrom,
  DispatchAnswer,
  EMPTY_ID_KEY,
  idKey,
  idKeyOf,
  isOwnOrEmptyId,
  keyAt,
  keyOf,
  RawIdCopy,
  resolvedPayload,
  resolvedPayloadFrom,
  scan,
  Scanned,
} from '../../src/main/runner/worker/wire'
import { RepeatedRawId } from '../../src/main/runner/worker/mailbox-cells'
import { writeRawId } from '../../src/main/kernel/transport/switchboard'
import { callKeyOfWireKey } from '../../src/main/kernel/transport/trace-words'
import { wireKey, wireKeyWords } from '../../src/main/kernel/transport/wire-key'

const rawId = (high: bigint, low: bigint) =>
  toBinary(IdRawSchema, create(IdRawSchema, { high, low }))

const ids = [
  [0x63_00_00_00_00_00_00_01n, 2n],
  [0x73_ff_ff_ff_ff_ff_ff_ffn, 0xffff_ffff_ffff_ffffn],
  [0n, 0n],
  [0x6d_12_34_56_78_9a_bc_den, 0x8000_0000_0000_0000n],
] as const

describe('worker wire: the direct path answers', () => {
  it('callPayload is the ReadOneResponse protobuf-es writes (with and without param, large param)', () => {
    for (const [high, low] of ids) {
      const anys = [
        undefined,
        toBinary(AnySchema, create(AnySchema, { typeUrl: 'x/y', value: new Uint8Array([1, 2]) })),
        toBinary(AnySchema, create(AnySchema, { value: new Uint8Array(300).fill(7) })),
      ]
      for (const param of anys) {
        const service = rawId(0x73_00_00_00_00_00_00_05n, low)
        const method = rawId(0x6d_00_00_00_00_00_00_06n, high)
        const call = rawId(high, low)
        const bytes = callPayload(service, method, call, param)
        const expected = create(ReadOneResponseSchema, {
          call: {
            serviceId: fromBinary(IdRawSchema, service),
            methodId: fromBinary(IdRawSchema, method),
          },
          callId: fromBinary(IdRawSchema, call),
          ...(param === undefined ? {} : { param: fromBinary(AnySchema, param) }),
        })
        expect(Array.from(bytes)).toEqual(Array.from(toBinary(ReadOneResponseSchema, expected)))
      }
    }
  })

  it('resolvedPayload is the ReadOneResponse protobuf-es writes, for every sign of result_error', () => {
    const host = rawId(0x68_00_00_00_00_00_00_09n, 77n)
    for (const [high, low] of ids) {
      for (const resultError of [0, 1, 127, 128, 300_000, -1, -2_147_483_648]) {
        for (const result of [undefined, new Uint8Array([10, 3, 0x61, 0x62, 0x63])]) {
          const call = rawId(high, low)
          const bytes = resolvedPayload(host, call, result, resultError)
          const decoded = fromBinary(ReadOneResponseSchema, bytes)
          expect(decoded.resolved?.resultError).toBe(resultError)
          expect(decoded.resolved?.callId).toEqual(fromBinary(IdRawSchema, call))
          expect(decoded.resolved?.hostId).toEqual(fromBinary(IdRawSchema, host))
          if (result !== undefined) expect(decoded.resolved?.result?.typeUrl).toBe('abc')
          else expect(decoded.resolved?.result).toBeUndefined()
          expect(Array.from(bytes)).toEqual(Array.from(toBinary(ReadOneResponseSchema, decoded)))
        }
      }
    }
  })

  it('DispatchAnswer is a DispatchResponse with the call id, in one reused buffer', () => {
    const answer = new DispatchAnswer()
    for (const [high, low] of ids) {
      const call = rawId(high, low)
      const bytes = answer.of(call).bytes.subarray(0, answer.length)
      const decoded = fromBinary(DispatchResponseSchema, bytes)
      expect(decoded.callId).toEqual(fromBinary(IdRawSchema, call))
      expect(Array.from(bytes)).toEqual(Array.from(toBinary(DispatchResponseSchema, decoded)))
    }
  })

  it('id keys: the same for raw bytes and bigints, blind to the type letter, distinct otherwise', () => {
    const keys = new Set<string>()
    for (const [high, low] of ids) {
      const raw = rawId(high, low)
      const fromRaw = idKey(raw, { start: 0, end: raw.length, value: 0 })
      expect(fromRaw.key).toBe(idKeyOf({ high, low }))
      const retagged = rawId((high & 0x00ff_ffff_ffff_ffffn) | (0x78n << 56n), low)
      expect(idKey(retagged, { start: 0, end: retagged.length, value: 0 }).key).toBe(fromRaw.key)
      keys.add(fromRaw.key)
    }
    expect(keys.size).toBe(ids.length)
    expect(idKey(new Uint8Array(0), undefined)).toEqual({ key: EMPTY_ID_KEY, empty: true })
    // Each data word moves the key.
    const base = idKeyOf({ high: 1n, low: 1n })
    expect(idKeyOf({ high: (1n << 40n) | 1n, low: 1n })).not.toBe(base)
    expect(idKeyOf({ high: 1n, low: (1n << 40n) | 1n })).not.toBe(base)
    expect(idKeyOf({ high: 1n | (1n << 20n), low: 1n })).not.toBe(base)
  })

  it('a wire key gives back its words, and the kernel call key of a call id', () => {
    for (const words of [
      [0, 0, 0, 1],
      [0xffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0x123456, 0x80000000, 0x7fffffff, 0xdeadbeef],
    ] as const) {
      const [a, b, c, d] = words
      expect(wireKeyWords(wireKey(a, b, c, d))).toEqual(words)
    }
    const key = idKeyOf({ high: 0x63_12_34_56_78_9a_bc_den, low: 0x0123_4567_89ab_cdefn })
    expect(callKeyOfWireKey(key)).toBe('call-123456789abcde-0123456789abcdef')
    expect(callKeyOfWireKey(EMPTY_ID_KEY)).toBeUndefined()
    expect(wireKeyWords('1.2.3.4')).toBeUndefined()
  })

  it('scan into a reused table: the last occurrence wins, and nothing of the previous message stays', () => {
    // DispatchRequest-shaped: service_id 1, method_id 2, param 3 (twice), call_id 4, host_id 20.
    const msg = new Uint8Array([
      0x0a, 1, 7, 0x12, 0, 0x1a, 1, 8, 0x1a, 2, 9, 9, 0x20, 5, 0xa0, 1, 3,
    ])
    const table = new Scanned()
    const got = scan(msg, undefined, table)
    expect(got).toBe(table)
    expect(got?.fields.get(1)).toMatchObject({ start: 2, end: 3 })
    expect(got?.fields.get(3)).toMatchObject({ start: 10, end: 12 })
    expect(got?.fields.get(4)).toMatchObject({ value: 5 })
    expect(got?.fields.get(20)).toMatchObject({ value: 3 })
    const second = scan(new Uint8Array([0x12, 1, 4]), undefined, table)
    expect(second?.fields.get(2)).toMatchObject({ start: 2, end: 3 })
    for (const gone of [1, 3, 4, 20]) expect(second?.fields.get(gone)).toBeUndefined()
    // Repeated fields are collected afresh; a malformed message is refused.
    expect(scan(new Uint8Array([0x0a, 0, 0x0a, 1, 1]), 1, table)?.list).toHaveLength(2)
    expect(scan(new Uint8Array([0x0a, 0]), 1, table)?.list).toHaveLength(1)
    expect(scan(new Uint8Array([0x0a, 5, 1]), undefined, table)).toBeUndefined()
  })
})

describe('worker wire: the allocation-free forms give the same answers', () => {
  const framed = (inner: Uint8Array, before = 3, after = 2): Uint8Array => {
    const out = new Uint8Array(before + inner.length + after).fill(0xee)
    out.set(inner, before)
    return out
  }

  it('callPayloadFrom and resolvedPayloadFrom read the param or result in place', () => {
    const any = toBinary(
      AnySchema,
      create(AnySchema, { typeUrl: 'x/y', value: new Uint8Array(90) }),
    )
    const source = framed(any)
    const field = { start: 3, end: 3 + any.length, value: 0 }
    const [service, method, call, host] = [
      rawId(5n, 6n),
      rawId(7n, 8n),
      rawId(9n, 10n),
      rawId(1n, 2n),
    ]
    expect(Array.from(callPayloadFrom(service, method, call, source, field))).toEqual(
      Array.from(callPayload(service, method, call, any)),
    )
    for (const resultError of [0, 3, -1]) {
      expect(Array.from(resolvedPayloadFrom(host, call, source, field, resultError))).toEqual(
        Array.from(resolvedPayload(host, call, any, resultError)),
      )
    }
  })

  it('keyAt and keyOf give the key idKey gives; isOwnOrEmptyId says what its empty-or-equal said', () => {
    const own = { high: 0x68_00_00_00_00_00_00_09n, low: 77n }
    const ownWords = wireKeyWords(idKeyOf(own))!
    for (const [high, low] of [...ids, [own.high, own.low]] as const) {
      const raw = framed(rawId(high, low))
      const field = { start: 3, end: raw.length - 2, value: 0 }
      const old = idKey(raw, field)
      expect(keyAt(raw, field.start, field.end)).toBe(old.key)
      expect(keyOf(raw, field)).toBe(old.key)
      expect(isOwnOrEmptyId(raw, field.start, field.end, ownWords)).toBe(
        old.empty || old.key === idKeyOf(own),
      )
    }
    expect(keyOf(new Uint8Array(0), undefined)).toBe(EMPTY_ID_KEY)
    // A malformed id counts as absent (the caller's own host), as before.
    expect(isOwnOrEmptyId(new Uint8Array([0x08]), 0, 1, ownWords)).toBe(true)
  })

  it('keyAt hands out its recent keys again, and the right key for ids one word apart', () => {
    let x = 12345
    const word = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0)
    const made: { raw: Uint8Array; key: string }[] = []
    for (let i = 0; i < 200; i++) {
      const high = (BigInt(word() & 0xffffff) << 32n) | BigInt(word())
      const low = (BigInt(word()) << 32n) | BigInt(word())
      const raw = rawId(high, low)
      made.push({ raw, key: idKey(raw, { start: 0, end: raw.length, value: 0 }).key })
      // Each word changed alone: never the key of the id it came from.
      for (const [h, l] of [
        [high ^ (1n << 40n), low],
        [high ^ 1n, low],
        [high, low ^ (1n << 40n)],
        [high, low ^ 1n],
      ] as const) {
        const other = rawId(h, l)
        const want = idKey(other, { start: 0, end: other.length, value: 0 }).key
        expect(keyAt(other, 0, other.length)).toBe(want)
      }
      expect(keyAt(raw, 0, raw.length)).toBe(made[i]!.key)
    }
    // Asked again, recent or long forgotten: the same text.
    for (const { raw, key } of made) expect(keyAt(raw, 0, raw.length)).toBe(key)
    const again = made[199]!
    const first = keyAt(again.raw, 0, again.raw.length)
    expect(keyAt(again.raw, 0, again.raw.length) === first).toBe(true)
  })

  it('RawIdCopy hands out a view of exactly the id, valid until the next copy', () => {
    const copy = new RawIdCopy()
    const a = framed(rawId(0x63_00_00_00_00_00_00_01n, 2n))
    const b = framed(rawId(0x73_ff_ff_ff_ff_ff_ff_ffn, 0xffff_ffff_ffff_ffffn))
    const first = copy.of(a, { start: 3, end: a.length - 2, value: 0 })
    expect(Array.from(first)).toEqual(Array.from(a.subarray(3, a.length - 2)))
    const second = copy.of(b, { start: 3, end: b.length - 2, value: 0 })
    expect(Array.from(second)).toEqual(Array.from(b.subarray(3, b.length - 2)))
  })

  it('RepeatedRawId copies an id once while the cell repeats it, and again when it changes', () => {
    const cells = new Uint8Array(64)
    const reader = new RepeatedRawId()
    writeRawId(cells, 0, rawId(5n, 6n))
    const first = reader.read(cells, 0)
    expect(Array.from(first)).toEqual(Array.from(rawId(5n, 6n)))
    expect(reader.read(cells, 0)).toBe(first)
    writeRawId(cells, 0, rawId(5n, 7n))
    const changed = reader.read(cells, 0)
    expect(changed).not.toBe(first)
    expect(Array.from(changed)).toEqual(Array.from(rawId(5n, 7n)))
    // What was handed out before is a copy: the cell's new bytes do not reach it.
    expect(Array.from(first)).toEqual(Array.from(rawId(5n, 6n)))
  })
})
