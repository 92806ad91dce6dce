// Typed wrappers of the kernel's syscalls (host module "parigot"). Each returns the KernelErr
// code (0 = success) and, where the syscall has one, the decoded response. A response that
// cannot be decoded is reported as KernelErr.UnmarshalFailed.
//
// Host ids are left empty everywhere: the kernel reads that as "the calling guest".

import {
  bind_method_,
  dispatch_,
  exit_,
  export_,
  hostCall,
  HostResult,
  launch_,
  locate_,
  read_one_,
  register_,
  require_,
  return_value_,
  synchronous_exit_,
} from './abi'
import { exitMethod, Id, launchMethod } from './id'
import {
  Any,
  decodeExitResponse,
  decodeIdResponse,
  decodeLocateResponse,
  decodeReadOneResponse,
  encodeBindMethodRequest,
  encodeDispatchRequest,
  encodeExitRequest,
  encodeExportRequest,
  encodeLaunchRequest,
  encodeLocateRequest,
  encodeReadOneRequest,
  encodeRegisterRequest,
  encodeRequireRequest,
  encodeReturnValueRequest,
  encodeSynchronousExitRequest,
  ExitPair,
  Fqs,
  KernelErr,
  LocateResponse,
  ResolvedCall,
  ServiceMethodCall,
} from './messages'
import { Reader } from './proto'

/** An error code and, when it is 0, a value. */
export class Result<T> {
  constructor(
    public err: i32,
    public value: T,
  ) {}

  get ok(): bool {
    return this.err == 0
  }
}

function responseReader(res: HostResult): Reader {
  return new Reader(res.response)
}

/** Registers this guest as the service `packagePath`.`service`; the value is its service id. */
export function register(packagePath: string, service: string): Result<Id> {
  const res = hostCall(register_, encodeRegisterRequest(new Fqs(packagePath, service)))
  if (!res.ok) return new Result<Id>(res.err, new Id())
  const r = responseReader(res)
  const id = decodeIdResponse(r)
  return new Result<Id>(r.ok ? 0 : KernelErr.UnmarshalFailed, id)
}

/** Declares that `serviceId` implements `names`. */
export function exportService(serviceId: Id, names: Fqs[]): i32 {
  return hostCall(export_, encodeExportRequest(serviceId, names)).err
}

/** Declares that `source` depends on `names` (it runs only once they run, and may locate them). */
export function requireService(source: Id, names: Fqs[]): i32 {
  return hostCall(require_, encodeRequireRequest(source, names)).err
}

/** Binds a method of `serviceId`; the value is its method id. */
export function bindMethod(serviceId: Id, methodName: string): Result<Id> {
  const res = hostCall(bind_method_, encodeBindMethodRequest(serviceId, methodName))
  if (!res.ok) return new Result<Id>(res.err, new Id())
  const r = responseReader(res)
  const id = decodeIdResponse(r)
  return new Result<Id>(r.ok ? 0 : KernelErr.UnmarshalFailed, id)
}

/**
 * Asks the kernel to run `serviceId` once its requirements are met. Returns at once; the launch
 * completes later as a ResolvedCall for `callId` (result_error 0 = running).
 */
export function launch(serviceId: Id, callId: Id): i32 {
  return hostCall(launch_, encodeLaunchRequest(serviceId, callId, launchMethod())).err
}

/** Finds a service this guest required; DataTooLarge is retried with the size the host asks. */
export function locate(
  packageName: string,
  serviceName: string,
  calledBy: Id,
): Result<LocateResponse> {
  const res = hostCall(locate_, encodeLocateRequest(packageName, serviceName, calledBy))
  if (!res.ok) return new Result<LocateResponse>(res.err, new LocateResponse())
  const r = responseReader(res)
  const resp = decodeLocateResponse(r)
  return new Result<LocateResponse>(r.ok ? 0 : KernelErr.UnmarshalFailed, resp)
}

