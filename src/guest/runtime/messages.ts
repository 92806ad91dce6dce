// The syscall.v1 messages the runtime uses (proto/parigot/syscall/v1/syscall.proto), as small
// runtime types (ids as Id, payloads as Any). The wire codec is the code protoc-gen-parigot
// generates from proto/ into src/guest/gen (`node scripts/gen-proto.mjs`); this file only
// converts between those generated messages and the runtime's types. Pure functions: no host
// calls, so they can be tested alone.
//
// Host ids are never written: an absent host id means "the calling guest".

import { Any as PbAny } from '../gen/google/protobuf/any.pb'
import { IdRaw } from '../gen/parigot/protosupport/v1/protosupport.pb'
import {
  BindMethodRequest,
  DispatchRequest,
  ExitPair as PbExitPair,
  ExitRequest,
  ExitResponse,
  ExportRequest,
  FullyQualifiedService,
  LaunchRequest,
  LocateRequest,
  LocateResponse as PbLocateResponse,
  ReadOneRequest,
  ReadOneResponse as PbReadOneResponse,
  RegisterRequest,
  RegisterResponse,
  RequireRequest,
  ResolvedCall as PbResolvedCall,
  ReturnValueRequest,
  ServiceMethodCall as PbServiceMethodCall,
  SynchronousExitRequest,
} from '../gen/parigot/syscall/v1/syscall.pb'
import { Id } from './id'
import { Reader, Writer } from './proto'

export { KernelErr } from '../gen/parigot/syscall/v1/syscall.pb'

/** The generated IdRaw of an id (always present, even when empty). */
export function idToPb(id: Id): IdRaw {
  const raw = new IdRaw()
  raw.high = id.high
  raw.low = id.low
  return raw
}

/** The id of a generated IdRaw; an absent one is the empty id. */
export function idFromPb(raw: IdRaw | null): Id {
  return raw == null ? new Id() : new Id(raw.high, raw.low)
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

  /** The generated google.protobuf.Any with the same contents; null when empty (omitted). */
  toPb(): PbAny | null {
    if (this.isEmpty) return null
    const pb = new PbAny()
    pb.typeUrl = this.typeUrl
    pb.value = this.value
    return pb
  }

  static fromPb(pb: PbAny | null): Any {
    return pb == null ? new Any() : new Any(pb.typeUrl, pb.value)
  }

  /** Writes this Any as the nested message `field` of `w`. */
  encode(w: Writer, field: i32): void {
    const nested = new Writer(this.typeUrl.length + this.value.length + 8)
    const pb = new PbAny()
    pb.typeUrl = this.typeUrl
    pb.value = this.value
    pb.encode(nested)
    w.message(field, nested)
  }

  /** Reads an Any from the current (length-delimited) field of `r`. */
  static decode(r: Reader): Any {
    return Any.fromPb(PbAny.decode(r.message()))
  }
}

/** syscall.v1.FullyQualifiedService */
export class Fqs {
  constructor(
    public packagePath: string,
    public service: string,
  ) {}

