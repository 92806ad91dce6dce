// A small protobuf wire-format writer and reader for AssemblyScript guests.
//
// Writer: proto3 field writers skip default values (0, false, empty), as protobuf does; nested
// messages are written whenever asked (an empty nested message still marks the field present).
// Reader: never traps on malformed input. A problem sets `error` (a ReadError), stops `next()`,
// and propagates to the reader of the enclosing message; values read after it are defaults.

/** Protobuf wire types. Groups (3, 4) are deprecated: they are only skipped, never written. */
export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** Why a Reader stopped. */
export const enum ReadError {
  None = 0,
  /** A value runs past the end of the message. */
  Truncated = 1,
  /** A varint longer than 10 bytes, or one that overflows 64 bits. */
  VarintOverflow = 2,
  /** An unknown wire type (6, 7), or an end-group without its start. */
  BadWireType = 3,
  /** A field number of 0 or above 2^29-1. */
  BadFieldNumber = 4,
  /** A known field arrived with a wire type that does not fit its declared type. */
  WrongWireType = 5,
}

const MAX_FIELD_NUMBER: u32 = 536870911

export class Writer {
  private buf: Uint8Array
  private pos: i32 = 0

  constructor(capacity: i32 = 64) {
    this.buf = new Uint8Array(capacity > 0 ? capacity : 16)
  }

  /** Bytes written so far. */
  get length(): i32 {
    return this.pos
  }

  private ensure(extra: i32): void {
    const need = this.pos + extra
    if (need <= this.buf.length) return
    let size = this.buf.length << 1
    while (size < need) size <<= 1
    const grown = new Uint8Array(size)
    grown.set(this.buf.subarray(0, this.pos))
    this.buf = grown
  }

  /** Appends one byte. */
  byte(b: u8): void {
    this.ensure(1)
    this.buf[this.pos++] = b
  }

  /** Appends a varint (no tag). */
  rawVarint(value: u64): void {
    this.ensure(10)
    let v = value
    while (v >= 0x80) {
      this.buf[this.pos++] = <u8>((v & 0x7f) | 0x80)
      v >>= 7
    }
    this.buf[this.pos++] = <u8>v
  }

  /** Appends bytes verbatim (no tag, no length). */
  rawBytes(data: Uint8Array): void {
    this.ensure(data.length)
    this.buf.set(data, this.pos)
    this.pos += data.length
  }

  /** Appends a field key. */
  tag(field: i32, wireType: WireType): void {
    this.rawVarint(((<u64>(<u32>field)) << 3) | (<u64>wireType))
  }

  /** uint64 / uint32 / enum value that is never negative; skipped when 0. */
  uint64(field: i32, value: u64): void {
    if (value == 0) return
    this.tag(field, WireType.Varint)
    this.rawVarint(value)
  }

  /** int32 / enum; negative values take 10 bytes (sign-extended to 64 bits); skipped when 0. */
  int32(field: i32, value: i32): void {
    if (value == 0) return
    this.tag(field, WireType.Varint)
    this.rawVarint(<u64>(<i64>value))
  }

  /** bool; skipped when false. */
  bool(field: i32, value: bool): void {
    if (!value) return
    this.tag(field, WireType.Varint)
    this.byte(1)
  }

  /** fixed64; skipped when 0. */
  fixed64(field: i32, value: u64): void {
    if (value == 0) return
    this.tag(field, WireType.Fixed64)
    this.ensure(8)
    for (let i = 0; i < 8; i++) this.buf[this.pos++] = <u8>(value >> (<u64>i * 8))
  }

  /** fixed32; skipped when 0. */
  fixed32(field: i32, value: u32): void {
    if (value == 0) return
    this.tag(field, WireType.Fixed32)
    this.ensure(4)
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = <u8>(value >> (<u32>i * 8))
  }

  /** bytes; skipped when empty. */
  bytes(field: i32, data: Uint8Array): void {
    if (data.length == 0) return
    this.lengthDelimited(field, data)
  }

  /** string, as UTF-8; skipped when empty. */
  string(field: i32, value: string): void {
    if (value.length == 0) return
    this.lengthDelimited(field, Uint8Array.wrap(String.UTF8.encode(value)))
  }

  /** A nested message (always written, so an empty one is still present). */
  message(field: i32, nested: Writer): void {
    this.tag(field, WireType.Bytes)
    this.rawVarint(<u64>nested.pos)
    this.ensure(nested.pos)
    this.buf.set(nested.buf.subarray(0, nested.pos), this.pos)
    this.pos += nested.pos
  }

