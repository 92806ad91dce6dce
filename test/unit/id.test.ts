import { describe, it, expect } from 'vitest'
import {
  ALL_ID_KINDS,
  ExitMethod,
  IdMap,
  LaunchMethod,
  emptyId,
  equals,
  formatId,
  fromRaw,
  fromRawChecked,
  isEmpty,
  isId,
  isZero,
  kindInfo,
  newCallId,
  newId,
  newServiceId,
  parseAnyId,
  parseId,
  referenceString,
  shortString,
  toRaw,
  zeroId,
} from '../../src/shared/id'
import type { AnyId, IdKind, ServiceId } from '../../src/shared/id'

const LETTERS: Record<IdKind, [string, string]> = {
  service: ['s', 'svc'],
  method: ['m', 'method'],
  call: ['c', 'call'],
  host: ['h', 'host'],
  file: ['f', 'file'],
  queue: ['q', 'queue'],
  row: ['r', 'row'],
  queueMsg: ['m', 'msg'],
  test: ['t', 'test'],
  methodCall: ['m', 'methcall'],
}

const topByte = (id: AnyId): number => Number(id.high >> 56n)

describe('kinds', () => {
  it('has the reference letters and short names', () => {
    expect([...ALL_ID_KINDS].sort()).toEqual(Object.keys(LETTERS).sort())
    for (const kind of ALL_ID_KINDS) {
      const [letter, short] = LETTERS[kind]
      expect(kindInfo(kind).letter).toBe(letter)
      expect(kindInfo(kind).short).toBe(short)
    }
  })

  it('puts the letter in the top byte of high for every kind and constructor', () => {
    for (const kind of ALL_ID_KINDS) {
      const code = LETTERS[kind][0].charCodeAt(0)
      for (const id of [
        newId(kind),
        zeroId(kind),
        emptyId(kind),
        fromRaw(kind, { high: 0n, low: 1n }),
      ]) {
        expect(topByte(id)).toBe(code)
        expect(id.kind).toBe(kind)
      }
    }
    expect(newServiceId().high >> 56n).toBe(0x73n)
    expect(newCallId().high >> 56n).toBe(0x63n)
  })

  it('brands ids by kind at the type level', () => {
    const takesService = (id: ServiceId): string => id.kind
    // @ts-expect-error a CallId is not a ServiceId
    expect(takesService(newCallId())).toBe('call')
    expect(takesService(newServiceId())).toBe('service')
  })
})

describe('raw conversion', () => {
  it('fromRaw re-tags the letter byte and keeps the data', () => {
    const raw = { high: 0x63_01_02_03_04_05_06_07n, low: 0x1122334455667788n }
    const id = fromRaw('service', raw)
    expect(id.high).toBe(0x73_01_02_03_04_05_06_07n)
    expect(id.low).toBe(0x1122334455667788n)
    expect(toRaw(id)).toEqual({ high: 0x73_01_02_03_04_05_06_07n, low: 0x1122334455667788n })
  })

  it('ids are frozen and toRaw returns a fresh object', () => {
    const id = newServiceId()
    expect(Object.isFrozen(id)).toBe(true)
    const raw = toRaw(id)
    raw.low = 0n
    expect(id.low).not.toBe(0n)
  })

  it('fromRaw throws on values outside uint64', () => {
    expect(() => fromRaw('service', { high: -1n, low: 0n })).toThrow(RangeError)
    expect(() => fromRaw('service', { high: 0n, low: 1n << 64n })).toThrow(/unsigned 64-bit/)
  })

  it('fromRawChecked refuses a wrong letter, accepts the right one and letter 0', () => {
    const wrong = fromRawChecked('service', { high: 0x63_00_00_00_00_00_00_01n, low: 5n })
    expect(wrong.ok).toBe(false)
    if (!wrong.ok) {
      expect(wrong.error).toMatch(/wrong id type/)
      expect(wrong.error).toContain("'s'")
      expect(wrong.error).toContain('0x63')
    }
    const right = fromRawChecked('service', { high: 0x73_00_00_00_00_00_00_01n, low: 5n })
    expect(right.ok && right.id.high === 0x73_00_00_00_00_00_00_01n).toBe(true)
    const blank = fromRawChecked('host', { high: 0n, low: 0n })
    expect(blank.ok).toBe(true)
    if (blank.ok) {
      expect(blank.id.high).toBe(0x68n << 56n)
      expect(isEmpty(blank.id)).toBe(true)
    }
    // Kinds that share 'm' accept each other's letter, as the wire cannot tell them apart.
    expect(fromRawChecked('queueMsg', toRaw(LaunchMethod)).ok).toBe(true)
    const range = fromRawChecked('row', { high: 1n << 64n, low: 0n })
    expect(range.ok === false && /unsigned 64-bit/.test(range.error)).toBe(true)
  })
})

