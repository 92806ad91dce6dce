// Encoders and decoders of the syscall.v1 messages the runtime uses (proto/parigot/syscall/v1/
// syscall.proto). Pure functions over proto.ts: no host calls, so they can be tested alone.
//
// Host ids are never written: an absent host id means "the calling guest".

import { Id } from './id'
import { Reader, Writer } from './proto'

/** syscall.v1.KernelErr */
export const enum KernelErr {
  NoError = 0,
  LocateError = 1,
  UnmarshalFailed = 2,
  IdDispatch = 3,
  NamespaceExhausted = 4,
  NotFound = 5,
  DataTooLarge = 6,
  MarshalFailed = 7,
  CallerUnavailable = 8,
  ServiceAlreadyClosedOrExported = 9,
  ServiceAlreadyRequired = 10,
  DependencyCycle = 11,
  NetworkFailed = 12,
  NetworkConnectionLost = 13,
  DataTooSmall = 14,
  KernelConnectionFailed = 15,
  NSRetryFailed = 16,
  DecodeError = 17,
  ExecError = 18,
  KernelDependencyFailure = 19,
  AbortRequest = 20,
  EncodeError = 22,
  ClosedErr = 23,
  GuestReadFailed = 24,
  GuestWriteFailed = 25,
  BadId = 26,
  NotReady = 27,
  NotRequired = 28,
  RunTimeout = 29,
  ReadOneTimeout = 30,
  BadCallId = 31,
  CallTimeout = 40,
  ServiceFailed = 41,
  CallQueueFull = 42,
}

/** google.protobuf.Any; `value` is treated as raw bytes. */
export class Any {
  constructor(
    public typeUrl: string = '',
    public value: Uint8Array = new Uint8Array(0),
  ) {}

  /** No type and no value (an absent field decodes to this too). */
  get isEmpty(): bool {
    return this.typeUrl.length == 0 && this.value.length == 0
  }

  /** An Any whose value is the UTF-8 bytes of `text`. */
  static ofText(typeUrl: string, text: string): Any {
    return new Any(typeUrl, Uint8Array.wrap(String.UTF8.encode(text)))
  }

  /** The value decoded as UTF-8. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.value.dataStart, <usize>this.value.length)
  }

  encode(w: Writer, field: i32): void {
    const nested = new Writer(this.typeUrl.length + this.value.length + 8)
    nested.string(1, this.typeUrl)
    nested.bytes(2, this.value)
    w.message(field, nested)
  }

  static decode(r: Reader): Any {
    const sub = r.message()
    const any = new Any()
    while (sub.next()) {
      if (sub.field == 1) any.typeUrl = sub.string()
      else if (sub.field == 2) any.value = sub.bytes()
      else sub.skip()
    }
    return any
  }
}

/** syscall.v1.FullyQualifiedService */
export class Fqs {
  constructor(
    public packagePath: string,
    public service: string,
  ) {}

  encode(w: Writer, field: i32): void {
    const nested = new Writer()
    nested.string(1, this.packagePath)
    nested.string(2, this.service)
    w.message(field, nested)
  }

  toString(): string {
    return this.packagePath + '.' + this.service
  }
}

/** syscall.v1.MethodBinding */
export class MethodBinding {
  constructor(
    public methodName: string = '',
    public methodId: Id = new Id(),
  ) {}
}

/** syscall.v1.LocateResponse */
export class LocateResponse {
  hostId: Id = new Id()
  serviceId: Id = new Id()
  bindings: MethodBinding[] = []

