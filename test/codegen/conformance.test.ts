// Conformance of protoc-gen-parigot's AssemblyScript message codecs with @bufbuild/protobuf.
//
// The test generates AS code for test/fixtures/codegen/proto/conformance/v1/conformance.proto
// into a temporary directory, compiles a probe (test/fixtures/codegen/conformance-probe.ts.tmpl)
// against it, and compares the probe's encodings and decodings with protobuf-es, which works
// from the same proto through its reflection API (a FileDescriptorSet from `buf build`), so no
// TypeScript has to be generated for it.

import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import {
  create,
  createFileRegistry,
  equals,
  fromBinary,
  ScalarType,
  toBinary,
} from '@bufbuild/protobuf'
import type { DescMessage, FileRegistry, Message, MessageInitShape } from '@bufbuild/protobuf'
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDescriptorSet, DEFAULT_RUNTIME, generateGuestCode } from '../../src/codegen/generate'
import { GENERATED_HEADER } from '../../src/codegen/messages'
import { createEngine, createMemoryLogger } from '../../src/main/engine'
import type { GuestInstance } from '../../src/main/engine'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'

const PROTO_DIR = join(REPO_ROOT, 'test', 'fixtures', 'codegen', 'proto')
const INCLUDES = [join(REPO_ROOT, 'proto')]
const PROBE_TEMPLATE = join(REPO_ROOT, 'test', 'fixtures', 'codegen', 'conformance-probe.ts.tmpl')

// Message kinds understood by the probe's roundtrip().
const KIND = {
  Scalars: 0,
  Repeated: 1,
  Outer: 2,
  Choice: 3,
  Maps: 4,
  Optionals: 5,
  OutOfOrder: 6,
  Empty: 7,
  DescriptorSet: 8,
} as const
type KindName = keyof typeof KIND

const TEXT = 'héllo ✓ 𝄞'
const I64_MAX = 0x7fffffffffffffffn
const I64_MIN = -0x8000000000000000n
const U64_MAX = 0xffffffffffffffffn
const F32_MAX = Math.fround(3.4028234663852886e38)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

/** The Scalars value sets of the probe's scalarsSet(), as protobuf-es init objects. */
const SCALAR_SETS: Record<string, unknown>[] = [
  {
    fInt32: 2147483647,
    fInt64: I64_MAX,
    fUint32: 0xffffffff,
    fUint64: U64_MAX,
    fSint32: 2147483647,
    fSint64: I64_MAX,
    fFixed32: 0xffffffff,
    fFixed64: U64_MAX,
    fSfixed32: 2147483647,
    fSfixed64: I64_MAX,
    fFloat: F32_MAX,
    fDouble: Number.MAX_VALUE,
    fBool: true,
    fString: TEXT,
    fBytes: new Uint8Array([0, 1, 0x7f, 0x80, 0xff]),
    fEnum: 2,
  },
  {
    fInt32: -2147483648,
    fInt64: I64_MIN,
    fUint32: 1,
    fUint64: 1n,
    fSint32: -2147483648,
    fSint64: I64_MIN,
    fFixed32: 1,
    fFixed64: 1n,
    fSfixed32: -2147483648,
    fSfixed64: I64_MIN,
    fFloat: -Infinity,
    fDouble: -0,
    fBool: false,
    fString: '',
    fBytes: new Uint8Array(0),
    fEnum: -1,
  },
  {
    fInt32: -1,
    fInt64: -1n,
    fUint32: 0x80000000,
    fUint64: 0x8000000000000000n,
    fSint32: -1,
    fSint64: -1n,
    fFixed32: 0x80000000,
    fFixed64: 0x8000000000000000n,
    fSfixed32: -1,
    fSfixed64: -1n,
    fFloat: -1.5,
    fDouble: Number.MIN_VALUE,
    fBool: true,
    fString: 'a',
    fBytes: new Uint8Array([0]),
    fEnum: 1,
  },
  {},
]

