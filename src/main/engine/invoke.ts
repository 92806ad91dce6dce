import { create, fromBinary, ScalarType, toBinary } from '@bufbuild/protobuf'
import type { BinaryReadOptions, DescMessage, MessageShape } from '@bufbuild/protobuf'
import { GuestTrap } from './errors'
import { manufactureHostContext } from './host-context'
import type { HostContext } from './host-context'
import type { GuestBinding, HostFunctionDef, WasmImport } from './host-function'
import { outBufferCapacity } from './out-buffer'

export { DEFAULT_OUT_CAPACITY, outBufferCapacity } from './out-buffer'

/** Largest error code the ABI carries; bits above are reserved for the "signal" pattern. */
const MAX_ERROR_CODE = 255

/**
 * The codes a host module uses for failures of the transport itself (as opposed to its own
 * domain errors). Each module's error enum spells these differently (the kernel's MarshalFailed
 * is 7, a plugin's MarshalError is 3), so every module declares its own mapping.
 */
export interface AbiErrorCodes {
  readonly guestReadFailed: number
  readonly unmarshalFailed: number
  readonly marshalFailed: number
  readonly dataTooLarge: number
  readonly guestWriteFailed: number
  /** A host implementation threw or returned a code outside 0..255. */
  readonly internal: number
}

/** Implementation of a host function with a response: fill `response`, return 0 or an error. */
export type HostImpl<Req extends DescMessage, Res extends DescMessage> = (
  ctx: HostContext,
  request: MessageShape<Req>,
  response: MessageShape<Res>,
) => number

/** Implementation of a host function without a response. */
export type HostImplNoResponse<Req extends DescMessage> = (
  ctx: HostContext,
  request: MessageShape<Req>,
) => number

export interface HostCallSpec<Req extends DescMessage, Res extends DescMessage> {
  readonly module: string
  readonly name: string
  readonly request: Req
  readonly response: Res
  readonly errors: AbiErrorCodes
  readonly impl: HostImpl<Req, Res>
}

export interface HostCallSpecNoResponse<Req extends DescMessage> {
  readonly module: string
  readonly name: string
  readonly request: Req
  readonly errors: AbiErrorCodes
  readonly impl: HostImplNoResponse<Req>
}

/**
 * The invoke adapter (the reference's InvokeImplFromStack): turns a typed implementation into
 * a wasm import with the ABI `(inLen, inPtr, outPtr, errPtr) -> i64`. See docs/abi.md.
 */
export function invokeAdapter<Req extends DescMessage, Res extends DescMessage>(
  spec: HostCallSpec<Req, Res>,
): HostFunctionDef
export function invokeAdapter<Req extends DescMessage>(
  spec: HostCallSpecNoResponse<Req>,
): HostFunctionDef
export function invokeAdapter<Req extends DescMessage, Res extends DescMessage>(
  spec: HostCallSpec<Req, Res> | HostCallSpecNoResponse<Req>,
): HostFunctionDef {
  return {
    module: spec.module,
    name: spec.name,
    bind: (guest) => bindInvoke(spec, guest),
  }
}

