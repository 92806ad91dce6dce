/**
 * The protobuf envelope of a call between hosts (proto/parigot/cluster/v1/cluster.proto), with
 * the checks every received one goes through: a NATS message is untrusted input, so a message
 * over the size bound, one that does not decode, or one with an invalid field is answered with a
 * typed error (`BadEnvelope`) that names the field.
 *
 * Every call crosses this codec four times (call and result, each encoded and decoded), so it
 * writes and reads the two messages field by field with protobuf-es's wire reader and writer
 * rather than through the reflective `create`/`toBinary`/`fromBinary` (about 45 us a call on
 * the development machine, against a few us here). The bytes are the same: a test checks the
 * codec against the generated schemas both ways (test/unit/cluster-envelope.test.ts).
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire'
import type { Any } from '@bufbuild/protobuf/wkt'
import {
  RemoteErrorCode,
  type RemoteCall,
  type RemoteError,
  type RemoteResult,
} from '../../shared/gen/parigot/cluster/v1/cluster_pb'
import { isServiceName } from './subjects'
import { parseTraceparent } from './trace-context'

/**
 * The largest envelope accepted: a call's request, like a guest's read_one_ answer, must fit the
 * kernel channel's 1 MiB data area, plus room for the envelope's own fields.
 */
export const MAX_ENVELOPE_BYTES = 1024 * 1024 + 4096
const MAX_TEXT = 256
const METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string }

/** The fields of a call, as the sender fills them. */
export type CallFields = Omit<RemoteCall, '$typeName' | 'param'> & { readonly param?: AnyFields }
/** An Any as the codec needs it (a generated `Any` or a plain object). */
export interface AnyFields {
  readonly typeUrl: string
  readonly value: Uint8Array
}

const LEN = WireType.LengthDelimited
const EMPTY = new Uint8Array(0)
const utf8 = { decoder: new TextDecoder(), encoder: new TextEncoder() }

/**
 * The envelope's strings are short ASCII names and ids: read those in JS, since a TextDecoder
 * call costs about a microsecond each; anything else goes to the TextDecoder (not fatal: a bad
 * sequence becomes U+FFFD, as in the generated code, and the field checks then see it).
 */
function decodeText(bytes: Uint8Array): string {
  if (bytes.byteLength > 64) return utf8.decoder.decode(bytes)
  let text = ''
  for (let i = 0; i < bytes.byteLength; i++) {
    const byte = bytes[i] as number
    if (byte >= 0x80) return utf8.decoder.decode(bytes)
    text += String.fromCharCode(byte)
  }
  return text
}

function encodeText(text: string): Uint8Array {
  if (text.length > 64) return utf8.encoder.encode(text)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0x80) return utf8.encoder.encode(text)
    bytes[i] = code
  }
  return bytes
}

/** Writes `any` as field `fieldNo` (omitted when absent, as the generated code does). */
function writeAny(w: BinaryWriter, fieldNo: number, any: AnyFields | undefined): void {
  if (any === undefined) return
  w.tag(fieldNo, LEN).fork()
  if (any.typeUrl !== '') w.tag(1, LEN).string(any.typeUrl)
  if (any.value.byteLength > 0) w.tag(2, LEN).bytes(any.value)
  w.join()
}

function writeString(w: BinaryWriter, fieldNo: number, value: string): void {
  if (value !== '') w.tag(fieldNo, LEN).string(value)
}

export function encodeCall(call: CallFields): Uint8Array {
  const w = new BinaryWriter(encodeText)
  writeString(w, 1, call.service)
  writeString(w, 2, call.method)
  writeString(w, 3, call.callId)
  writeString(w, 4, call.caller)
  writeString(w, 5, call.traceparent)
  writeAny(w, 6, call.param)
  if (call.timeoutMs !== 0) w.tag(7, WireType.Varint).uint32(call.timeoutMs)
  return w.finish()
}

/** Throws on a known field sent with another wire type (the message does not decode). */
function wireTypeIs(wireType: WireType, want: WireType, fieldNo: number): void {
  if (wireType !== want) throw new Error(`field ${fieldNo} has wire type ${wireType}`)
}

