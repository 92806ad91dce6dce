// How each protobuf field type maps to AssemblyScript: its type, zero value, wire type, and the
// expressions that test, write and read a value; plus defaults and presence.

import { ScalarType } from '@bufbuild/protobuf'
import type { DescEnum, DescField } from '@bufbuild/protobuf'
import type { ImportSet } from './printer'

export interface ScalarInfo {
  readonly asType: string
  readonly zero: string
  readonly wire: 'Varint' | 'Fixed32' | 'Fixed64' | 'Bytes'
  /** Expression true when `v` differs from the implicit-presence default (so it is written). */
  readonly isSet: (v: string) => string
  /** Statement writing `v` without a tag. */
  readonly writeRaw: (w: string, v: string) => string
  /** Expression reading a value from reader `r` (whose wire type matches). */
  readonly read: (r: string) => string
}

const varint = (asType: string, toU64: (v: string) => string, read: (r: string) => string) =>
  ({
    asType,
    zero: '0',
    wire: 'Varint',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `${w}.rawVarint(${toU64(v)})`,
    read,
  }) satisfies ScalarInfo

export const SCALARS: Record<ScalarType, ScalarInfo> = {
  [ScalarType.INT32]: varint(
    'i32',
    (v) => `<u64>(<i64>${v})`,
    (r) => `${r}.int32()`,
  ),
  [ScalarType.INT64]: varint(
    'i64',
    (v) => `<u64>${v}`,
    (r) => `<i64>${r}.uint64()`,
  ),
  [ScalarType.UINT32]: varint(
    'u32',
    (v) => `<u64>${v}`,
    (r) => `<u32>${r}.uint64()`,
  ),
  [ScalarType.UINT64]: varint(
    'u64',
    (v) => v,
    (r) => `${r}.uint64()`,
  ),
  [ScalarType.SINT32]: varint(
    'i32',
    (v) => `<u64>pbZigzag32(${v})`,
    (r) => `pbUnzigzag32(<u32>${r}.uint64())`,
  ),
  [ScalarType.SINT64]: varint(
    'i64',
    (v) => `pbZigzag64(${v})`,
    (r) => `pbUnzigzag64(${r}.uint64())`,
  ),
  [ScalarType.BOOL]: {
    asType: 'bool',
    zero: 'false',
    wire: 'Varint',
    isSet: (v) => v,
    writeRaw: (w, v) => `${w}.byte(${v} ? 1 : 0)`,
    read: (r) => `${r}.bool()`,
  },
  [ScalarType.FIXED32]: {
    asType: 'u32',
    zero: '0',
    wire: 'Fixed32',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `pbRawFixed32(${w}, ${v})`,
    read: (r) => `${r}.fixed32()`,
  },
  [ScalarType.SFIXED32]: {
    asType: 'i32',
    zero: '0',
    wire: 'Fixed32',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `pbRawFixed32(${w}, <u32>${v})`,
    read: (r) => `<i32>${r}.fixed32()`,
  },
  // Floats compare by bits: -0 is not the default and is written, as protobuf-es does.
  [ScalarType.FLOAT]: {
    asType: 'f32',
    zero: '0',
    wire: 'Fixed32',
    isSet: (v) => `reinterpret<u32>(${v}) != 0`,
    writeRaw: (w, v) => `pbRawFixed32(${w}, reinterpret<u32>(${v}))`,
    read: (r) => `reinterpret<f32>(${r}.fixed32())`,
  },
  [ScalarType.FIXED64]: {
    asType: 'u64',
    zero: '0',
    wire: 'Fixed64',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `pbRawFixed64(${w}, ${v})`,
    read: (r) => `${r}.fixed64()`,
  },
  [ScalarType.SFIXED64]: {
    asType: 'i64',
    zero: '0',
    wire: 'Fixed64',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `pbRawFixed64(${w}, <u64>${v})`,
    read: (r) => `<i64>${r}.fixed64()`,
  },
  [ScalarType.DOUBLE]: {
    asType: 'f64',
    zero: '0',
    wire: 'Fixed64',
    isSet: (v) => `reinterpret<u64>(${v}) != 0`,
    writeRaw: (w, v) => `pbRawFixed64(${w}, reinterpret<u64>(${v}))`,
    read: (r) => `reinterpret<f64>(${r}.fixed64())`,
  },
  [ScalarType.STRING]: {
    asType: 'string',
    zero: "''",
    wire: 'Bytes',
    isSet: (v) => `${v}.length != 0`,
    writeRaw: (w, v) => `pbRawString(${w}, ${v})`,
    read: (r) => `${r}.string()`,
  },
  [ScalarType.BYTES]: {
    asType: 'Uint8Array',
    zero: 'new Uint8Array(0)',
    wire: 'Bytes',
    isSet: (v) => `${v}.length != 0`,
    writeRaw: (w, v) => `pbRawBytes(${w}, ${v})`,
    read: (r) => `${r}.bytes()`,
  },
}