function bindInvoke<Req extends DescMessage, Res extends DescMessage>(
  spec: HostCallSpec<Req, Res> | HostCallSpecNoResponse<Req>,
  guest: GuestBinding,
): WasmImport {
  const ctx = manufactureHostContext(guest, spec.module, spec.name)
  const qualified = `${spec.module}.${spec.name}`
  const errors = spec.errors
  const responseSchema = 'response' in spec ? spec.response : undefined
  // A request type with no bytes field anywhere decodes straight from guest memory: its strings
  // and numbers are fresh values, so nothing of the decoded request aliases the guest. Bytes
  // fields would be views of the input (protobuf-es does not copy them), so those request types
  // are decoded from a copy, which later guest writes (or a grown memory) cannot change.
  const inPlace = !hasBytesField(spec.request)
  const readOptions: Partial<BinaryReadOptions> | undefined = inPlace
    ? { readUnknownFields: false }
    : undefined

  const fail = (errPtr: number, code: number): bigint => {
    guest.memory().writeI32(errPtr, code)
    return 0n
  }

  return (inLenArg: number, inPtrArg: number, outPtrArg: number, errPtrArg: number): bigint => {
    const memory = guest.memory()
    const inLen = inLenArg >>> 0
    const inPtr = inPtrArg >>> 0
    const outPtr = outPtrArg >>> 0
    const errPtr = errPtrArg >>> 0

    const capacity = outBufferCapacity(guest, errPtr, qualified)
    // Checked before the implementation runs: one that changes state (a queue's receive_
    // claims a message) must not act for an answer that could not be delivered.
    if (responseSchema !== undefined && !memory.contains(outPtr, capacity)) {
      guest.logger.log(
        'warn',
        `${qualified}: out buffer [${outPtr}, +${capacity}) is outside guest memory (${memory.size} bytes); not run`,
      )
      return fail(errPtr, errors.guestWriteFailed)
    }

    const requestBytes = inPlace ? memory.peek(inPtr, inLen) : memory.read(inPtr, inLen)
    if (requestBytes === undefined) {
      guest.logger.log(
        'warn',
        `${qualified}: request [${inPtr}, +${inLen}) is outside guest memory (${memory.size} bytes)`,
      )
      return fail(errPtr, errors.guestReadFailed)
    }

    let request: MessageShape<Req>
    try {
      request =
        inLen === 0 ? create(spec.request) : fromBinary(spec.request, requestBytes, readOptions)
    } catch (err) {
      guest.logger.log(
        'warn',
        `${qualified}: request is not a valid ${spec.request.typeName}: ${errorText(err)}`,
      )
      return fail(errPtr, errors.unmarshalFailed)
    }

    const response = responseSchema === undefined ? undefined : create(responseSchema)
    let code: number
    try {
      code =
        response === undefined
          ? (spec as HostCallSpecNoResponse<Req>).impl(ctx, request)
          : (spec as HostCallSpec<Req, Res>).impl(ctx, request, response)
    } catch (err) {
      if (err instanceof GuestTrap) throw err
      guest.logger.log('error', `${qualified} threw: ${errorText(err)}`)
      return fail(errPtr, errors.internal)
    }
    if (!Number.isInteger(code) || code < 0 || code > MAX_ERROR_CODE) {
      guest.logger.log('error', `${qualified} returned error code ${code}, outside 0..255`)
      return fail(errPtr, errors.internal)
    }
    if (code !== 0) return fail(errPtr, code)
    if (response === undefined || responseSchema === undefined) {
      memory.writeI32(errPtr, 0)
      return 0n
    }

    let responseBytes: Uint8Array
    try {
      responseBytes = toBinary(responseSchema, response)
    } catch (err) {
      guest.logger.log(
        'error',
        `${qualified}: cannot encode ${responseSchema.typeName}: ${errorText(err)}`,
      )
      return fail(errPtr, errors.marshalFailed)
    }
    const length = responseBytes.byteLength
    if (length > capacity) {
      memory.writeI32(errPtr, errors.dataTooLarge)
      return BigInt(length) << 32n
    }
    if (!memory.write(outPtr, responseBytes)) {
      guest.logger.log(
        'warn',
        `${qualified}: out buffer [${outPtr}, +${length}) is outside guest memory (${memory.size} bytes)`,
      )
      return fail(errPtr, errors.guestWriteFailed)
    }
    memory.writeI32(errPtr, 0)
    return (BigInt(length) << 32n) | BigInt(outPtr)
  }
}

/**
 * True when a message of this type can carry bytes that a decoder would hand out as views of its
 * input: a bytes field (also in a oneof, a list or a map value), in it or in any message it can
 * contain (unknown fields are dropped when decoding in place).
 */
export function hasBytesField(desc: DescMessage, seen = new Set<DescMessage>()): boolean {
  if (seen.has(desc)) return false
  seen.add(desc)
  for (const field of desc.fields) {
    switch (field.fieldKind) {
      case 'scalar':
        if (field.scalar === ScalarType.BYTES) return true
        break
      case 'list':
        if (field.listKind === 'scalar' && field.scalar === ScalarType.BYTES) return true
        if (field.listKind === 'message' && hasBytesField(field.message, seen)) return true
        break
      case 'map':
        if (field.mapKind === 'scalar' && field.scalar === ScalarType.BYTES) return true
        if (field.mapKind === 'message' && hasBytesField(field.message, seen)) return true
        break
      case 'message':
        if (hasBytesField(field.message, seen)) return true
        break
      case 'enum':
        break
    }
  }
  return false
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
