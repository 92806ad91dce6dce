// The protobuf writer of the guest runtime (proto.ts says how it treats defaults).
import { WireType } from './proto-wire'

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