/** Reads an Any into `into` (a repeated message field merges, as protobuf says). */
function readAny(reader: BinaryReader, into: Any | undefined): Any {
  const any: Any = into ?? { $typeName: 'google.protobuf.Any', typeUrl: '', value: EMPTY }
  const length = reader.uint32()
  const end = reader.pos + length
  if (end > reader.len) throw new Error('premature end of an Any')
  while (reader.pos < end) {
    const [fieldNo, wireType] = reader.tag()
    if (fieldNo === 1) {
      wireTypeIs(wireType, LEN, fieldNo)
      any.typeUrl = reader.string()
    } else if (fieldNo === 2) {
      wireTypeIs(wireType, LEN, fieldNo)
      any.value = reader.bytes()
    } else reader.skip(wireType, fieldNo)
  }
  if (reader.pos !== end) throw new Error('an Any overruns its length')
  return any
}

function readCall(bytes: Uint8Array): RemoteCall {
  const call: RemoteCall = {
    $typeName: 'cluster.v1.RemoteCall',
    service: '',
    method: '',
    callId: '',
    caller: '',
    traceparent: '',
    timeoutMs: 0,
  }
  const reader = new BinaryReader(bytes, decodeText)
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag()
    switch (fieldNo) {
      case 1:
        wireTypeIs(wireType, LEN, fieldNo)
        call.service = reader.string()
        break
      case 2:
        wireTypeIs(wireType, LEN, fieldNo)
        call.method = reader.string()
        break
      case 3:
        wireTypeIs(wireType, LEN, fieldNo)
        call.callId = reader.string()
        break
      case 4:
        wireTypeIs(wireType, LEN, fieldNo)
        call.caller = reader.string()
        break
      case 5:
        wireTypeIs(wireType, LEN, fieldNo)
        call.traceparent = reader.string()
        break
      case 6:
        wireTypeIs(wireType, LEN, fieldNo)
        call.param = readAny(reader, call.param)
        break
      case 7:
        wireTypeIs(wireType, WireType.Varint, fieldNo)
        call.timeoutMs = reader.uint32()
        break
      default:
        reader.skip(wireType, fieldNo)
    }
  }
  return call
}

