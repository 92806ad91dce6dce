import { RAW_ID_BYTES } from '../../kernel/transport/switchboard'
import { wireKey } from '../../kernel/transport/wire-key'
import {
  DispatchResponseFields,
  IdRawFields,
  ReadOneResponseFields,
  ResolvedCallFields,
  ServiceMethodCallFields,
} from '../../../shared/wire-fields/gen/fields'

/**
 * Just enough protobuf wire format for the direct path's hot syscalls (dispatch_, read_one_,
 * return_value_): finding top-level fields and splicing their raw bytes into a response costs
 * well under a microsecond, where decoding and re-encoding the messages costs tens. It is also
 * all the guest worker knows of protobuf: loading protobuf-es and the syscall descriptors would
 * cost every worker tens of milliseconds and megabytes at start-up (plugins load them if used).
 */

/** A field's bytes: for length-delimited fields the payload, for varints the value's low 32 bits. */
export interface Field {
  readonly start: number
  readonly end: number
  readonly value: number
}

/** A field the scan writes in place (a table reuses one per small field number). */
class SlotField implements Field {
  start = 0
  end = 0
  value = 0
}

/**
 * A message's fields by number: reused objects for the small numbers every syscall message uses,
 * a Map for the rest. A table handed to `scan` again is overwritten, so the direct path's hot
 * syscalls scan into one table each and allocate nothing per call (a heap profile of the
 * co-located call bench had scan's fields as a third of the worker's garbage, ~2 KB a call).
 */
export class FieldTable {
  private readonly small: (SlotField | undefined)[] = []
  /** The scan each small field was last set in (present when equal to `scanNo`). */
  private readonly setIn = new Uint32Array(SMALL_FIELDS)
  private scanNo = 1
  private large: Map<number, Field> | undefined

  get(number: number): Field | undefined {
    if (number >= SMALL_FIELDS) return this.large?.get(number)
    return this.setIn[number] === this.scanNo ? this.small[number] : undefined
  }

  set(number: number, start: number, end: number, value: number): void {
    if (number >= SMALL_FIELDS) {
      ;(this.large ??= new Map()).set(number, { start, end, value })
      return
    }
    let field = this.small[number]
    if (field === undefined) {
      field = new SlotField()
      this.small[number] = field
    }
    field.start = start
    field.end = end
    field.value = value
    this.setIn[number] = this.scanNo
  }

  /** Forgets every field (the objects stay, for the next scan). */
  clear(): void {
    this.scanNo = (this.scanNo + 1) >>> 0
    if (this.scanNo === 0) {
      this.setIn.fill(0)
      this.scanNo = 1
    }
    this.large?.clear()
  }
}

const SMALL_FIELDS = 16

/** What `scan` found; pass one back to `scan` to reuse it (its previous contents are lost). */
export class Scanned {
  readonly fields = new FieldTable()
  readonly list: Field[] = []
}

/**
 * Top-level fields by number (last occurrence; `repeated` collects every length-delimited one),
 * into `into` when given (overwriting it) or a new result.
 */
export function scan(
  bytes: Uint8Array,
  repeated?: number,
  into: Scanned = new Scanned(),
): Scanned | undefined {
  const fields = into.fields
  const list = into.list
  fields.clear()
  list.length = 0
  let pos = 0
  while (pos < bytes.length) {
    pos = varint(bytes, pos)
    if (pos < 0) return undefined
    const number = varintValue >>> 3
    const wire = varintValue & 7
    if (wire === 0) {
      const next = varint(bytes, pos)
      if (next < 0) return undefined
      fields.set(number, pos, next, varintValue)
      pos = next
    } else if (wire === 2) {
      const start = varint(bytes, pos)
      const end = start + varintValue
      if (start < 0 || varintValue < 0 || end > bytes.length) return undefined
      if (number === repeated) list.push({ start, end, value: 0 })
      else fields.set(number, start, end, 0)
      pos = end
    } else if (wire === 1) {
      pos += 8
    } else if (wire === 5) {
      pos += 4
    } else {
      return undefined
    }
  }
  return pos === bytes.length ? into : undefined
}

/**
 * The last occurrence of top-level field `number` in bytes[start, end), as `scan` would give it,
 * without a field table: for what needs one field per call (call-context.ts). Undefined when the
 * field is absent or the message malformed.
 */
