// The three syscalls every call makes, coded without building message trees: dispatch_'s and
// return_value_'s requests, read_one_'s request without a filter (written into the scratch
// buffer, scratch-writer.ts), and read_one_'s and dispatch_'s responses (read straight from the
// host's out buffer into the runtime's types). Hand-written because the generated codec builds
// a message object per field and then copies it into the runtime's types: on the co-located
// call bench that garbage cost more than the host calls themselves (docs/architecture.md).
//
// The decoders only take the shapes the host writes (each known field once, with its wire
// type, no unknown field); anything else returns null and the caller decodes it with the
// generic codec (messages.ts), so unusual but valid input means the same on both paths.
// test/unit/guest-runtime.test.ts checks both against @bufbuild/protobuf.

import { Event, EventKind } from './event'
import { Id } from './id'
import { Any, ResolvedCall } from './messages'
import {
  begin,
  bytesField,
  idField,
  int32Field,
  nestedHeader,
  stringField,
  varintSize,
} from './scratch-writer'

// ---- requests ----

function anyBodySize(any: Any, typeUrlBytes: i32): i32 {
  let n = 0
  if (any.typeUrl.length > 0) n += 1 + varintSize(<u64>typeUrlBytes) + typeUrlBytes
  const len = any.value.length
  if (len > 0) n += 1 + varintSize(<u64>len) + len
  return n
}

/** An Any as nested message `field`, omitted when empty (as Any.toPb). */
function anyField(field: i32, any: Any): void {
  if (any.isEmpty) return
  const typeUrlBytes = any.typeUrl.length > 0 ? String.UTF8.byteLength(any.typeUrl) : 0
  nestedHeader(field, anyBodySize(any, typeUrlBytes))
  stringField(1, any.typeUrl, typeUrlBytes)
  bytesField(2, any.value)
}

/** DispatchRequest {service_id 1, method_id 2, param 3, call_id 4}, as encodeDispatchRequest. */
export function writeDispatchRequest(serviceId: Id, methodId: Id, param: Any, callId: Id): void {
  begin()
  idField(1, serviceId.high, serviceId.low)
  idField(2, methodId.high, methodId.low)
  anyField(3, param)
  idField(4, callId.high, callId.low)
}

/** ReturnValueRequest {call_id 2, result 3, result_error 4}, as encodeReturnValueRequest. */
export function writeReturnValueRequest(callId: Id, result: Any, resultError: i32): void {
  begin()
  idField(2, callId.high, callId.low)
  anyField(3, result)
  int32Field(4, resultError)
}

/** ReadOneRequest {timeout_in_millis 2} with no call filter, as encodeReadOneRequest(t, []). */
export function writeReadOneRequest(timeoutMillis: i32): void {
  begin()
  int32Field(2, timeoutMillis)
}

// ---- responses ----

// The reader's state: [at, end) of linear memory; `odd` once the bytes are not a shape this
// reader takes (then the generic decoder reads them).
let at: usize = 0
let end: usize = 0
let odd = false

function varint(): u64 {
  let result: u64 = 0
  for (let i = 0; i < 10; i++) {
    if (at >= end) break
    const b = <u64>load<u8>(at++)
    if (i == 9 && b > 1) break
    result |= (b & 0x7f) << (<u64>i * 7)
    if (b < 0x80) return result
  }
  odd = true
  return 0
}

/** The key of the next field: (number << 3) | wire type. */
function key(): u32 {
  const k = varint()
  if (k > 0xffffffff) odd = true
  return <u32>k
}

/** The length of a length-delimited value, checked against the bytes left. */
function length(): usize {
  const len = varint()
  if (len > <u64>(end - at)) {
    odd = true
    return 0
  }
  return <usize>len
}

/** A field seen twice is left to the generic decoder (which merges or keeps the last). */
function once(seen: u32, number: u32): u32 {
  const bit: u32 = 1 << number
  if ((seen & bit) != 0) odd = true
  return seen | bit
}

// An IdRaw's halves, as the last readId found them.
let idHigh: u64 = 0
let idLow: u64 = 0

/** An IdRaw {high 1, low 2} of `len` bytes at `at`. */
function readId(len: usize): void {
  const stop = at + len
  const outer = end
  end = stop
  idHigh = 0
  idLow = 0
  let seen: u32 = 0
  while (at < stop && !odd) {
    const k = key()
    if (k == 1 << 3) {
      seen = once(seen, 1)
      idHigh = varint()
    } else if (k == 2 << 3) {
      seen = once(seen, 2)
      idLow = varint()
    } else odd = true
  }
  end = outer
}

/** The id just read, as `reuse` itself when it is the same (no allocation). */
function idValue(reuse: Id | null): Id {
  if (reuse != null && reuse.high == idHigh && reuse.low == idLow) return reuse
  return new Id(idHigh, idLow)
}

// The type URL last decoded, and its UTF-8 bytes: calls of one method repeat it, so the string
// is made once.
let lastTypeUrl = ''
let lastTypeUrlBytes: usize = heap.alloc(64)
let lastTypeUrlCap: usize = 64
let lastTypeUrlLen: usize = 0

function typeUrl(len: usize): string {
  if (len == lastTypeUrlLen && memory.compare(at, lastTypeUrlBytes, len) == 0) return lastTypeUrl
  const text = String.UTF8.decodeUnsafe(at, len)
  if (len > lastTypeUrlCap) {
    lastTypeUrlBytes = heap.realloc(lastTypeUrlBytes, len)
    lastTypeUrlCap = len
  }
  memory.copy(lastTypeUrlBytes, at, len)
  lastTypeUrlLen = len
  lastTypeUrl = text
  return text
}