function enumInfo(ident: string): ScalarInfo {
  return {
    asType: ident,
    zero: '0',
    wire: 'Varint',
    isSet: (v) => `${v} != 0`,
    writeRaw: (w, v) => `${w}.rawVarint(<u64>(<i64>(<i32>${v})))`,
    read: (r) => `<${ident}>${r}.int32()`,
  }
}

/** Scalar or enum info for a field's value type. */
export function valueInfo(
  scalar: ScalarType | undefined,
  en: DescEnum | undefined,
  imports: ImportSet,
): ScalarInfo {
  if (en !== undefined) return enumInfo(imports.use(en))
  return SCALARS[scalar ?? ScalarType.INT32]
}

/** An AS literal for a proto2 / editions default value. */
export function defaultLiteral(field: DescField, info: ScalarInfo): string {
  if (field.fieldKind === 'enum') {
    const d = field.getDefaultValue()
    return d === undefined ? info.zero : `<${info.asType}>${d}`
  }
  if (field.fieldKind !== 'scalar') return info.zero
  const d = field.getDefaultValue()
  if (d === undefined) return info.zero
  if (typeof d === 'string') return JSON.stringify(d)
  if (typeof d === 'boolean') return d ? 'true' : 'false'
  if (d instanceof Uint8Array) return `pbBytesOf([${[...d].join(', ')}])`
  // Hex of the 64-bit pattern: asc reads it as those bits, for i64 as for u64.
  if (typeof d === 'bigint') return `<${info.asType}>0x${BigInt.asUintN(64, d).toString(16)}`
  if (Number.isNaN(d)) return `<${info.asType}>NaN`
  if (d === Infinity) return `<${info.asType}>Infinity`
  if (d === -Infinity) return `<${info.asType}>-Infinity`
  return `<${info.asType}>${d}`
}

export const PACKABLE = new Set(['Varint', 'Fixed32', 'Fixed64'])

/** True for a singular scalar/enum field outside a oneof that tracks presence. */
export function hasExplicitPresence(f: DescField): boolean {
  return (
    (f.fieldKind === 'scalar' || f.fieldKind === 'enum') &&
    f.oneof === undefined &&
    f.presence !== 2 // FeatureSet.FieldPresence.IMPLICIT
  )
}

export function fieldType(f: DescField, imports: ImportSet): string {
  switch (f.fieldKind) {
    case 'scalar':
      return SCALARS[f.scalar].asType
    case 'enum':
      return imports.use(f.enum)
    case 'message':
      return `${imports.use(f.message)} | null`
    case 'list':
      if (f.listKind === 'message') return `Array<${imports.use(f.message)}>`
      return `Array<${valueInfo(f.scalar, f.enum, imports).asType}>`
    case 'map': {
      const key = SCALARS[f.mapKey].asType
      const value =
        f.mapKind === 'message'
          ? imports.use(f.message)
          : valueInfo(f.scalar, f.enum, imports).asType
      return `Map<${key}, ${value}>`
    }
  }
}