export function lastField(
  bytes: Uint8Array,
  number: number,
  start = 0,
  end = bytes.length,
): Field | undefined {
  let found: Field | undefined
  let pos = start
  while (pos < end) {
    pos = varint(bytes, pos)
    if (pos < 0 || pos > end) return undefined
    const tag = varintValue
    const wire = tag & 7
    if (wire === 0) {
      const next = varint(bytes, pos)
      if (next < 0 || next > end) return undefined
      if (tag >>> 3 === number) found = { start: pos, end: next, value: varintValue }
      pos = next
    } else if (wire === 2) {
      const from = varint(bytes, pos)
      const length = varintValue
      if (from < 0 || length < 0 || from + length > end) return undefined
      if (tag >>> 3 === number) found = { start: from, end: from + length, value: 0 }
      pos = from + length
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4
    } else {
      return undefined
    }
  }
  return pos === end ? found : undefined
}

/** The value of the last `varint` read (a module variable, so reading one allocates nothing). */
let varintValue = 0

/** Reads a varint at `pos`: its low 32 bits (as int32) into `varintValue`; where it ends, or -1. */
function varint(bytes: Uint8Array, pos: number): number {
  let value = 0
  for (let i = 0; i < 10; i++) {
    const b = bytes[pos + i]
    if (b === undefined) return -1
    if (i < 5) value |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) {
      varintValue = value
      return pos + i + 1
    }
  }
  return -1
}

/** A varint field read as protobuf reads a bool: true when any bit of its value is set. */
export function flag(bytes: Uint8Array, field: Field | undefined): boolean {
  if (field === undefined) return false
  for (let pos = field.start; pos < field.end; pos++) {
    if (((bytes[pos] as number) & 0x7f) !== 0) return true
  }
  return false
}

/** A varint as two 32-bit halves (for uint64 id halves), into halves[at] (upper), halves[at + 1]. */
function varint64Into(bytes: Uint8Array, start: number, end: number, at: number): void {
  let lo = 0
  let hi = 0
  let shift = 0
  for (let pos = start; pos < end; pos++, shift += 7) {
    const b = (bytes[pos] as number) & 0x7f
    if (shift < 28) lo |= b << shift
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28
      hi |= b >> 4
    } else hi |= b << (shift - 32)
    if (((bytes[pos] as number) & 0x80) === 0) break
  }
  halves[at] = hi >>> 0
  halves[at + 1] = lo >>> 0
}

/**
 * An IdRaw submessage as a key that ignores the type letter (the receiver re-tags ids), and
 * whether it is the empty id (data bytes 0..5 of high and all of low zero).
 */
export function idKey(
  bytes: Uint8Array,
  field: Field | undefined,
): { key: string; empty: boolean } {
  if (field === undefined || !idHalves(bytes, field.start, field.end)) {
    return { key: EMPTY_ID_KEY, empty: true }
  }
  const hh = (halves[0] as number) & 0xffffff
  const h1 = halves[1] as number
  const l0 = halves[2] as number
  const l1 = halves[3] as number
  return {
    key: wireKey(hh, h1, l0, l1),
    empty: (hh & 0xffff) === 0 && h1 === 0 && l0 === 0 && l1 === 0,
  }
}

/**
 * The key of the IdRaw in bytes[start, end), as `idKey(...).key` gives it, without the result
 * object: the hot paths make several keys per call and need only the text.
 */
export function keyAt(bytes: Uint8Array, start: number, end: number): string {
  if (!idHalves(bytes, start, end)) return EMPTY_ID_KEY
  const a = (halves[0] as number) & 0xffffff
  const b = halves[1] as number
  const c = halves[2] as number
  const d = halves[3] as number
  // Newest first: the other end of a call asks within a few keys.
  for (let n = 1; n <= RECENT_KEYS; n++) {
    const i = (recentNext - n) & (RECENT_KEYS - 1)
    const w = i * 4
    if (
      recentWords[w + 3] === d &&
      recentWords[w + 2] === c &&
      recentWords[w + 1] === b &&
      recentWords[w] === a
    ) {
      const key = recentKeys[i] as string
      if (key !== '') return key
    }
  }
  const key = wireKey(a, b, c, d)
  const w = recentNext * 4
  recentWords[w] = a
  recentWords[w + 1] = b
  recentWords[w + 2] = c
  recentWords[w + 3] = d
  recentKeys[recentNext] = key
  recentNext = (recentNext + 1) & (RECENT_KEYS - 1)
  return key
}