const REPEATED_VALUES: Record<string, unknown> = {
  pInt32: [0, 1, -1, 2147483647, -2147483648],
  pInt64: [0n, -1n, I64_MAX, I64_MIN],
  pUint32: [0, 1, 0xffffffff],
  pUint64: [0n, U64_MAX, 300n],
  pSint32: [0, -1, 1, -2147483648, 2147483647],
  pSint64: [0n, -1n, I64_MIN, I64_MAX],
  pFixed32: [0, 0xffffffff, 5],
  pFixed64: [0n, U64_MAX, 5n],
  pSfixed32: [0, -1, -2147483648],
  pSfixed64: [0n, -1n, I64_MIN],
  pFloat: [0, -0, 1.5, -Infinity, F32_MAX],
  pDouble: [0, -0, Number.MAX_VALUE, Number.MIN_VALUE, -2.5],
  pBool: [true, false, true],
  pEnum: [0, 1, 2, -1],
  rString: ['', TEXT, 'x'],
  rBytes: [new Uint8Array(0), new Uint8Array([1, 2, 3])],
  uInt32: [0, -5, 7],
  uSint64: [I64_MIN, 0n, 3n],
  uFixed32: [1, 0],
  uDouble: [-0, 0.1],
  uBool: [false, true],
  uEnum: [-1, 0, 2],
}

const WRITE_SCALAR: Record<ScalarType, [WireType, (w: BinaryWriter, v: never) => BinaryWriter]> = {
  [ScalarType.DOUBLE]: [WireType.Bit64, (w, v) => w.double(v)],
  [ScalarType.FLOAT]: [WireType.Bit32, (w, v) => w.float(v)],
  [ScalarType.INT64]: [WireType.Varint, (w, v) => w.int64(v)],
  [ScalarType.UINT64]: [WireType.Varint, (w, v) => w.uint64(v)],
  [ScalarType.INT32]: [WireType.Varint, (w, v) => w.int32(v)],
  [ScalarType.FIXED64]: [WireType.Bit64, (w, v) => w.fixed64(v)],
  [ScalarType.FIXED32]: [WireType.Bit32, (w, v) => w.fixed32(v)],
  [ScalarType.BOOL]: [WireType.Varint, (w, v) => w.bool(v)],
  [ScalarType.STRING]: [WireType.LengthDelimited, (w, v) => w.string(v)],
  [ScalarType.BYTES]: [WireType.LengthDelimited, (w, v) => w.bytes(v)],
  [ScalarType.UINT32]: [WireType.Varint, (w, v) => w.uint32(v)],
  [ScalarType.SFIXED32]: [WireType.Bit32, (w, v) => w.sfixed32(v)],
  [ScalarType.SFIXED64]: [WireType.Bit64, (w, v) => w.sfixed64(v)],
  [ScalarType.SINT32]: [WireType.Varint, (w, v) => w.sint32(v)],
  [ScalarType.SINT64]: [WireType.Varint, (w, v) => w.sint64(v)],
}

/**
 * Repeated scalars encoded the other way round: declared-packed fields unpacked and
 * declared-unpacked ones packed; `split` also cuts every packed run in two and appends one
 * unpacked element, which a decoder must concatenate.
 */
function flippedRepeated(desc: DescMessage, msg: Message, split: boolean): Uint8Array {
  const w = new BinaryWriter()
  const fields = [...desc.fields].sort((a, b) => a.number - b.number)
  for (const f of fields) {
    if (f.fieldKind !== 'list' || f.listKind === 'message') continue
    const values = (msg as unknown as Record<string, unknown[]>)[f.localName] ?? []
    const [wire, write] = WRITE_SCALAR[f.scalar ?? ScalarType.INT32]
    const packable = wire !== WireType.LengthDelimited
    if (!packable || f.packed) {
      for (const v of values) write(w.tag(f.number, wire), v as never)
      continue
    }
    const runs = split ? [values.slice(0, 1), values.slice(1)] : [values]
    for (const run of runs) {
      w.tag(f.number, WireType.LengthDelimited).fork()
      for (const v of run) write(w, v as never)
      w.join()
    }
    if (split && values.length > 0) write(w.tag(f.number, wire), values[0] as never)
  }
  return w.finish()
}

/** Unknown fields of every wire type, with field numbers the messages do not use. */
function unknownFields(withGroup: boolean): { all: Uint8Array; kept: Uint8Array } {
  const kept = new BinaryWriter()
    .tag(90, WireType.Varint)
    .uint64(U64_MAX)
    .tag(91, WireType.Bit64)
    .fixed64(0x1122334455667788n)
    .tag(92, WireType.LengthDelimited)
    .bytes(new Uint8Array([0x0a, 0x02, 0x08, 0x01]))
    .tag(93, WireType.Bit32)
    .fixed32(0xdeadbeef)
    .tag(536870911, WireType.Varint)
    .int32(-1)
    .finish()
  if (!withGroup) return { all: kept, kept }
  const group = new BinaryWriter()
    .tag(94, WireType.StartGroup)
    .tag(1, WireType.Varint)
    .uint32(5)
    .tag(94, WireType.EndGroup)
    .finish()
  return { all: concat(kept, group), kept }
}