  toPb(): FullyQualifiedService {
    const pb = new FullyQualifiedService()
    pb.packagePath = this.packagePath
    pb.service = this.service
    return pb
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
  constructor(
    public hostId: Id = new Id(),
    public callId: Id = new Id(),
    public result: Any = new Any(),
    public resultError: i32 = 0,
    public kernelError: i32 = 0,
  ) {}
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
  const m = new RegisterRequest()
  m.fqs = name.toPb()
  return m.toBytes()
}

export function encodeExportRequest(serviceId: Id, names: Fqs[]): Uint8Array {
  const m = new ExportRequest()
  m.serviceId = idToPb(serviceId)
  for (let i = 0; i < names.length; i++) m.service.push(names[i].toPb())
  return m.toBytes()
}

export function encodeRequireRequest(source: Id, names: Fqs[]): Uint8Array {
  const m = new RequireRequest()
  for (let i = 0; i < names.length; i++) m.dest.push(names[i].toPb())
  m.source = idToPb(source)
  return m.toBytes()
}

export function encodeBindMethodRequest(serviceId: Id, methodName: string): Uint8Array {
  const m = new BindMethodRequest()
  m.serviceId = idToPb(serviceId)
  m.methodName = methodName
  return m.toBytes()
}

export function encodeLaunchRequest(serviceId: Id, callId: Id, methodId: Id): Uint8Array {
  const m = new LaunchRequest()
  m.serviceId = idToPb(serviceId)
  m.callId = idToPb(callId)
  m.methodId = idToPb(methodId)
  return m.toBytes()
}

export function encodeLocateRequest(
  packageName: string,
  serviceName: string,
  calledBy: Id,
): Uint8Array {
  const m = new LocateRequest()
  m.packageName = packageName
  m.serviceName = serviceName
  m.calledBy = idToPb(calledBy)
  return m.toBytes()
}

/** `param` is omitted when empty (a method with no input). */
export function encodeDispatchRequest(
  serviceId: Id,
  methodId: Id,
  param: Any,
  callId: Id,
): Uint8Array {
  const m = new DispatchRequest()
  m.serviceId = idToPb(serviceId)
  m.methodId = idToPb(methodId)
  m.param = param.toPb()
  m.callId = idToPb(callId)
  return m.toBytes()
}

/** `result` is omitted when empty (an error, or a method with no output). */
export function encodeReturnValueRequest(callId: Id, result: Any, resultError: i32): Uint8Array {
  const m = new ReturnValueRequest()
  m.callId = idToPb(callId)
  m.result = result.toPb()
  m.resultError = resultError
  return m.toBytes()
}

/** An empty `calls` means "any inbound call for my bound methods". */
export function encodeReadOneRequest(timeoutMillis: i32, calls: ServiceMethodCall[]): Uint8Array {
  const m = new ReadOneRequest()
  for (let i = 0; i < calls.length; i++) {
    const c = new PbServiceMethodCall()
    c.serviceId = idToPb(calls[i].serviceId)
    c.methodId = idToPb(calls[i].methodId)
    m.call.push(c)
  }
  m.timeoutInMillis = timeoutMillis
  return m.toBytes()
}

export function encodeExitRequest(pair: ExitPair, callId: Id, methodId: Id): Uint8Array {
  const m = new ExitRequest()
  m.pair = exitPairToPb(pair)
  m.callId = idToPb(callId)
  m.methodId = idToPb(methodId)
  return m.toBytes()
}

export function encodeSynchronousExitRequest(pair: ExitPair): Uint8Array {
  const m = new SynchronousExitRequest()
  m.pair = exitPairToPb(pair)
  return m.toBytes()
}

function exitPairToPb(pair: ExitPair): PbExitPair {
  const pb = new PbExitPair()
  pb.serviceId = idToPb(pair.serviceId)
  pb.code = pair.code
  return pb
}

// ---- responses (check `r.ok` afterwards: malformed input never traps) ----

/** RegisterResponse.id, BindMethodResponse.method_id, DispatchResponse.call_id: an id in field 1. */
export function decodeIdResponse(r: Reader): Id {
  // The three share field 1; RegisterResponse's field 2 (existed_previously) is not used.
  return idFromPb(RegisterResponse.decode(r).id)
}

export function decodeLocateResponse(r: Reader): LocateResponse {
  const pb = PbLocateResponse.decode(r)
  const resp = new LocateResponse()
  resp.hostId = idFromPb(pb.hostId)
  resp.serviceId = idFromPb(pb.serviceId)
  for (let i = 0; i < pb.binding.length; i++) {
    const b = pb.binding[i]
    resp.bindings.push(new MethodBinding(b.methodName, idFromPb(b.methodId)))
  }
  return resp
}

function serviceMethodCallFromPb(pb: PbServiceMethodCall): ServiceMethodCall {
  return new ServiceMethodCall(idFromPb(pb.serviceId), idFromPb(pb.methodId))
}

function resolvedCallFromPb(pb: PbResolvedCall): ResolvedCall {
  const c = new ResolvedCall()
  c.hostId = idFromPb(pb.hostId)
  c.callId = idFromPb(pb.callId)
  c.result = Any.fromPb(pb.result)
  c.resultError = pb.resultError
  c.kernelError = <i32>pb.kernelError
  return c
}

export function decodeResolvedCall(r: Reader): ResolvedCall {
  return resolvedCallFromPb(PbResolvedCall.decode(r))
}

export function decodeReadOneResponse(r: Reader): ReadOneResponse {
  const pb = PbReadOneResponse.decode(r)
  const resp = new ReadOneResponse()
  resp.timeout = pb.timeout
  const call = pb.call
  if (call != null) resp.call = serviceMethodCallFromPb(call)
  resp.callId = idFromPb(pb.callId)
  resp.param = Any.fromPb(pb.param)
  const resolved = pb.resolved
  if (resolved != null) resp.resolved = resolvedCallFromPb(resolved)
  resp.exit = pb.exit
  return resp
}

function exitPairFromPb(pb: PbExitPair | null): ExitPair {
  return pb == null ? new ExitPair() : new ExitPair(idFromPb(pb.serviceId), pb.code)
}

export function decodeExitPair(r: Reader): ExitPair {
  return exitPairFromPb(PbExitPair.decode(r))
}

/** ExitResponse / SynchronousExitResponse: an ExitPair in field 1. */
export function decodeExitResponse(r: Reader): ExitPair {
  return exitPairFromPb(ExitResponse.decode(r).pair)
}