  /** A length-delimited field written even when empty. */
  lengthDelimited(field: i32, data: Uint8Array): void {
    this.tag(field, WireType.Bytes)
    this.rawVarint(<u64>data.length)
    this.rawBytes(data)
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }
}

export class Reader {
  /** The ReadError that stopped this reader (or the reader of a nested message), 0 if none. */
  error: ReadError = ReadError.None
  /** Field number of the current field (after next()). */
  field: i32 = 0
  /** Wire type of the current field (after next()). */
  wireType: i32 = 0
  private pos: i32
  private end: i32

  constructor(
    private data: Uint8Array,
    private parent: Reader | null = null,
  ) {
    this.pos = 0
    this.end = data.length
  }

  get ok(): bool {
    return this.error == ReadError.None
  }

  /** True once every byte was consumed without error. */
  get done(): bool {
    return this.pos >= this.end
  }

  /** Marks the message (and every enclosing one) malformed. */
  fail(reason: ReadError): void {
    if (this.error == ReadError.None) this.error = reason
    this.pos = this.end
    const parent = this.parent
    if (parent != null) parent.fail(reason)
  }

  /** Moves to the next field; false at the end of the message or on malformed input. */
  next(): bool {
    if (this.error != ReadError.None || this.pos >= this.end) return false
    const key = this.readVarint()
    if (this.error != ReadError.None) return false
    const field = key >> 3
    const wireType = <i32>(key & 7)
    if (field == 0 || field > <u64>MAX_FIELD_NUMBER) {
      this.fail(ReadError.BadFieldNumber)
      return false
    }
    if (wireType == WireType.EndGroup || wireType > WireType.Fixed32) {
      this.fail(ReadError.BadWireType)
      return false
    }
    this.field = <i32>field
    this.wireType = wireType
    return true
  }

  private expect(wireType: WireType): bool {
    if (this.wireType == wireType) return true
    this.fail(ReadError.WrongWireType)
    return false
  }

