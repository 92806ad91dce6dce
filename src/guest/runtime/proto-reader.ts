// The protobuf reader of the guest runtime: it never traps on malformed input (proto.ts).
import { MAX_FIELD_NUMBER, ReadError, WireType } from './proto-wire'

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