/**
 * The words of the IdRaw in bytes[start, end) into out[0..3], as `keyAt`'s key holds them (the
 * type letter ignored; all 0 for a malformed id): the call path's tables key calls by these
 * (key-tables.ts), with no key text.
 */
export function idWordsAt(bytes: Uint8Array, start: number, end: number, out: Uint32Array): void {
  if (!idHalves(bytes, start, end)) {
    out.fill(0)
    return
  }
  out[0] = (halves[0] as number) & 0xffffff
  out[1] = halves[1] as number
  out[2] = halves[2] as number
  out[3] = halves[3] as number
}

/** idWordsAt for a field (all 0 when it is absent). */
export function idWordsOf(bytes: Uint8Array, field: Field | undefined, out: Uint32Array): void {
  if (field === undefined) out.fill(0)
  else idWordsAt(bytes, field.start, field.end, out)
}

/**
 * The keys keyAt made last, with their ids' words. The call path keys calls by words
 * (idWordsAt); keys are still made per call where payloads are captured (payload-capture.ts asks
 * for a call's key at its read_one_ and again at its return_value_), and each key text is
 * garbage once the call is over. A power of two.
 */
const RECENT_KEYS = 16
const recentWords = new Uint32Array(RECENT_KEYS * 4)
const recentKeys: string[] = new Array<string>(RECENT_KEYS).fill('')
let recentNext = 0

/**
 * Whether the IdRaw in bytes[start, end) is the empty id or the id whose key words
 * (wire-key.ts wireKeyWords) are `own` (a syscall's host id: absent or empty means the caller's
 * own), as `idKey` would say, with no key text or result object.
 */
export function isOwnOrEmptyId(
  bytes: Uint8Array,
  start: number,
  end: number,
  own: readonly [number, number, number, number],
): boolean {
  if (!idHalves(bytes, start, end)) return true
  const hh = (halves[0] as number) & 0xffffff
  const h1 = halves[1] as number
  const l0 = halves[2] as number
  const l1 = halves[3] as number
  if ((hh & 0xffff) === 0 && h1 === 0 && l0 === 0 && l1 === 0) return true
  return hh === own[0] && h1 === own[1] && l0 === own[2] && l1 === own[3]
}

/** keyAt for a field (the empty id's key when it is absent). */
export const keyOf = (bytes: Uint8Array, field: Field | undefined): string =>
  field === undefined ? EMPTY_ID_KEY : keyAt(bytes, field.start, field.end)

/** idHalves' answer: high's upper and lower 32 bits, then low's (reused: no allocation per id). */
const halves = new Uint32Array(4)

/**
 * Reads an IdRaw {high, low} in bytes[start, end) into `halves`, walking its fields as
 * `scan` does (last occurrence wins, other fields skipped) without building a field table: this
 * runs several times per call. False when the message is malformed.
 */
function idHalves(bytes: Uint8Array, start: number, end: number): boolean {
  halves[0] = 0
  halves[1] = 0
  halves[2] = 0
  halves[3] = 0
  let pos = start
  while (pos < end) {
    let tag = 0
    let shift = 0
    let b = 0x80
    while (b >= 0x80) {
      if (pos >= end || shift > 28) return false
      b = bytes[pos++] as number
      tag |= (b & 0x7f) << shift
      shift += 7
    }
    const number = tag >>> 3
    const wire = tag & 7
    let from = pos
    if (wire === 0) {
      while (pos < end && ((bytes[pos] as number) & 0x80) !== 0) pos++
      if (pos >= end || pos - from >= 10) return false
      pos++
    } else if (wire === 2) {
      let len = 0
      shift = 0
      b = 0x80
      while (b >= 0x80) {
        if (pos >= end || shift > 28) return false
        b = bytes[pos++] as number
        len |= (b & 0x7f) << shift
        shift += 7
      }
      if (len < 0 || pos + len > end) return false
      from = pos
      pos += len
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4
      if (pos > end) return false
      continue
    } else {
      return false
    }
    if (number === IdRawFields.high) varint64Into(bytes, from, pos, 0)
    else if (number === IdRawFields.low) varint64Into(bytes, from, pos, 2)
  }
  return true
}