describe('zero and empty', () => {
  it('zero has all data bits set and empty has none', () => {
    for (const kind of ALL_ID_KINDS) {
      const letter = BigInt(LETTERS[kind][0].charCodeAt(0))
      expect(zeroId(kind).high).toBe((letter << 56n) | 0x00ffffffffffffffn)
      expect(zeroId(kind).low).toBe(0xffffffffffffffffn)
      expect(emptyId(kind).high).toBe(letter << 56n)
      expect(emptyId(kind).low).toBe(0n)
      expect(isZero(zeroId(kind))).toBe(true)
      expect(isEmpty(zeroId(kind))).toBe(false)
      expect(isEmpty(emptyId(kind))).toBe(true)
      expect(isZero(emptyId(kind))).toBe(false)
    }
  })

  it('IdRaw{0,0} is empty', () => {
    expect(isEmpty({ high: 0n, low: 0n })).toBe(true)
    expect(isZero({ high: 0n, low: 0n })).toBe(false)
  })

  it('uses the reference tests, which ignore byte 6 of high', () => {
    expect(isEmpty({ high: 0x73_ab_00_00_00_00_00_00n, low: 0n })).toBe(true)
    expect(isZero({ high: 0x73_00_ff_ff_ff_ff_ff_ffn, low: 0xffffffffffffffffn })).toBe(true)
    expect(isEmpty({ high: 0x73_00_00_00_00_00_00_01n, low: 0n })).toBe(false)
    expect(isZero({ high: 0x73_ff_ff_ff_ff_ff_ff_ffn, low: 0xfffffffffffffffen })).toBe(false)
  })

  it('reserved method ids are neither zero nor empty', () => {
    expect(LaunchMethod.high).toBe(0x6dffffffffffffffn)
    expect(LaunchMethod.low).toBe(0xfffffffffffffff0n)
    expect(ExitMethod.high).toBe(0x6dffffffffffffffn)
    expect(ExitMethod.low).toBe(0xfffffffffffffff1n)
    for (const id of [LaunchMethod, ExitMethod]) {
      expect(isZero(id)).toBe(false)
      expect(isEmpty(id)).toBe(false)
    }
    expect(equals(LaunchMethod, fromRaw('method', toRaw(LaunchMethod)))).toBe(true)
    expect(equals(LaunchMethod, ExitMethod)).toBe(false)
  })
})

describe('equals', () => {
  it('follows the reference rules', () => {
    const a = newServiceId()
    expect(equals(a, a)).toBe(true)
    expect(equals(a, fromRaw('service', toRaw(a)))).toBe(true)
    expect(equals(a, newServiceId())).toBe(false)
    expect(equals(zeroId('service'), zeroId('service'))).toBe(false)
    expect(equals(zeroId('service'), a)).toBe(false)
    expect(equals(a, zeroId('service'))).toBe(false)
    expect(equals(emptyId('service'), emptyId('service'))).toBe(true)
  })

  it('ids of different kinds with the same data are not equal', () => {
    const raw = { high: 0x12345678n, low: 99n }
    expect(equals(fromRaw('service', raw), fromRaw('call', raw))).toBe(false)
    // Same letter 'm', same bits, still different kinds.
    const m = fromRaw('method', raw)
    const q = fromRaw('queueMsg', raw)
    expect(m.high).toBe(q.high)
    expect(equals(m, q)).toBe(false)
    expect(equals(emptyId('method'), emptyId('methodCall'))).toBe(false)
  })
})

