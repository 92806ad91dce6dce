/**
 * The protobuf envelope of a call between hosts (proto/parigot/cluster/v1/cluster.proto), with
 * the checks every received one goes through: a NATS message is untrusted input, so a message
 * over the size bound, one that does not decode, or one with an invalid field is answered with a
 * typed error (`BadEnvelope`) that names the field.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { Any } from '@bufbuild/protobuf/wkt'
import {
  RemoteCallSchema,
  RemoteErrorCode,
  RemoteErrorSchema,
  RemoteResultSchema,
  type RemoteCall,
  type RemoteResult,
} from '../../shared/gen/parigot/cluster/v1/cluster_pb'
import { isServiceName } from './subjects'

/**
 * The largest envelope accepted: a call's request, like a guest's read_one_ answer, must fit the
 * kernel channel's 1 MiB data area, plus room for the envelope's own fields.
 */
export const MAX_ENVELOPE_BYTES = 1024 * 1024 + 4096
const MAX_TEXT = 256
const METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/

import { parseTraceparent } from './trace-context'

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string }

export function encodeCall(call: Omit<RemoteCall, '$typeName'>): Uint8Array {
  return toBinary(RemoteCallSchema, create(RemoteCallSchema, call))
}

export function decodeCall(bytes: Uint8Array): Decoded<RemoteCall> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES)
    return bad(
      `call envelope of ${bytes.byteLength} bytes, over the limit of ${MAX_ENVELOPE_BYTES}`,
    )
  let call: RemoteCall
  try {
    call = fromBinary(RemoteCallSchema, bytes)
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

export function encodeResult(result: Omit<RemoteResult, '$typeName'>): Uint8Array {
  return toBinary(RemoteResultSchema, create(RemoteResultSchema, result))
}

export function decodeResult(bytes: Uint8Array): Decoded<RemoteResult> {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES)
    return bad(
      `result envelope of ${bytes.byteLength} bytes, over the limit of ${MAX_ENVELOPE_BYTES}`,
    )
  let result: RemoteResult
  try {
    result = fromBinary(RemoteResultSchema, bytes)
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
  return encodeResult({
    callId,
    servedBy,
    resultError: 0,
    error: create(RemoteErrorSchema, { code, kernelError, message }),
  })
}

export function okResult(
  callId: string,
  servedBy: string,
  result: Any | undefined,
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
