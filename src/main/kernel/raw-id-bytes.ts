// IdRaw bytes as the workers write them into the switchboard's cells, decoded on the kernel
// thread's per-call path.
import { create, fromBinary } from '@bufbuild/protobuf'
import { IdRawSchema } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { callKeyText } from './call-key'

/**
 * IdRaw bytes as the workers write them (high 1, low 2, both varints), decoded without
 * protobuf-es's reflection: a new call id per notice, so this is on the kernel thread's per-call
 * path. Anything else takes `rawId`.
 */
export function fastRawId(bytes: Uint8Array): IdRaw {
  let high = 0n
  let low = 0n
  let pos = 0
  while (pos < bytes.length) {
    const tag = bytes[pos++] as number
    if (tag !== 0x08 && tag !== 0x10) return rawId(bytes)
    // A varint of up to 10 bytes, as two 32-bit halves (no BigInt until the end).
    let lo = 0
    let hi = 0
    let b = 0x80
    for (let shift = 0; shift < 28 && b >= 0x80; shift += 7) {
      if (pos >= bytes.length) return rawId(bytes)
      b = bytes[pos++] as number
      lo |= (b & 0x7f) << shift
    }
    if (b >= 0x80) {
      if (pos >= bytes.length) return rawId(bytes)
      b = bytes[pos++] as number
      lo |= (b & 0x0f) << 28
      hi = (b & 0x7f) >> 4
      for (let shift = 3; shift < 32 && b >= 0x80; shift += 7) {
        if (pos >= bytes.length) return rawId(bytes)
        b = bytes[pos++] as number
        hi |= (b & 0x7f) << shift
      }
      if (b >= 0x80) return rawId(bytes)
    }
    const value = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
    if (tag === 0x08) high = value
    else low = value
  }
  return { $typeName: 'protosupport.v1.IdRaw', high, low }
}

/** IdRaw bytes decoded (an empty id when they are not an IdRaw: the kernel refuses it, named). */
export function rawId(bytes: Uint8Array): IdRaw {
  try {
    return fromBinary(IdRawSchema, bytes)
  } catch {
    return create(IdRawSchema)
  }
}

/** The bytes of an id kept as text, one character per byte (notice-cells.ts). */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff
  return bytes
}

/** A call id's 120 data bits as four words (trace-words.ts: high's 24/32, low's 32/32). */
export type CallWords = readonly [number, number, number, number]

/**
 * The kernel's key of a call (formatId of a call id: `call-` and its 120 data bits in hex) from
 * IdRaw bytes kept as latin1 text, as the workers write them (high 1, low 2, both varints);
 * undefined for the empty id or for bytes of any other shape (the caller then takes the generic
 * decoder, which names the fault).
 */
export function callKeyOfIdText(text: string): string | undefined {
  const words = callWordsOfIdText(text)
  return words === undefined ? undefined : callKeyText(...words)
}

/**
 * A call id's data bits as words (unsigned) from its IdRaw bytes as latin1 text, as
 * `callKeyOfIdText` reads them. Read for every traced call on the kernel thread, where the words
 * are the trace collector's keys, so it reads the text in place: no BigInt, no IdRaw, no key text.
 */
export function callWordsOfIdText(text: string): CallWords | undefined {
  let hiHi = 0
  let hiLo = 0
  let loHi = 0
  let loLo = 0
  let pos = 0
  while (pos < text.length) {
    const tag = text.charCodeAt(pos++)
    if (tag !== 0x08 && tag !== 0x10) return undefined
    let lo = 0
    let hi = 0
    let b = 0x80
    for (let shift = 0; shift < 28 && b >= 0x80; shift += 7) {
      if (pos >= text.length) return undefined
      b = text.charCodeAt(pos++) & 0xff
      lo |= (b & 0x7f) << shift
    }
    if (b >= 0x80) {
      if (pos >= text.length) return undefined
      b = text.charCodeAt(pos++) & 0xff
      lo |= (b & 0x0f) << 28
      hi = (b & 0x7f) >> 4
      for (let shift = 3; shift < 32 && b >= 0x80; shift += 7) {
        if (pos >= text.length) return undefined
        b = text.charCodeAt(pos++) & 0xff
        hi |= (b & 0x7f) << shift
      }
      if (b >= 0x80) return undefined
    }
    if (tag === 0x08) {
      hiHi = hi
      hiLo = lo
    } else {
      loHi = hi
      loLo = lo
    }
  }
  // High's top byte is the id's kind ('c' for a call), not data.
  hiHi &= 0x00ff_ffff
  if ((hiHi | hiLo | loHi | loLo) === 0) return undefined
  return [hiHi, hiLo >>> 0, loHi >>> 0, loLo >>> 0]
}