  private readVarint(): u64 {
    let result: u64 = 0
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) {
        this.fail(ReadError.Truncated)
        return 0
      }
      const b = <u64>this.data[this.pos++]
      if (i == 9 && b > 1) {
        this.fail(ReadError.VarintOverflow)
        return 0
      }
      result |= (b & 0x7f) << (<u64>i * 7)
      if (b < 0x80) return result
    }
    this.fail(ReadError.VarintOverflow)
    return 0
  }

  /** Reads the length of a length-delimited value and checks it fits; -1 on error. */
  private readLength(): i32 {
    const len = this.readVarint()
    if (this.error != ReadError.None) return -1
    if (len > <u64>(this.end - this.pos)) {
      this.fail(ReadError.Truncated)
      return -1
    }
    return <i32>len
  }

  /** A uint64 / uint32 / enum field. */
  uint64(): u64 {
    return this.expect(WireType.Varint) ? this.readVarint() : 0
  }

  /** An int32 / enum field (10-byte negative varints are truncated to 32 bits, as protobuf does). */
  int32(): i32 {
    return <i32>this.uint64()
  }

  bool(): bool {
    return this.uint64() != 0
  }

  fixed64(): u64 {
    if (!this.expect(WireType.Fixed64)) return 0
    if (this.end - this.pos < 8) {
      this.fail(ReadError.Truncated)
      return 0
    }
    let v: u64 = 0
    for (let i = 0; i < 8; i++) v |= (<u64>this.data[this.pos++]) << (<u64>i * 8)
    return v
  }

  fixed32(): u32 {
    if (!this.expect(WireType.Fixed32)) return 0
    if (this.end - this.pos < 4) {
      this.fail(ReadError.Truncated)
      return 0
    }
    let v: u32 = 0
    for (let i = 0; i < 4; i++) v |= (<u32>this.data[this.pos++]) << (<u32>i * 8)
    return v
  }

  /** A bytes field (a copy). */
  bytes(): Uint8Array {
    if (!this.expect(WireType.Bytes)) return new Uint8Array(0)
    const len = this.readLength()
    if (len < 0) return new Uint8Array(0)
    const out = this.data.slice(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  /** A string field, decoded from UTF-8. */
  string(): string {
    if (!this.expect(WireType.Bytes)) return ''
    const len = this.readLength()
    if (len <= 0) return ''
    const s = String.UTF8.decodeUnsafe(this.data.dataStart + <usize>this.pos, <usize>len)
    this.pos += len
    return s
  }

  /** A reader over a nested message field; its errors propagate to this reader. */
  message(): Reader {
    if (!this.expect(WireType.Bytes)) return new Reader(new Uint8Array(0), this)
    const len = this.readLength()
    if (len < 0) return new Reader(new Uint8Array(0), this)
    const sub = new Reader(this.data.subarray(this.pos, this.pos + len), this)
    this.pos += len
    return sub
  }

  /** Skips the value of the current field (an unknown field). */
  skip(): void {
    if (this.wireType == WireType.StartGroup) {
      this.skipGroup(this.field)
      return
    }
    this.skipValue(this.wireType)
  }

  private skipValue(wireType: i32): void {
    switch (wireType) {
      case WireType.Varint:
        this.readVarint()
        break
      case WireType.Fixed64:
        this.skipBytes(8)
        break
      case WireType.Fixed32:
        this.skipBytes(4)
        break
      case WireType.Bytes: {
        const len = this.readLength()
        if (len >= 0) this.pos += len
        break
      }
      default:
        this.fail(ReadError.BadWireType)
    }
  }

  /** Skips a (deprecated) group up to the end-group of `field`, nested groups included. */
  private skipGroup(field: i32): void {
    const open: i32[] = [field]
    while (open.length > 0) {
      if (this.pos >= this.end) {
        this.fail(ReadError.Truncated)
        return
      }
      const key = this.readVarint()
      if (this.error != ReadError.None) return
      const f = <i32>(key >> 3)
      const wireType = <i32>(key & 7)
      if (wireType == WireType.StartGroup) {
        open.push(f)
      } else if (wireType == WireType.EndGroup) {
        if (open.pop() != f) {
          this.fail(ReadError.BadWireType)
          return
        }
      } else {
        this.skipValue(wireType)
        if (this.error != ReadError.None) return
      }
    }
  }

  private skipBytes(n: i32): void {
    if (this.end - this.pos < n) {
      this.fail(ReadError.Truncated)
      return
    }
    this.pos += n
  }
}

// ---- wire helpers shared by generated message code (protoc-gen-parigot) ----
// What Writer/Reader lack: writing a value even when it is the default, zigzag, raw fixed
// values, preserving unknown fields. Each generated file imports the ones it calls.

export function pbZigzag32(v: i32): u32 {
  return <u32>((v << 1) ^ (v >> 31))
}

export function pbZigzag64(v: i64): u64 {
  return <u64>((v << 1) ^ (v >> 63))
}

export function pbUnzigzag32(n: u32): i32 {
  return (<i32>(n >>> 1)) ^ -(<i32>(n & 1))
}

export function pbUnzigzag64(n: u64): i64 {
  return (<i64>(n >>> 1)) ^ -(<i64>(n & 1))
}

export function pbRawFixed32(w: Writer, v: u32): void {
  for (let i: u32 = 0; i < 4; i++) w.byte(<u8>(v >> (i * 8)))
}

export function pbRawFixed64(w: Writer, v: u64): void {
  for (let i: u64 = 0; i < 8; i++) w.byte(<u8>(v >> (i * 8)))
}

export function pbRawBytes(w: Writer, data: Uint8Array): void {
  w.rawVarint(<u64>data.length)
  w.rawBytes(data)
}

export function pbRawString(w: Writer, s: string): void {
  pbRawBytes(w, Uint8Array.wrap(String.UTF8.encode(s)))
}

export function pbBytesOf(values: u8[]): Uint8Array {
  const out = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = values[i]
  return out
}

/** Reads the current (unknown) field and appends it, re-encoded, to `keep`. */
export function pbReadUnknown(r: Reader, keep: Writer | null): Writer | null {
  const field = r.field
  const wireType = r.wireType
  let out = keep
  if (wireType == WireType.Varint) {
    const v = r.uint64()
    if (!r.ok) return keep
    if (out == null) out = new Writer()
    out.tag(field, WireType.Varint)
    out.rawVarint(v)
  } else if (wireType == WireType.Fixed64) {
    const v = r.fixed64()
    if (!r.ok) return keep
    if (out == null) out = new Writer()
    out.tag(field, WireType.Fixed64)
    pbRawFixed64(out, v)
  } else if (wireType == WireType.Fixed32) {
    const v = r.fixed32()
    if (!r.ok) return keep
    if (out == null) out = new Writer()
    out.tag(field, WireType.Fixed32)
    pbRawFixed32(out, v)
  } else if (wireType == WireType.Bytes) {
    const v = r.bytes()
    if (!r.ok) return keep
    if (out == null) out = new Writer()
    out.lengthDelimited(field, v)
  } else {
    // A group: skipped and not preserved (the runtime's Reader exposes no raw bytes).
    r.skip()
  }
  return out
}
