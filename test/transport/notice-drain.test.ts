// The kernel thread decodes each notice's call id by hand (notice-drain.ts fastRawId): it must
// agree with protobuf-es on every id a worker can write, and fall back on anything else.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { fastRawId } from '../../src/main/kernel/transport/notice-drain'

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
