// The kernel thread decodes each notice's call id by hand (notice-drain.ts fastRawId): it must
// agree with protobuf-es on every id a worker can write, and fall back on anything else.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { drainDelay, fastRawId } from '../../src/main/kernel/transport/notice-drain'
import { readNotices, writeNotice } from '../../src/main/kernel/transport/notice-cells'
import { createSwitchboard, NOTICE_CELLS } from '../../src/main/kernel/transport/switchboard'

describe('fastRawId', () => {
  it('decodes ids as protobuf-es does, edge values included', () => {
    const values = [0n, 1n, 127n, 128n, 0x7fffffffn, 0xffffffffn, 2n ** 63n, 2n ** 64n - 1n]
    for (const high of values) {
      for (const low of values) {
        const bytes = toBinary(IdRawSchema, create(IdRawSchema, { high, low }))
        const fast = fastRawId(bytes)
        const slow = fromBinary(IdRawSchema, bytes)
        expect([fast.high, fast.low]).toEqual([slow.high, slow.low])
        expect(toBinary(IdRawSchema, fast)).toEqual(bytes)
      }
    }
  })

  it('falls back for an unknown field or a truncated varint (empty id, as rawId answers)', () => {
    const withExtra = new Uint8Array([0x08, 0x05, 0x18, 0x01])
    expect(fastRawId(withExtra)).toEqual(fromBinary(IdRawSchema, withExtra))
    const truncated = new Uint8Array([0x08, 0xff])
    const id = fastRawId(truncated)
    expect([id.high, id.low]).toEqual([0n, 0n])
  })
})

describe('readNotices', () => {
  it('gives each notice its own ids while services and methods alternate and repeat', () => {
    const board = createSwitchboard()
    const raw = (high: bigint, low: bigint) =>
      toBinary(IdRawSchema, create(IdRawSchema, { high, low }))
    const services = [raw(0x73n << 56n, 1n), raw(0x73n << 56n, 2n), raw(0x73n << 56n, 300n)]
    const methods = [raw(0x6dn << 56n, 7n), raw(0x6dn << 56n, 7n << 40n)]
    const written: { service: Uint8Array; method: Uint8Array; call: Uint8Array }[] = []
    for (let i = 0; i < 12; i++) {
      const entry = {
        service: services[[0, 0, 1, 2, 2, 0][i % 6] as number] as Uint8Array,
        method: methods[[0, 1, 1, 0][i % 4] as number] as Uint8Array,
        call: raw(0x63n << 56n, BigInt(i + 1)),
      }
      written.push(entry)
      expect(
        writeNotice(board, 0, entry.call, { serviceId: entry.service, methodId: entry.method }),
      ).toBe(true)
    }
    const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1')
    const read = readNotices(board, false)
    expect(read.map((n) => ('serviceId' in n ? [n.callId, n.serviceId, n.methodId] : []))).toEqual(
      written.map((w) => [latin1(w.call), latin1(w.service), latin1(w.method)]),
    )
  })
})

describe('the delay before the next drain while calls flow', () => {
  it('is the most allowed while the ring would stay under a quarter full, and shortens as notices come faster', () => {
    const quarter = NOTICE_CELLS / 4
    expect(drainDelay(10, 12, 12)).toBe(12)
    expect(drainDelay(quarter, 12, 12)).toBe(12)
    // Twice a quarter of the ring in 12 ms: half the time, so the ring still holds a quarter.
    expect(drainDelay(2 * quarter, 12, 12)).toBe(6)
    // A shortened delay that read as fast stays short; one that read slowly grows back.
    expect(drainDelay(quarter, 6, 12)).toBe(6)
    expect(drainDelay(10, 6, 12)).toBe(12)
    // Never below 1 ms, even for a ring that filled in a moment.
    expect(drainDelay(NOTICE_CELLS, 1, 12)).toBe(1)
  })
})
