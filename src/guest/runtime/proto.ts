// A small protobuf wire-format writer and reader for AssemblyScript guests.
//
// Writer: proto3 field writers skip default values (0, false, empty), as protobuf does; nested
// messages are written whenever asked (an empty nested message still marks the field present).
// Reader: never traps on malformed input. A problem sets `error` (a ReadError), stops `next()`,
// and propagates to the reader of the enclosing message; values read after it are defaults.

// The writer and reader live in proto-writer.ts and proto-reader.ts; this module is what the
// generated code imports (`Reader`, `Writer`, `WireType` and the helpers below).

import { Reader } from './proto-reader'
import { WireType } from './proto-wire'
import { Writer } from './proto-writer'

export * from './proto-wire'
export * from './proto-reader'
export * from './proto-writer'

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