/** The same key from bigint halves (ids decoded by protobuf-es). */
export function idKeyOf(id: { high: bigint; low: bigint }): string {
  return wireKey(
    Number((id.high >> 32n) & 0xffffffn),
    Number(id.high & 0xffffffffn),
    Number((id.low >> 32n) & 0xffffffffn),
    Number(id.low & 0xffffffffn),
  )
}

/** The key of the empty id (what idKey gives an absent or malformed field). */
export const EMPTY_ID_KEY = wireKey(0, 0, 0, 0)

/** Builds a message from fields, in order: raw length-delimited payloads or int32 varints. */
export class Writer {
  private readonly parts: number[] = []
  private readonly chunks: { at: number; bytes: Uint8Array }[] = []

  bytes(number: number, payload: Uint8Array): this {
    this.uvarint((number << 3) | 2)
    this.uvarint(payload.byteLength)
    this.chunks.push({ at: this.parts.length, bytes: payload })
    this.pending += payload.byteLength
    return this
  }

  /** A bool field (proto3: false is not written). */
  bool(number: number, value: boolean): this {
    return this.int32(number, value ? 1 : 0)
  }

  /** A uint64 field (proto3: 0 is not written). */
  uint64(number: number, value: bigint): this {
    if (value === 0n) return this
    this.uvarint(number << 3)
    let v = BigInt.asUintN(64, value)
    while (v > 0x7fn) {
      this.parts.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.parts.push(Number(v))
    return this
  }

  int32(number: number, value: number): this {
    if (value === 0) return this
    this.uvarint(number << 3)
    if (value >= 0) this.uvarint(value)
    else {
      // Negative int32: ten bytes, sign-extended.
      let lo = value >>> 0
      for (let i = 0; i < 4; i++) {
        this.parts.push((lo & 0x7f) | 0x80)
        lo >>>= 7
      }
      this.parts.push((lo & 0x0f) | 0x70 | 0x80)
      for (let i = 0; i < 4; i++) this.parts.push(0xff)
      this.parts.push(0x01)
    }
    return this
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.length + this.pending)
    let pos = 0
    let part = 0
    for (const chunk of this.chunks) {
      while (part < chunk.at) out[pos++] = this.parts[part++] as number
      out.set(chunk.bytes, pos)
      pos += chunk.bytes.byteLength
    }
    while (part < this.parts.length) out[pos++] = this.parts[part++] as number
    return out
  }

  private pending = 0

  private uvarint(value: number): void {
    let v = value >>> 0
    while (v > 0x7f) {
      this.parts.push((v & 0x7f) | 0x80)
      v >>>= 7
    }
    this.parts.push(v)
  }
}

const SLAB_BYTES = 64 * 1024
/** Larger payloads get their own buffer (one would keep a slab alive for little). */
const SLAB_MAX = 4 * 1024
let slab = new ArrayBuffer(SLAB_BYTES)
let slabUsed = 0

/**
 * Bytes for a payload the direct path builds or copies on every call (a call, a result): a view
 * into a shared 64 KiB slab. A typed array of more than 64 bytes gets a backing store of its
 * own outside the JavaScript heap, which measured ~0.3-1 us to allocate and free against ~30 ns
 * for a view here. A slab is freed once no payload in it is referenced any more (payloads live
 * until the guest read them: queued calls are bounded by the callee's inbound queue).
 */
export function payloadBytes(size: number): Uint8Array {
  if (size > SLAB_MAX) return new Uint8Array(size)
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES)
    slabUsed = 0
  }
  const out = new Uint8Array(slab, slabUsed, size)
  slabUsed += size
  return out
}

/** Where a built payload's bytes come from (payload-store.ts reuses them). */
export interface PayloadSource {
  take(size: number): Uint8Array
}

/** Fresh slab bytes for every payload. */
export const SLAB: PayloadSource = { take: payloadBytes }

/** ReadOneResponse{timeout}: read_one_'s answer when nothing came in time. */
export const READ_ONE_TIMEOUT = new Writer().bool(ReadOneResponseFields.timeout, true).finish()