/** A google.protobuf.Any {type_url 1, value 2} of `len` bytes at `at`; the value is copied. */
function readAny(len: usize): Any {
  const stop = at + len
  const outer = end
  end = stop
  let url = ''
  let value: Uint8Array | null = null
  let seen: u32 = 0
  while (at < stop && !odd) {
    const k = key()
    if (k == ((1 << 3) | 2)) {
      seen = once(seen, 1)
      const n = length()
      if (odd) break
      url = typeUrl(n)
      at += n
    } else if (k == ((2 << 3) | 2)) {
      seen = once(seen, 2)
      const n = length()
      if (odd) break
      const copy = new Uint8Array(<i32>n)
      memory.copy(copy.dataStart, at, n)
      value = copy
      at += n
    } else odd = true
  }
  end = outer
  return value == null ? new Any(url) : new Any(url, value)
}

/** ResolvedCall {host_id 1, call_id 2, result 3, result_error 4, kernel_error 10}. */
function readResolved(len: usize, expected: Id | null): ResolvedCall {
  const stop = at + len
  const outer = end
  end = stop
  let hostId: Id | null = null
  let callId: Id | null = null
  let result: Any | null = null
  let resultError: i32 = 0
  let kernelError: i32 = 0
  let seen: u32 = 0
  while (at < stop && !odd) {
    const k = key()
    if (k == ((1 << 3) | 2)) {
      seen = once(seen, 1)
      readId(length())
      hostId = new Id(idHigh, idLow)
    } else if (k == ((2 << 3) | 2)) {
      seen = once(seen, 2)
      readId(length())
      callId = idValue(expected)
    } else if (k == ((3 << 3) | 2)) {
      seen = once(seen, 3)
      result = readAny(length())
    } else if (k == 4 << 3) {
      seen = once(seen, 4)
      resultError = <i32>varint()
    } else if (k == 10 << 3) {
      seen = once(seen, 10)
      kernelError = <i32>varint()
    } else odd = true
  }
  end = outer
  return new ResolvedCall(
    hostId == null ? new Id() : hostId,
    callId == null ? new Id() : callId,
    result == null ? new Any() : result,
    resultError,
    kernelError,
  )
}

/**
 * read_one_'s response at [ptr, ptr + len) as the Event readOne returns, or null when the bytes
 * are not a shape this reader takes (decode them with decodeReadOneResponse). `expected`, the
 * call id the guest waits for, is returned as the resolved call's id when it is that id.
 */
export function readOneEvent(ptr: usize, len: i32, expected: Id | null = null): Event | null {
  at = ptr
  end = ptr + <usize>len
  odd = false
  let exit = false
  let hasCall = false
  let serviceId: Id | null = null
  let methodId: Id | null = null
  let callId: Id | null = null
  let param: Any | null = null
  let resolved: ResolvedCall | null = null
  let seen: u32 = 0
  while (at < end && !odd) {
    const k = key()
    if (k == 1 << 3) {
      seen = once(seen, 1)
      varint() // timeout: an event of no other kind is one
    } else if (k == ((2 << 3) | 2)) {
      seen = once(seen, 2)
      hasCall = true
      const len = length()
      const stop = at + len
      const outer = end
      end = stop
      let inner: u32 = 0
      while (at < stop && !odd) {
        const ik = key()
        if (ik == ((1 << 3) | 2)) {
          inner = once(inner, 1)
          readId(length())
          serviceId = new Id(idHigh, idLow)
        } else if (ik == ((2 << 3) | 2)) {
          inner = once(inner, 2)
          readId(length())
          methodId = new Id(idHigh, idLow)
        } else odd = true
      }
      end = outer
    } else if (k == ((3 << 3) | 2)) {
      seen = once(seen, 3)
      readId(length())
      callId = new Id(idHigh, idLow)
    } else if (k == ((4 << 3) | 2)) {
      seen = once(seen, 4)
      param = readAny(length())
    } else if (k == ((5 << 3) | 2)) {
      seen = once(seen, 5)
      resolved = readResolved(length(), expected)
    } else if (k == 6 << 3) {
      seen = once(seen, 6)
      exit = varint() != 0
    } else odd = true
  }
  if (odd) return null
  if (exit) return new Event(EventKind.Exit)
  if (resolved != null) {
    const ev = new Event(EventKind.Resolved)
    ev.resolved = resolved
    return ev
  }
  if (hasCall || (callId != null && !callId.isEmpty())) {
    const ev = new Event(EventKind.Call)
    if (serviceId != null) ev.serviceId = serviceId
    else if (hasCall) ev.serviceId = new Id()
    if (methodId != null) ev.methodId = methodId
    else if (hasCall) ev.methodId = new Id()
    ev.callId = callId == null ? new Id() : callId
    ev.param = param == null ? new Any() : param
    return ev
  }
  return new Event(EventKind.Timeout)
}

/**
 * An id response (DispatchResponse {call_id 1}: only that field) at [ptr, ptr + len): `reuse`
 * itself when the id is the same, or null when the bytes are not that shape (use
 * decodeIdResponse). An empty response is the empty id.
 */
export function readIdResponse(ptr: usize, len: i32, reuse: Id | null): Id | null {
  at = ptr
  end = ptr + <usize>len
  odd = false
  idHigh = 0
  idLow = 0
  let seen: u32 = 0
  while (at < end && !odd) {
    if (key() == ((1 << 3) | 2)) {
      seen = once(seen, 1)
      readId(length())
    } else odd = true
  }
  return odd ? null : idValue(reuse)
}
