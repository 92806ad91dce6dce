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
  hostCallScratch,
  HostResult,
  launch_,
  locate_,
  read_one_,
  register_,
  responseLen,
  responsePtr,
  require_,
  return_value_,
  synchronous_exit_,
} from './abi'
import {
  readIdResponse,
  readOneEvent,
  writeDispatchRequest,
  writeReadOneRequest,
  writeReturnValueRequest,
} from './call-codec'
import { Event, EventKind } from './event'
import { exitMethod, Id, launchMethod } from './id'
import {
  Any,
  decodeExitResponse,
  decodeIdResponse,
  decodeLocateResponse,
  decodeReadOneResponse,
  encodeBindMethodRequest,
  encodeExitRequest,
  encodeExportRequest,
  encodeLaunchRequest,
  encodeLocateRequest,
  encodeReadOneRequest,
  encodeRegisterRequest,
  encodeRequireRequest,
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

export { Event, EventKind }

/** A copy of hostCallScratch's response, for the generic decoders. */
function responseCopy(): Uint8Array {
  const copy = new Uint8Array(responseLen())
  memory.copy(copy.dataStart, responsePtr(), <usize>responseLen())
  return copy
}

/** Starts a call; its result arrives through readOne as a ResolvedCall with `callId`. */
export function dispatch(serviceId: Id, methodId: Id, param: Any, callId: Id): Result<Id> {
  writeDispatchRequest(serviceId, methodId, param, callId)
  const err = hostCallScratch(dispatch_)
  if (err != 0) return new Result<Id>(err, new Id())
  let id = readIdResponse(responsePtr(), responseLen(), callId)
  if (id == null) {
    const r = new Reader(responseCopy())
    const decoded = decodeIdResponse(r)
    if (!r.ok) return new Result<Id>(KernelErr.UnmarshalFailed, decoded)
    id = decoded
  }
  // An empty response (an echo of nothing) still means the call id we chose.
  return new Result<Id>(0, id.isEmpty() ? callId : id)
}

/** Completes an inbound call: `result` on success, or a non-zero `resultError` and no result. */
export function returnValue(callId: Id, result: Any, resultError: i32): i32 {
  writeReturnValueRequest(callId, result, resultError)
  return hostCallScratch(return_value_)
}

/**
 * Waits up to `timeoutMillis` (0: just check; negative: no limit) for the next event of this
 * guest. `calls` restricts inbound calls to those (service, method) pairs; empty = any of mine.
 * `expected`, a call id the guest waits for, is reused as the event's call id when it is that one.
 */
export function readOne(
  timeoutMillis: i32,
  calls: ServiceMethodCall[] = [],
  expected: Id | null = null,
): Event {
  let err: i32
  if (calls.length == 0) {
    writeReadOneRequest(timeoutMillis)
    err = hostCallScratch(read_one_)
  } else {
    const res = hostCall(read_one_, encodeReadOneRequest(timeoutMillis, calls))
    if (!res.ok) return new Event(EventKind.Error, res.err)
    return readOneEventOf(res.response)
  }
  if (err != 0) return new Event(EventKind.Error, err)
  const ev = readOneEvent(responsePtr(), responseLen(), expected)
  return ev != null ? ev : readOneEventOf(responseCopy())
}

/** The generic decoding of a ReadOneResponse (any valid encoding) into an Event. */
export function readOneEventOf(response: Uint8Array): Event {
  const r = new Reader(response)
  const resp = decodeReadOneResponse(r)
  if (!r.ok) return new Event(EventKind.Error, KernelErr.UnmarshalFailed)
  const resolved = resp.resolved
  const call = resp.call
  if (resp.exit) return new Event(EventKind.Exit)
  if (resolved != null) {
    const ev = new Event(EventKind.Resolved)
    ev.resolved = resolved
    return ev
  }
  if (call != null || !resp.callId.isEmpty()) {
    const ev = new Event(EventKind.Call)
    if (call != null) {
      ev.serviceId = call.serviceId
      ev.methodId = call.methodId
    }
    ev.callId = resp.callId
    ev.param = resp.param
    return ev
  }
  return new Event(EventKind.Timeout)
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