/** How many bytes `value` (unsigned, < 2^32) takes as a varint. */
function varintSize(value: number): number {
  let n = 1
  for (let v = value >>> 0; v > 0x7f; v >>>= 7) n++
  return n
}

/**
 * The builders below write each tag as one byte, which holds field numbers below 16; checked once
 * here, so a field renumbered in proto/ (and `npm run gen`) fails loudly instead of writing
 * wrong bytes.
 */
for (const number of [
  ReadOneResponseFields.call,
  ReadOneResponseFields.callId,
  ReadOneResponseFields.param,
  ReadOneResponseFields.resolved,
  ServiceMethodCallFields.serviceId,
  ServiceMethodCallFields.methodId,
  DispatchResponseFields.callId,
  ResolvedCallFields.hostId,
  ResolvedCallFields.callId,
  ResolvedCallFields.result,
  ResolvedCallFields.resultError,
]) {
  if (number >= 16) throw new Error(`wire.ts writes one-byte tags; field ${number} needs two`)
}

/** The size of a length-delimited field (number < 16) carrying `length` bytes. */
const fieldSize = (length: number): number => 1 + varintSize(length) + length

/** Writes length-delimited field `number` (< 16) at `pos`; returns where it ends. */
function putField(out: Uint8Array, pos: number, number: number, payload: Uint8Array): number {
  out[pos++] = (number << 3) | 2
  const length = payload.byteLength
  pos = putVarint(out, pos, length)
  // Ids are ~20 bytes: a loop beats set()'s fixed cost there.
  if (length <= 32) for (let i = 0; i < length; i++) out[pos + i] = payload[i] as number
  else out.set(payload, pos)
  return pos + length
}

/** putField for the payload bytes[start, end), without a view of it. */
function putFieldRange(
  out: Uint8Array,
  pos: number,
  number: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  out[pos++] = (number << 3) | 2
  const length = end - start
  pos = putVarint(out, pos, length)
  if (length <= 64) for (let i = 0; i < length; i++) out[pos + i] = bytes[start + i] as number
  else out.set(bytes.subarray(start, end), pos)
  return pos + length
}

function putVarint(out: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  out[pos++] = v
  return pos
}

/**
 * ReadOneResponse as a callee's guest reads an inbound call: call {service_id, method_id},
 * call_id, param.
 * Sized first and written once (these builders run on every call; wire.test.ts checks them
 * against Writer and protobuf-es).
 */
export function callPayload(
  service: Uint8Array,
  method: Uint8Array,
  callId: Uint8Array,
  param: Uint8Array | undefined,
): Uint8Array {
  return callPayloadFrom(service, method, callId, param ?? NO_BYTES, param && whole(param))
}

/** callPayload with the param given as a field of `source` (the dispatch_ request): no view. */
export function callPayloadFrom(
  service: Uint8Array,
  method: Uint8Array,
  callId: Uint8Array,
  source: Uint8Array,
  param: Field | undefined,
  bytes: PayloadSource = SLAB,
): Uint8Array {
  const pair = fieldSize(service.byteLength) + fieldSize(method.byteLength)
  const size =
    fieldSize(pair) +
    fieldSize(callId.byteLength) +
    (param === undefined ? 0 : fieldSize(param.end - param.start))
  const out = bytes.take(size)
  out[0] = (ReadOneResponseFields.call << 3) | 2
  let pos = putVarint(out, 1, pair)
  pos = putField(out, pos, ServiceMethodCallFields.serviceId, service)
  pos = putField(out, pos, ServiceMethodCallFields.methodId, method)
  pos = putField(out, pos, ReadOneResponseFields.callId, callId)
  if (param !== undefined)
    putFieldRange(out, pos, ReadOneResponseFields.param, source, param.start, param.end)
  return out
}

const NO_BYTES = new Uint8Array(0)
const whole = (bytes: Uint8Array): Field => ({ start: 0, end: bytes.byteLength, value: 0 })

/**
 * A raw id copied into one buffer and handed out as a view of exactly its length, made once per
 * length: the direct path needs an id's bytes for the span of one syscall (every consumer copies
 * them), and a view of the request per call was an allocation. Valid until the next `of`.
 */