  /** The id of the named method, or null if the service did not bind it. */
  method(name: string): Id | null {
    for (let i = 0; i < this.bindings.length; i++) {
      const b = this.bindings[i]
      if (b.methodName == name) return b.methodId
    }
    return null
  }
}

/** syscall.v1.ServiceMethodCall */
export class ServiceMethodCall {
  constructor(
    public serviceId: Id = new Id(),
    public methodId: Id = new Id(),
  ) {}
}

/** syscall.v1.ResolvedCall: a call (or launch, or exit) this guest made has completed. */
export class ResolvedCall {
  hostId: Id = new Id()
  callId: Id = new Id()
  result: Any = new Any()
  resultError: i32 = 0
  kernelError: i32 = 0
}

/** syscall.v1.ExitPair */
export class ExitPair {
  constructor(
    public serviceId: Id = new Id(),
    public code: i32 = 0,
  ) {}
}

/** syscall.v1.ReadOneResponse, as it came off the wire. */
export class ReadOneResponse {
  timeout: bool = false
  call: ServiceMethodCall | null = null
  callId: Id = new Id()
  param: Any = new Any()
  resolved: ResolvedCall | null = null
  exit: bool = false
}

// ---- requests ----

export function encodeRegisterRequest(name: Fqs): Uint8Array {
  const w = new Writer()
  name.encode(w, 1)
  return w.finish()
}

export function encodeExportRequest(serviceId: Id, names: Fqs[]): Uint8Array {
  const w = new Writer()
  serviceId.encode(w, 1)
  for (let i = 0; i < names.length; i++) names[i].encode(w, 2)
  return w.finish()
}

export function encodeRequireRequest(source: Id, names: Fqs[]): Uint8Array {
  const w = new Writer()
  for (let i = 0; i < names.length; i++) names[i].encode(w, 1)
  source.encode(w, 2)
  return w.finish()
}

export function encodeBindMethodRequest(serviceId: Id, methodName: string): Uint8Array {
  const w = new Writer()
  serviceId.encode(w, 2)
  w.string(3, methodName)
  return w.finish()
}

export function encodeLaunchRequest(serviceId: Id, callId: Id, methodId: Id): Uint8Array {
  const w = new Writer()
  serviceId.encode(w, 1)
  callId.encode(w, 2)
  methodId.encode(w, 4)
  return w.finish()
}

export function encodeLocateRequest(
  packageName: string,
  serviceName: string,
  calledBy: Id,
): Uint8Array {
  const w = new Writer()
  w.string(1, packageName)
  w.string(2, serviceName)
  calledBy.encode(w, 3)
  return w.finish()
}

/** `param` is omitted when empty (a method with no input). */
export function encodeDispatchRequest(
  serviceId: Id,
  methodId: Id,
  param: Any,
  callId: Id,
): Uint8Array {
  const w = new Writer(param.value.length + param.typeUrl.length + 96)
  serviceId.encode(w, 1)
  methodId.encode(w, 2)
  if (!param.isEmpty) param.encode(w, 3)
  callId.encode(w, 4)
  return w.finish()
}

/** `result` is omitted when empty (an error, or a method with no output). */
export function encodeReturnValueRequest(callId: Id, result: Any, resultError: i32): Uint8Array {
  const w = new Writer(result.value.length + result.typeUrl.length + 64)
  callId.encode(w, 2)
  if (!result.isEmpty) result.encode(w, 3)
  w.int32(4, resultError)
  return w.finish()
}

/** An empty `calls` means "any inbound call for my bound methods". */
export function encodeReadOneRequest(timeoutMillis: i32, calls: ServiceMethodCall[]): Uint8Array {
  const w = new Writer()
  for (let i = 0; i < calls.length; i++) {
    const nested = new Writer()
    calls[i].serviceId.encode(nested, 1)
    calls[i].methodId.encode(nested, 2)
    w.message(1, nested)
  }
  w.int32(2, timeoutMillis)
  return w.finish()
}

export function encodeExitRequest(pair: ExitPair, callId: Id, methodId: Id): Uint8Array {
  const w = new Writer()
  w.message(1, encodeExitPair(pair))
  callId.encode(w, 2)
  methodId.encode(w, 4)
  return w.finish()
}

export function encodeSynchronousExitRequest(pair: ExitPair): Uint8Array {
  const w = new Writer()
  w.message(1, encodeExitPair(pair))
  return w.finish()
}

function encodeExitPair(pair: ExitPair): Writer {
  const nested = new Writer()
  pair.serviceId.encode(nested, 1)
  nested.int32(2, pair.code)
  return nested
}

// ---- responses (check `r.ok` afterwards: malformed input never traps) ----

/** RegisterResponse.id, BindMethodResponse.method_id, DispatchResponse.call_id: an id in field 1. */
export function decodeIdResponse(r: Reader): Id {
  let id = new Id()
  while (r.next()) {
    if (r.field == 1) id = Id.decode(r)
    else r.skip()
  }
  return id
}

export function decodeLocateResponse(r: Reader): LocateResponse {
  const resp = new LocateResponse()
  while (r.next()) {
    if (r.field == 1) resp.hostId = Id.decode(r)
    else if (r.field == 2) resp.serviceId = Id.decode(r)
    else if (r.field == 3) resp.bindings.push(decodeMethodBinding(r.message()))
    else r.skip()
  }
  return resp
}

function decodeMethodBinding(r: Reader): MethodBinding {
  const b = new MethodBinding()
  while (r.next()) {
    if (r.field == 1) b.methodName = r.string()
    else if (r.field == 2) b.methodId = Id.decode(r)
    else r.skip()
  }
  return b
}

function decodeServiceMethodCall(r: Reader): ServiceMethodCall {
  const c = new ServiceMethodCall()
  while (r.next()) {
    if (r.field == 1) c.serviceId = Id.decode(r)
    else if (r.field == 2) c.methodId = Id.decode(r)
    else r.skip()
  }
  return c
}

export function decodeResolvedCall(r: Reader): ResolvedCall {
  const c = new ResolvedCall()
  while (r.next()) {
    if (r.field == 1) c.hostId = Id.decode(r)
    else if (r.field == 2) c.callId = Id.decode(r)
    else if (r.field == 3) c.result = Any.decode(r)
    else if (r.field == 4) c.resultError = r.int32()
    else if (r.field == 10) c.kernelError = r.int32()
    else r.skip()
  }
  return c
}

export function decodeReadOneResponse(r: Reader): ReadOneResponse {
  const resp = new ReadOneResponse()
  while (r.next()) {
    switch (r.field) {
      case 1:
        resp.timeout = r.bool()
        break
      case 2:
        resp.call = decodeServiceMethodCall(r.message())
        break
      case 3:
        resp.callId = Id.decode(r)
        break
      case 4:
        resp.param = Any.decode(r)
        break
      case 5:
        resp.resolved = decodeResolvedCall(r.message())
        break
      case 6:
        resp.exit = r.bool()
        break
      default:
        r.skip()
    }
  }
  return resp
}

export function decodeExitPair(r: Reader): ExitPair {
  const pair = new ExitPair()
  while (r.next()) {
    if (r.field == 1) pair.serviceId = Id.decode(r)
    else if (r.field == 2) pair.code = r.int32()
    else r.skip()
  }
  return pair
}

/** ExitResponse / SynchronousExitResponse: an ExitPair in field 1. */
export function decodeExitResponse(r: Reader): ExitPair {
  let pair = new ExitPair()
  while (r.next()) {
    if (r.field == 1) pair = decodeExitPair(r.message())
    else r.skip()
  }
  return pair
}