export function decodeCall(bytes: Uint8Array): Decoded<RemoteCall> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES)
    return bad(
      `call envelope of ${bytes.byteLength} bytes, over the limit of ${MAX_ENVELOPE_BYTES}`,
    )
  let call: RemoteCall
  try {
    call = readCall(bytes)
  } catch (err) {
    return bad(`call envelope does not decode: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!isServiceName(call.service))
    return bad(`call envelope: field service ${clip(call.service)} is not a package.Service name`)
  if (call.method.length > MAX_TEXT || !METHOD.test(call.method))
    return bad(`call envelope: field method ${clip(call.method)} is not a method name`)
  for (const field of ['call_id', 'caller', 'traceparent'] as const) {
    const value = field === 'call_id' ? call.callId : call[field]
    if (value.length > MAX_TEXT || /\p{Cc}/u.test(value))
      return bad(
        `call envelope: field ${field} is longer than ${MAX_TEXT} characters or not printable`,
      )
  }
  if (call.param !== undefined && call.param.typeUrl.length > MAX_TEXT)
    return bad(`call envelope: field param.type_url is longer than ${MAX_TEXT} characters`)
  const parent = parseTraceparent(call.traceparent)
  if (parent !== undefined && 'error' in parent) return bad(`call envelope: ${parent.error}`)
  return { ok: true, value: call }
}

/** The fields of a result, as the serving host fills them. */
export interface ResultFields {
  readonly callId: string
  readonly servedBy: string
  readonly resultError: number
  readonly result?: AnyFields
  readonly error?: Omit<RemoteError, '$typeName'>
}

export function encodeResult(result: ResultFields): Uint8Array {
  const w = new BinaryWriter(encodeText)
  writeString(w, 1, result.callId)
  writeAny(w, 2, result.result)
  if (result.resultError !== 0) w.tag(3, WireType.Varint).int32(result.resultError)
  if (result.error !== undefined) {
    w.tag(4, LEN).fork()
    if (result.error.code !== 0) w.tag(1, WireType.Varint).int32(result.error.code)
    if (result.error.kernelError !== 0) w.tag(2, WireType.Varint).int32(result.error.kernelError)
    writeString(w, 3, result.error.message)
    w.join()
  }
  writeString(w, 5, result.servedBy)
  return w.finish()
}

function readError(reader: BinaryReader, into: RemoteError | undefined): RemoteError {
  const error: RemoteError = into ?? {
    $typeName: 'cluster.v1.RemoteError',
    code: RemoteErrorCode.UNSPECIFIED,
    kernelError: 0,
    message: '',
  }
  const length = reader.uint32()
  const end = reader.pos + length
  if (end > reader.len) throw new Error('premature end of field error')
  while (reader.pos < end) {
    const [fieldNo, wireType] = reader.tag()
    if (fieldNo === 1) {
      wireTypeIs(wireType, WireType.Varint, fieldNo)
      error.code = reader.int32()
    } else if (fieldNo === 2) {
      wireTypeIs(wireType, WireType.Varint, fieldNo)
      error.kernelError = reader.int32()
    } else if (fieldNo === 3) {
      wireTypeIs(wireType, LEN, fieldNo)
      error.message = reader.string()
    } else reader.skip(wireType, fieldNo)
  }
  if (reader.pos !== end) throw new Error('field error overruns its length')
  return error
}

function readResult(bytes: Uint8Array): RemoteResult {
  const result: RemoteResult = {
    $typeName: 'cluster.v1.RemoteResult',
    callId: '',
    resultError: 0,
    servedBy: '',
  }
  const reader = new BinaryReader(bytes, decodeText)
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag()
    switch (fieldNo) {
      case 1:
        wireTypeIs(wireType, LEN, fieldNo)
        result.callId = reader.string()
        break
      case 2:
        wireTypeIs(wireType, LEN, fieldNo)
        result.result = readAny(reader, result.result)
        break
      case 3:
        wireTypeIs(wireType, WireType.Varint, fieldNo)
        result.resultError = reader.int32()
        break
      case 4:
        wireTypeIs(wireType, LEN, fieldNo)
        result.error = readError(reader, result.error)
        break
      case 5:
        wireTypeIs(wireType, LEN, fieldNo)
        result.servedBy = reader.string()
        break
      default:
        reader.skip(wireType, fieldNo)
    }
  }
  return result
}

export function decodeResult(bytes: Uint8Array): Decoded<RemoteResult> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES)
    return bad(
      `result envelope of ${bytes.byteLength} bytes, over the limit of ${MAX_ENVELOPE_BYTES}`,
    )
  let result: RemoteResult
  try {
    result = readResult(bytes)
  } catch (err) {
    return bad(
      `result envelope does not decode: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  if (result.callId.length > MAX_TEXT || result.servedBy.length > MAX_TEXT)
    return bad('result envelope: field call_id or served_by is longer than 256 characters')
  if (result.error !== undefined && !(result.error.code in RemoteErrorCode))
    return bad(`result envelope: field error.code ${result.error.code} is not a RemoteErrorCode`)
  if (result.error !== undefined && result.error.message.length > 4096)
    return bad('result envelope: field error.message is longer than 4096 characters')
  return { ok: true, value: result }
}

/** A typed failure answer. */
export function errorResult(
  callId: string,
  servedBy: string,
  code: RemoteErrorCode,
  message: string,
  kernelError = 0,
): Uint8Array {
  return encodeResult({ callId, servedBy, resultError: 0, error: { code, kernelError, message } })
}

export function okResult(
  callId: string,
  servedBy: string,
  result: AnyFields | undefined,
  resultError: number,
): Uint8Array {
  return encodeResult({ callId, servedBy, resultError, ...(result ? { result } : {}) })
}

function bad(message: string): { ok: false; message: string } {
  return { ok: false, message }
}

function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)
}