export class RawIdCopy {
  private readonly buffer = new Uint8Array(RAW_ID_BYTES)
  private readonly views: Uint8Array[] = []

  constructor() {
    for (let n = 0; n < RAW_ID_BYTES; n++) this.views.push(this.buffer.subarray(0, n))
  }

  /** bytes[field] (shorter than RAW_ID_BYTES: check first). */
  of(bytes: Uint8Array, field: Field): Uint8Array {
    const length = field.end - field.start
    const buffer = this.buffer
    for (let i = 0; i < length; i++) buffer[i] = bytes[field.start + i] as number
    return this.views[length] as Uint8Array
  }
}

/**
 * DispatchResponse {call_id} as a syscall answer, written into this one buffer each time: the
 * syscall copies an answer into guest memory before the guest can dispatch again.
 */
export class DispatchAnswer {
  readonly code = 0
  length = 0
  /** The direct path takes ids under RAW_ID_BYTES: a tag, one length byte, the id. */
  readonly bytes = new Uint8Array(2 + RAW_ID_BYTES)

  of(callId: Uint8Array): this {
    this.length = putField(this.bytes, 0, DispatchResponseFields.callId, callId)
    return this
  }
}

/**
 * ReadOneResponse for a caller's guest: resolved {host_id, call_id, result, result_error}.
 */
export function resolvedPayload(
  callerHost: Uint8Array,
  callId: Uint8Array,
  result: Uint8Array | undefined,
  resultError: number,
): Uint8Array {
  return resolvedPayloadFrom(
    callerHost,
    callId,
    result ?? NO_BYTES,
    result && whole(result),
    resultError,
  )
}

/** resolvedPayload with the result given as a field of `source` (the return_value_ request). */
export function resolvedPayloadFrom(
  callerHost: Uint8Array,
  callId: Uint8Array,
  source: Uint8Array,
  result: Field | undefined,
  resultError: number,
  bytes: PayloadSource = SLAB,
): Uint8Array {
  const errorSize = resultError === 0 ? 0 : resultError > 0 ? 1 + varintSize(resultError) : 11
  const resolved =
    fieldSize(callerHost.byteLength) +
    fieldSize(callId.byteLength) +
    (result === undefined ? 0 : fieldSize(result.end - result.start)) +
    errorSize
  const out = bytes.take(fieldSize(resolved))
  out[0] = (ReadOneResponseFields.resolved << 3) | 2
  let pos = putVarint(out, 1, resolved)
  pos = putField(out, pos, ResolvedCallFields.hostId, callerHost)
  pos = putField(out, pos, ResolvedCallFields.callId, callId)
  if (result !== undefined)
    pos = putFieldRange(out, pos, ResolvedCallFields.result, source, result.start, result.end)
  if (resultError > 0) {
    out[pos++] = ResolvedCallFields.resultError << 3
    putVarint(out, pos, resultError)
  } else if (resultError < 0) {
    out[pos++] = ResolvedCallFields.resultError << 3
    // Negative int32: ten bytes, sign-extended (as Writer.int32).
    let lo = resultError >>> 0
    for (let i = 0; i < 4; i++) {
      out[pos++] = (lo & 0x7f) | 0x80
      lo >>>= 7
    }
    out[pos++] = (lo & 0x0f) | 0x70 | 0x80
    for (let i = 0; i < 4; i++) out[pos++] = 0xff
    out[pos] = 0x01
  }
  return out
}

/**
 * read_one_'s filter: the service/method keys of a ReadOneRequest's repeated call
 * {service_id, method_id} (`list`, from scan(request, ReadOneRequestFields.call)); undefined when it has none.
 */
export function readOneFilter(
  request: Uint8Array,
  list: readonly Field[],
): Set<string> | undefined {
  if (list.length === 0) return undefined
  let wanted: Set<string> | undefined
  for (const field of list) {
    const inner = request.subarray(field.start, field.end)
    const pair = scan(inner)
    const sf = pair?.fields.get(ServiceMethodCallFields.serviceId)
    const mf = pair?.fields.get(ServiceMethodCallFields.methodId)
    ;(wanted ??= new Set()).add(sf && mf ? `${idKey(inner, sf).key}/${idKey(inner, mf).key}` : '')
  }
  return wanted
}