/** Starts a call; its result arrives through readOne as a ResolvedCall with `callId`. */
export function dispatch(serviceId: Id, methodId: Id, param: Any, callId: Id): Result<Id> {
  const res = hostCall(dispatch_, encodeDispatchRequest(serviceId, methodId, param, callId))
  if (!res.ok) return new Result<Id>(res.err, new Id())
  const r = responseReader(res)
  const id = decodeIdResponse(r)
  // An empty response (an echo of nothing) still means the call id we chose.
  return new Result<Id>(r.ok ? 0 : KernelErr.UnmarshalFailed, id.isEmpty() ? callId : id)
}

/** Completes an inbound call: `result` on success, or a non-zero `resultError` and no result. */
export function returnValue(callId: Id, result: Any, resultError: i32): i32 {
  return hostCall(return_value_, encodeReturnValueRequest(callId, result, resultError)).err
}

/** What readOne got. */
export const enum EventKind {
  /** The syscall failed; see Event.err. */
  Error = 0,
  /** Nothing happened within the timeout. */
  Timeout = 1,
  /** An inbound call for one of my methods: answer it with returnValue(event.callId, ...). */
  Call = 2,
  /** A call I made (or my launch / exit) completed: event.resolved. */
  Resolved = 3,
  /** The host asks this guest to stop. */
  Exit = 4,
}

/** One readOne event. Only the fields of `kind` are meaningful. */
export class Event {
  err: i32 = 0
  kind: EventKind = EventKind.Error
  /** Call: the (service, method) being called, its call id and param. */
  serviceId: Id = new Id()
  methodId: Id = new Id()
  callId: Id = new Id()
  param: Any = new Any()
  /** Resolved: the completed call. */
  resolved: ResolvedCall = new ResolvedCall()
}

/**
 * Waits up to `timeoutMillis` (0: just check; negative: no limit) for the next event of this
 * guest. `calls` restricts inbound calls to those (service, method) pairs; empty = any of mine.
 */
export function readOne(timeoutMillis: i32, calls: ServiceMethodCall[] = []): Event {
  const ev = new Event()
  const res = hostCall(read_one_, encodeReadOneRequest(timeoutMillis, calls))
  if (!res.ok) {
    ev.err = res.err
    return ev
  }
  const r = responseReader(res)
  const resp = decodeReadOneResponse(r)
  if (!r.ok) {
    ev.err = KernelErr.UnmarshalFailed
    return ev
  }
  const resolved = resp.resolved
  const call = resp.call
  if (resp.exit) {
    ev.kind = EventKind.Exit
  } else if (resolved != null) {
    ev.kind = EventKind.Resolved
    ev.resolved = resolved
  } else if (call != null || !resp.callId.isEmpty()) {
    ev.kind = EventKind.Call
    if (call != null) {
      ev.serviceId = call.serviceId
      ev.methodId = call.methodId
    }
    ev.callId = resp.callId
    ev.param = resp.param
  } else {
    ev.kind = EventKind.Timeout
  }
  return ev
}

/**
 * Asks the kernel to exit `serviceId` with `code`; the value is the kernel's ExitPair (the code
 * clamped to 0..192). The caller then ends the process with proc_exit(pair.code).
 */
export function exit(serviceId: Id, code: i32, callId: Id): Result<ExitPair> {
  const res = hostCall(
    exit_,
    encodeExitRequest(new ExitPair(serviceId, code), callId, exitMethod()),
  )
  if (!res.ok) return new Result<ExitPair>(res.err, new ExitPair(serviceId, code))
  // No response at all: the kernel accepted the pair as it was.
  if (res.response.length == 0) return new Result<ExitPair>(0, new ExitPair(serviceId, code))
  const r = responseReader(res)
  const pair = decodeExitResponse(r)
  return new Result<ExitPair>(r.ok ? 0 : KernelErr.UnmarshalFailed, pair)
}

/** Finishes an exit (synchronous_exit_); the value echoes the pair. */
export function synchronousExit(serviceId: Id, code: i32): Result<ExitPair> {
  const res = hostCall(
    synchronous_exit_,
    encodeSynchronousExitRequest(new ExitPair(serviceId, code)),
  )
  if (!res.ok) return new Result<ExitPair>(res.err, new ExitPair(serviceId, code))
  const r = responseReader(res)
  const pair = decodeExitResponse(r)
  return new Result<ExitPair>(r.ok ? 0 : KernelErr.UnmarshalFailed, pair)
}