class Probe {
  constructor(readonly guest: GuestInstance) {}

  call(name: string, ...args: number[]): number {
    const outcome = this.guest.call(name, ...args)
    if (outcome.kind !== 'returned') throw new Error(`${name}: ${JSON.stringify(outcome)}`)
    return Number(outcome.value)
  }

  input(bytes: Uint8Array): void {
    const ptr = this.call('input', bytes.length)
    if (!this.guest.memory.write(ptr, bytes)) throw new Error('input outside memory')
  }

  output(): Uint8Array {
    const out = this.guest.memory.read(this.call('output_ptr'), this.call('output_len'))
    if (out === undefined) throw new Error('output outside memory')
    return out
  }

  /** Calls `name(...args)` on `input`; its status and output bytes. */
  run(name: string, input: Uint8Array, ...args: number[]): { status: number; out: Uint8Array } {
    this.input(input)
    const status = this.call(name, ...args)
    return { status, out: this.output() }
  }

  /** AS decode + re-encode of `bytes` as `kind`. */
  roundtrip(kind: KindName, bytes: Uint8Array): { status: number; out: Uint8Array } {
    return this.run('roundtrip', bytes, KIND[kind])
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

describe('protoc-gen-parigot AssemblyScript messages', () => {
  let genDir: string
  let registry: FileRegistry
  let probe: Probe

  const desc = (name: string): DescMessage => {
    const d = registry.getMessage(`conformance.v1.${name}`)
    if (d === undefined) throw new Error(`no message ${name}`)
    return d
  }
  const make = (name: string, init: Record<string, unknown> = {}): Message =>
    create(desc(name), init as MessageInitShape<DescMessage>)
  const encode = (name: string, init: Record<string, unknown> = {}): Uint8Array =>
    toBinary(desc(name), make(name, init))
  /** protobuf-es's canonical re-encoding of `bytes`. */
  const esRoundtrip = (name: string, bytes: Uint8Array): Uint8Array =>
    toBinary(desc(name), fromBinary(desc(name), bytes))

  /** AS round trip must succeed and equal protobuf-es's re-encoding. */
  function expectRoundtrip(name: KindName, bytes: Uint8Array): Uint8Array {
    const { status, out } = probe.roundtrip(name, bytes)
    expect(status).toBe(0)
    expect(hex(out)).toBe(hex(esRoundtrip(name, bytes)))
    return out
  }

  beforeAll(async () => {
    // A fixed, git-ignored place (not a fresh temporary directory) so that asc's disk cache,
    // keyed by path, is hit on the next run when neither the generator nor the proto changed.
    genDir = join(REPO_ROOT, 'node_modules', '.cache', 'parigot-codegen', 'conformance')
    await rm(genDir, { recursive: true, force: true })
    generateGuestCode({ protoDir: PROTO_DIR, outDir: genDir, includes: INCLUDES })
    const runtime = relative(genDir, DEFAULT_RUNTIME).split(sep).join('/')
    const template = await readFile(PROBE_TEMPLATE, 'utf8')
    const probeFile = join(genDir, 'probe.ts')
    await writeFile(probeFile, template.replaceAll('__RUNTIME__', runtime))

    const set = fromBinary(FileDescriptorSetSchema, buildDescriptorSet(PROTO_DIR, INCLUDES))
    registry = createFileRegistry(set)

    const engine = createEngine()
    const compiled = await engine.compile(await compileAssemblyScript(probeFile), 'probe.wasm')
    const guest = engine.instantiate(compiled, {
      serviceName: 'codegen-probe',
      logger: createMemoryLogger('codegen-probe').logger,
    })
    probe = new Probe(guest)
    expect(guest.start()).toEqual({ kind: 'exited', code: 0 })
  })

  afterAll(async () => {
    if (genDir !== undefined)
      await rm(join(genDir, '..', 'again'), { recursive: true, force: true })
  })

  describe('generation', () => {
    it('writes one .pb.ts per file, imports included, each with the header', async () => {
      const files = await listFiles(genDir)
      expect(files).toEqual([
        'conformance/v1/conformance.pb.ts',
        'google/protobuf/any.pb.ts',
        'google/protobuf/descriptor.pb.ts',
        'parigot/protosupport/v1/protosupport.pb.ts',
        'probe.ts',
      ])
      const text = await readFile(join(genDir, 'conformance/v1/conformance.pb.ts'), 'utf8')
      expect(text.split('\n').slice(0, 2)).toEqual([
        GENERATED_HEADER,
        '// source: conformance/v1/conformance.proto',
      ])
      expect(text).toContain("import { Any } from '../../google/protobuf/any.pb'")
      expect(text).toContain(
        "import { IdRaw } from '../../parigot/protosupport/v1/protosupport.pb'",
      )
    })

    it('is deterministic: two runs give identical files', async () => {
      // A sibling of genDir: the runtime import is relative, so it depends on the depth.
      const again = join(genDir, '..', 'again')
      await rm(again, { recursive: true, force: true })
      generateGuestCode({ protoDir: PROTO_DIR, outDir: again, includes: INCLUDES })
      const first = (await listFiles(genDir)).filter((f) => f !== 'probe.ts')
      expect(await listFiles(again)).toEqual(first)
      for (const f of first) {
        const a = await readFile(join(genDir, f), 'utf8')
        expect(await readFile(join(again, f), 'utf8'), f).toBe(a)
      }
    })
  })

  describe('scalars', () => {
    it.each([0, 1, 2, 3])('value set %i: AS encoding equals protobuf-es, both ways', (set) => {
      const init = SCALAR_SETS[set]!
      const es = encode('Scalars', init)
      expect(hex(probe.run('build_scalars', new Uint8Array(0), set).out)).toBe(hex(es))
      expect(probe.run('check_scalars', es, set).status).toBe(0)
      expect(hex(expectRoundtrip('Scalars', es))).toBe(hex(es))
      expect(equals(desc('Scalars'), fromBinary(desc('Scalars'), es), make('Scalars', init))).toBe(
        true,
      )
    })

    it('large varints: uint64 max is 10 bytes, int64 min is 10 bytes', () => {
      const es = encode('Scalars', { fUint64: U64_MAX, fInt64: I64_MIN })
      expect(hex(es)).toBe('10' + '80808080808080808001' + '20' + 'ffffffffffffffffff01')
      expectRoundtrip('Scalars', es)
    })

    it('-0.0 is written (not the default), +0.0 is not', () => {
      const neg = probe.run('build_scalars', new Uint8Array(0), 1).out
      expect(hex(neg)).toContain('610000000000000080')
      expect(probe.run('build_scalars', new Uint8Array(0), 3).out.length).toBe(0)
    })
  })

  describe('repeated', () => {
    it('round trips packed (default) and [packed=false] fields byte-identically', () => {
      const es = encode('Repeated', REPEATED_VALUES)
      expect(hex(expectRoundtrip('Repeated', es))).toBe(hex(es))
    })

    it('accepts the other encoding for every repeated scalar and re-encodes canonically', () => {
      const msg = make('Repeated', REPEATED_VALUES)
      const canonical = toBinary(desc('Repeated'), msg)
      for (const split of [false, true]) {
        const flipped = flippedRepeated(desc('Repeated'), msg, split)
        expect(hex(flipped)).not.toBe(hex(canonical))
        const { status, out } = probe.roundtrip('Repeated', flipped)
        expect(status).toBe(0)
        expect(hex(out)).toBe(hex(esRoundtrip('Repeated', flipped)))
        if (!split) expect(hex(out)).toBe(hex(canonical))
      }
    })

    it('empty lists are not written', () => {
      expect(probe.roundtrip('Repeated', new Uint8Array(0)).out.length).toBe(0)
    })
  })

  describe('oneof', () => {
    const cases: [number, Record<string, unknown>][] = [
      [0, {}],
      [2, { case: 'number', value: 0 }],
      [3, { case: 'text', value: '' }],
      [4, { case: 'blob', value: new Uint8Array([1, 2]) }],
      [5, { case: 'color', value: -1 }],
      [6, { case: 'inner', value: { name: 'in' } }],
      [7, { case: 'empty', value: {} }],
      [8, { case: 'flag', value: false }],
      [9, { case: 'ratio', value: -0 }],
    ]

    it.each(cases)('member %i: only it is encoded, even at its zero value', (field, kind) => {
      const init = field === 0 ? { before: 'b', after: 'a' } : { before: 'b', kind, after: 'a' }
      const es = encode('Choice', init)
      expect(hex(probe.run('build_choice', new Uint8Array(0), field).out)).toBe(hex(es))
      expect(hex(expectRoundtrip('Choice', es))).toBe(hex(es))
      expect(probe.run('choice_case', es).status).toBe(field)
    })

    it('the last member on the wire wins; a repeated message member is merged', () => {
      const number = encode('Choice', { kind: { case: 'number', value: 5 } })
      const text = encode('Choice', { kind: { case: 'text', value: 'x' } })
      const both = concat(number, text)
      expect(probe.run('choice_case', both).status).toBe(3)
      expect(hex(expectRoundtrip('Choice', both))).toBe(hex(text))

      const a = encode('Choice', { kind: { case: 'inner', value: { name: 'a' } } })
      const b = encode('Choice', { kind: { case: 'inner', value: { kind: 1 } } })
      const merged = encode('Choice', { kind: { case: 'inner', value: { name: 'a', kind: 1 } } })
      expect(hex(expectRoundtrip('Choice', concat(a, b)))).toBe(hex(merged))
      // A different member in between discards the first message.
      expect(hex(expectRoundtrip('Choice', concat(a, number, b)))).toBe(hex(b))
    })

    it('setters switch the member; clear empties the oneof', () => {
      expect(probe.run('choice_switch', new Uint8Array(0)).status).toBe(0)
    })
  })

  describe('maps', () => {
    const MAPS_INIT: Record<string, unknown> = {
      stringString: { k: 'v', '': '' },
      int32Int64: { '-1': I64_MIN, 7: 0n },
      int64String: { [I64_MAX.toString()]: TEXT },
      uint32Bytes: { 4294967295: new Uint8Array([9]) },
      uint64Double: { [U64_MAX.toString()]: -2.5 },
      sint32Enum: { '-3': 1 },
      sint64Float: { [I64_MIN.toString()]: 1.25 },
      fixed32Bool: { 5: true },
      fixed64Sint32: { 6: -6 },
      sfixed32Fixed64: { '-7': 7n },
      sfixed64Sfixed32: { '-8': -8 },
      boolString: { true: 'yes' },
      stringMessage: { leaf: { kind: 1 }, empty: {} },
      int32Id: { 1: { high: 0x73a1b2c3d4e5f607n, low: U64_MAX } },
    }

    it('AS-built maps decode in protobuf-es to the same message', () => {
      const bytes = probe.run('build_maps', new Uint8Array(0)).out
      const got = fromBinary(desc('Maps'), bytes)
      expect(equals(desc('Maps'), got, make('Maps', MAPS_INIT))).toBe(true)
    })

    it('protobuf-es maps decode in AS (lookups) and round trip byte-identically', () => {
      const es = encode('Maps', MAPS_INIT)
      expect(probe.run('check_maps', es).status).toBe(0)
      expect(hex(expectRoundtrip('Maps', es))).toBe(hex(es))
    })

    it('entries with missing key or value decode to defaults; a repeated key keeps the last', () => {
      const w = new BinaryWriter()
      // int32Int64 entry without a key, then one without a value, then key 7 twice.
      w.tag(2, WireType.LengthDelimited).fork().tag(2, WireType.Varint).int64(9n).join()
      w.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int32(3).join()
      w.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int32(7).join()
      w.tag(2, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.Varint)
        .int32(7)
        .tag(2, WireType.Varint)
        .int64(1n)
        .join()
      expectRoundtrip('Maps', w.finish())
    })
  })

  describe('messages', () => {
    it('empty messages: nothing on the wire, but a set empty field is present', () => {
      expect(probe.roundtrip('Empty', new Uint8Array(0))).toEqual({
        status: 0,
        out: new Uint8Array(0),
      })
      const es = encode('Outer', { empty: {} })
      expect(hex(es)).toBe('1a00')
      expect(hex(expectRoundtrip('Outer', es))).toBe('1a00')
    })

    it('nested, repeated, recursive and imported (Any, IdRaw) messages match protobuf-es', () => {
      const init = {
        inner: { name: 'parent', child: { kind: 1 } },
        inners: [{}, { kind: 1 }],
        empty: {},
        any: { typeUrl: 'type.googleapis.com/conformance.v1.Empty' },
        id: { high: 1n, low: 2n },
        ids: [{}, { high: 1n, low: 2n }],
        recursive: { scalars: SCALAR_SETS[2] },
      }
      const es = encode('Outer', init)
      expect(hex(probe.run('build_outer', new Uint8Array(0)).out)).toBe(hex(es))
      expect(hex(expectRoundtrip('Outer', es))).toBe(hex(es))
    })

    it('a message field seen twice is merged', () => {
      const a = encode('Outer', { inner: { name: 'a' }, id: { high: 1n } })
      const b = encode('Outer', { inner: { kind: 1 }, id: { low: 2n } })
      const merged = encode('Outer', { inner: { name: 'a', kind: 1 }, id: { high: 1n, low: 2n } })
      expect(hex(expectRoundtrip('Outer', concat(a, b)))).toBe(hex(merged))
    })

    it('fields are written in field-number order whatever the declaration order', () => {
      const es = encode('OutOfOrder', { c: 'c', a: 1, pick: { case: 'y', value: 'y' }, b: [1] })
      expect(hex(expectRoundtrip('OutOfOrder', es))).toBe(hex(es))
    })
  })

  describe('proto3 optional', () => {
    const ZEROS = {
      oInt32: 0,
      oInt64: 0n,
      oUint64: 0n,
      oSint32: 0,
      oFixed64: 0n,
      oFloat: 0,
      oDouble: 0,
      oBool: false,
      oString: '',
      oBytes: new Uint8Array(0),
      oEnum: 0,
      oMessage: {},
      package: '',
    }

    it('set zero values are written and their presence survives decoding', () => {
      const es = encode('Optionals', ZEROS)
      expect(es.length).toBeGreaterThan(0)
      expect(hex(probe.run('build_optionals_zero', new Uint8Array(0)).out)).toBe(hex(es))
      expect(probe.run('optionals_presence', es).status).toBe(0x1fff)
      expect(hex(expectRoundtrip('Optionals', es))).toBe(hex(es))
    })

    it('unset fields are absent', () => {
      expect(probe.run('optionals_presence', new Uint8Array(0)).status).toBe(0)
      const one = encode('Optionals', { oUint64: 0n })
      expect(probe.run('optionals_presence', one).status).toBe(1 << 2)
    })
  })

  describe('proto2 (google/protobuf/descriptor.proto)', () => {
    it('a FileDescriptorSet from buf round trips as in protobuf-es', () => {
      const bytes = buildDescriptorSet(PROTO_DIR, INCLUDES)
      // The schema from the same descriptor.proto buf compiled: protobuf-es's built-in one can
      // be older (without fields buf sets, which it would keep as unknown, at the end).
      const schema = registry.getMessage('google.protobuf.FileDescriptorSet')!
      const es = toBinary(schema, fromBinary(schema, bytes))
      const { status, out } = probe.roundtrip('DescriptorSet', bytes)
      expect(status).toBe(0)
      expect(out.length).toBeGreaterThan(1000)
      expect(hex(out)).toBe(hex(es))
    })
  })

  describe('proto2 defaults', () => {
    it('unset fields read as their declared default and are not written', () => {
      expect(probe.run('proto2_defaults', new Uint8Array(0)).status).toBe(0)
    })
  })

  describe('unknown fields and malformed input', () => {
    it('unknown fields of every wire type are kept and re-emitted after the known ones', () => {
      const known = encode('Scalars', SCALAR_SETS[0]!)
      const { all } = unknownFields(false)
      const input = concat(known, all)
      expect(probe.run('scalars_unknown_len', input).status).toBe(all.length)
      // protobuf-es keeps them too, so both re-encodings equal the input.
      expect(hex(expectRoundtrip('Scalars', input))).toBe(hex(input))
    })

    it('unknown groups are skipped without error but not preserved', () => {
      const known = encode('Scalars', SCALAR_SETS[2]!)
      const { all, kept } = unknownFields(true)
      const { status, out } = probe.roundtrip('Scalars', concat(known, all))
      expect(status).toBe(0)
      expect(hex(out)).toBe(hex(concat(known, kept)))
    })

    it('truncated input sets the reader error instead of trapping', () => {
      const es = encode('Outer', { inner: { name: 'parent' }, scalars: SCALAR_SETS[0] })
      for (let cut = 1; cut < es.length; cut += 7) {
        const { status } = probe.roundtrip('Outer', es.subarray(0, cut))
        expect(status, `cut at ${cut}`).toBeGreaterThan(0)
      }
    })
  })
})