describe('canonical string form', () => {
  it('formats hand-picked values exactly', () => {
    const s = fromRaw('service', { high: 0x73_00_00_00_12_34_56_78n, low: 0x9abcdef011223344n })
    expect(formatId(s)).toBe('svc-00000012345678-9abcdef011223344')
    const c = fromRaw('call', { high: 0x63_a1_b2_c3_d4_e5_f6_07n, low: 0xabcn })
    expect(formatId(c)).toBe('call-a1b2c3d4e5f607-0000000000000abc')
    expect(formatId(zeroId('queueMsg'))).toBe('msg-ffffffffffffff-ffffffffffffffff')
    expect(formatId(emptyId('methodCall'))).toBe('methcall-00000000000000-0000000000000000')
    expect(formatId(LaunchMethod)).toBe('method-ffffffffffffff-fffffffffffffff0')
    expect(formatId(ExitMethod)).toBe('method-ffffffffffffff-fffffffffffffff1')
  })

  it('round-trips 1,000 random ids of each kind plus zero, empty and reserved', () => {
    for (const kind of ALL_ID_KINDS) {
      const ids = [zeroId(kind), emptyId(kind)]
      for (let i = 0; i < 1000; i++) ids.push(newId(kind))
      for (const id of ids) {
        const text = formatId(id)
        expect(text).toMatch(/^[a-z]+-[0-9a-f]{14}-[0-9a-f]{16}$/)
        const back = parseId(kind, text)
        expect(back.ok).toBe(true)
        if (back.ok) {
          expect(back.id).toEqual(id)
          expect(formatId(back.id)).toBe(text)
        }
        const any = parseAnyId(text)
        expect(
          any.ok && any.id.kind === kind && any.id.high === id.high && any.id.low === id.low,
        ).toBe(true)
      }
    }
    for (const id of [LaunchMethod, ExitMethod]) {
      const back = parseId('method', formatId(id))
      expect(back.ok && equals(back.id, id)).toBe(true)
    }
  })

  it('reports what is wrong with malformed strings', () => {
    const cases: [IdKind, string, RegExp][] = [
      ['service', 'call-00000012345678-9abcdef011223344', /wrong prefix.*'svc-'.*"call-"/],
      ['service', 'svc00000012345678-9abcdef011223344', /wrong prefix/],
      ['service', '', /wrong prefix/],
      ['method', 'methcall-00000012345678-9abcdef011223344', /wrong prefix/],
      ['service', 'svc-0000012345678-9abcdef011223344', /wrong length.*got 30/],
      ['service', 'svc-00000012345678-9abcdef0112233440', /wrong length.*got 32/],
      ['service', 'svc-', /wrong length.*got 0/],
      ['service', 'svc-00000012345678:9abcdef011223344', /missing '-' separator/],
      ['service', 'svc-0000001234567g-9abcdef011223344', /non-hex character "g"/],
      ['service', 'svc-00000012345678-9abcdef01122334 ', /non-hex character " "/],
      ['service', 'svc-00000012345678-9ABCDEF011223344', /uppercase hex digit "A"/],
      ['service', 'svc--0000012345678-9abcdef011223344', /non-hex character "-"/],
    ]
    for (const [kind, text, message] of cases) {
      const result = parseId(kind, text)
      expect(result.ok, text).toBe(false)
      if (!result.ok) expect(result.error, text).toMatch(message)
    }
    const any = parseAnyId('nope-00000012345678-9abcdef011223344')
    expect(any.ok === false && /wrong prefix/.test(any.error)).toBe(true)
  })
})

