// An allocation-free protobuf writer for the requests of the syscalls every call makes
// (dispatch_, return_value_, read_one_; call-codec.ts): it encodes straight into one reused
// buffer outside the collected heap. Measured on the co-located call bench, AssemblyScript's
// allocator and collector were a quarter of the worker's time, most of it for the message trees
// the generated codec builds per syscall (docs/architecture.md). The generic Writer (proto-writer.ts)
// stays for everything else. The buffer is valid until the next `begin`.

import { WireType } from './proto-wire'

let buf: usize = heap.alloc(256)
let cap: usize = 256
let pos: usize = 0

/** Starts a new request (the previous one's bytes are overwritten). */
export function begin(): void {
  pos = 0
}

/** Where the request's bytes start. */
export function requestPtr(): usize {
  return buf
}

/** How many bytes the request has. */
export function requestLen(): i32 {
  return <i32>pos
}

function ensure(extra: usize): void {
  const need = pos + extra
  if (need <= cap) return
  let size = cap << 1
  while (size < need) size <<= 1
  buf = heap.realloc(buf, size)
  cap = size
}

/** How many bytes `value` takes as a varint. */
export function varintSize(value: u64): i32 {
  let n = 1
  let v = value
  while (v >= 0x80) {
    v >>= 7
    n++
  }
  return n
}

/** Appends a varint (no tag). */
export function varint(value: u64): void {
  ensure(10)
  let v = value
  while (v >= 0x80) {
    store<u8>(buf + pos++, <u8>((v & 0x7f) | 0x80))
    v >>= 7
  }
  store<u8>(buf + pos++, <u8>v)
}

/** Appends a field key. */
export function tag(field: i32, wireType: WireType): void {
  varint(((<u64>(<u32>field)) << 3) | (<u64>wireType))
}

/** The body size of an IdRaw {high 1, low 2} (proto3: zero halves are not written). */
export function idBodySize(high: u64, low: u64): i32 {
  return (high != 0 ? 1 + varintSize(high) : 0) + (low != 0 ? 1 + varintSize(low) : 0)
}

/** An IdRaw as nested message `field`, always written (an empty id is an empty message). */
export function idField(field: i32, high: u64, low: u64): void {
  tag(field, WireType.Bytes)
  varint(<u64>idBodySize(high, low))
  if (high != 0) {
    tag(1, WireType.Varint)
    varint(high)
  }
  if (low != 0) {
    tag(2, WireType.Varint)
    varint(low)
  }
}

/** A string field as UTF-8 (WTF-8 for lone surrogates, as String.UTF8.encode); skipped when empty. */
export function stringField(field: i32, value: string, utf8Length: i32): void {
  if (value.length == 0) return
  tag(field, WireType.Bytes)
  varint(<u64>utf8Length)
  ensure(<usize>utf8Length)
  String.UTF8.encodeUnsafe(changetype<usize>(value), value.length, buf + pos)
  pos += <usize>utf8Length
}

/** A bytes field; skipped when empty. */
export function bytesField(field: i32, data: Uint8Array): void {
  if (data.length == 0) return
  tag(field, WireType.Bytes)
  varint(<u64>data.length)
  ensure(<usize>data.length)
  memory.copy(buf + pos, data.dataStart, <usize>data.length)
  pos += <usize>data.length
}

/** The length-delimited header of a nested message whose body is `size` bytes. */
export function nestedHeader(field: i32, size: i32): void {
  tag(field, WireType.Bytes)
  varint(<u64>size)
}

/** An int32 field (negative: ten bytes, sign-extended, as protobuf does); skipped when 0. */
export function int32Field(field: i32, value: i32): void {
  if (value == 0) return
  tag(field, WireType.Varint)
  varint(<u64>(<i64>value))
}