describe('log strings', () => {
  it('shortString matches the reference Short()', () => {
    const s = fromRaw('service', { high: 0x73_00_00_00_12_34_56_78n, low: 0x9abcdef011223344n })
    expect(shortString(s)).toBe('[svc-3344]')
    expect(shortString(fromRaw('call', { high: 1n, low: 0xabcn }))).toBe('[call-0abc]')
    expect(shortString(zeroId('host'))).toBe('[host-zero]')
    expect(shortString(emptyId('file'))).toBe('[file-empty]')
    expect(shortString(fromRaw('queue', { high: 0n, low: 0n }))).toBe('[queue-empty]')
    expect(shortString(LaunchMethod)).toBe('[method-fff0]')
  })

  it('referenceString matches the reference String() including its lossiness', () => {
    const s = fromRaw('service', { high: 0x73_00_00_00_12_34_56_78n, low: 0x9abcdef011223344n })
    // (high>>32)&0xffffff = 0, high&0xffffffff = 12345678, low>>32 = 9abcdef0,
    // (low>>24)&0xffff = f011, low&0xffff = 3344
    expect(referenceString(s)).toBe('svc-000000-12345678:9abcdef0-f011-3344')
    const c = fromRaw('call', { high: 0x63_a1_b2_c3_d4_e5_f6_07n, low: 0xabcn })
    expect(referenceString(c)).toBe('call-a1b2c3-d4e5f607:00000000-0000-0abc')
    expect(referenceString(LaunchMethod)).toBe('method-ffffff-ffffffff:ffffffff-ffff-fff0')
    // Bits 16..23 of low never appear, so these distinct ids print the same.
    const a = fromRaw('row', { high: 7n, low: 0x1_0000n })
    const b = fromRaw('row', { high: 7n, low: 0n })
    expect(referenceString(a)).toBe(referenceString(b))
    expect(formatId(a)).not.toBe(formatId(b))
  })
})

describe('randomness', () => {
  it('1,000 new ids are distinct, correctly tagged and not all-zero data', () => {
    const keys = new Set<string>()
    let orHigh = 0n
    let orLow = 0n
    for (let i = 0; i < 1000; i++) {
      const id = newServiceId()
      expect(topByte(id)).toBe(0x73)
      expect(id.high & 0x00ffffffffffffffn || id.low).not.toBe(0n)
      keys.add(formatId(id))
      orHigh |= id.high
      orLow |= id.low
    }
    expect(keys.size).toBe(1000)
    // Every data bit should have been set at least once across 1,000 draws.
    expect(orHigh).toBe(0x73ffffffffffffffn)
    expect(orLow).toBe(0xffffffffffffffffn)
  })
})

describe('isId and IdMap', () => {
  it('isId checks shape, range and letter', () => {
    const id = newServiceId()
    expect(isId(id)).toBe(true)
    expect(isId(id, 'service')).toBe(true)
    expect(isId(id, 'call')).toBe(false)
    expect(isId({ ...id })).toBe(true)
    expect(isId({ kind: 'service', high: 0x63n << 56n, low: 0n })).toBe(false)
    expect(isId({ kind: 'nope', high: 0n, low: 0n })).toBe(false)
    expect(isId({ kind: 'service', high: 1, low: 0n })).toBe(false)
    expect(isId(null)).toBe(false)
  })

  it('IdMap keys by the canonical id, not object identity', () => {
    const map = new IdMap<'service', number>()
    const a = newServiceId()
    const b = newServiceId()
    map.set(a, 1).set(b, 2)
    expect(map.get(fromRaw('service', toRaw(a)))).toBe(1)
    expect(map.has({ ...b })).toBe(true)
    expect(map.size).toBe(2)
    expect([...map.keys()].map(formatId).sort()).toEqual([formatId(a), formatId(b)].sort())
    expect([...map].map(([, v]) => v).sort()).toEqual([1, 2])
    expect(map.delete(a)).toBe(true)
    expect(map.get(a)).toBeUndefined()
    map.clear()
    expect(map.size).toBe(0)
  })
})
