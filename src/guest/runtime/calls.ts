// A guest's outgoing calls: to another service through the kernel (dispatch_, the result
// completed by the event loop in service.ts), or to a host function of a plugin.
//
// AssemblyScript has no closures, so per-call state travels in small Completer objects.

import { DEFAULT_OUT_CAPACITY, hostCall, HostFn } from './abi'
import { Id, newCallId } from './id'
import { Method } from './future'
import { noteFailure } from './kernel-failure'
import { logError } from './log'
import { Any, KernelErr, LocateResponse, ResolvedCall } from './messages'
import { Reader } from './proto'
import { dispatch } from './syscall'

/** Prefix of every Any type URL the generated code writes. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/'

/** The error a generated client reports when it cannot even send the call (the reference's). */
export const DISPATCH_ERROR: i32 = 1

/** Receives the result of one outgoing call (or launch) when the event loop reads it. */
export abstract class Completer {
  abstract complete(resolved: ResolvedCall): void
}

/** An outgoing call waiting for its result; ids that share `low` are chained. */
class Pending {
  constructor(
    public callId: Id,
    public completer: Completer,
    public next: Pending | null,
  ) {}
}

// Keyed by the call id's low half (120 random bits per call id, so a chain is almost always one
// long): no id text per call.
const pending = new Map<u64, Pending>()
let pendingCount: i32 = 0

/** Completes `future` with the call's response decoded as T, or with its error. */
export class ResponseCompleter<T> extends Completer {
  constructor(private future: Method<T>) {
    super()
  }

  complete(resolved: ResolvedCall): void {
    if (resolved.resultError != 0) {
      noteFailure(resolved.resultError, resolved.kernelError)
      this.future.completeMethod(null, resolved.resultError)
      return
    }
    const r = new Reader(resolved.result.value)
    const value = instantiate<T>()
    value.mergeFrom(r)
    if (!r.ok) this.future.completeMethod(null, KernelErr.UnmarshalFailed)
    else this.future.completeMethod(value, 0)
  }
}

/** Routes the ResolvedCall for `callId` to `completer` (replacing one already routed there). */
export function matchCompleter(callId: Id, completer: Completer): void {
  const key = callId.low
  const head = pending.has(key) ? pending.get(key) : null
  for (let p: Pending | null = head; p != null; p = p!.next) {
    if (p.callId.equals(callId)) {
      p.completer = completer
      return
    }
  }
  pending.set(key, new Pending(callId, completer, head))
  pendingCount++
}

/** Completes the outgoing call `resolved` names; false if none of mine waits for it. */
export function completeCall(resolved: ResolvedCall): bool {
  const callId = resolved.callId
  const key = callId.low
  if (!pending.has(key)) return false
  let before: Pending | null = null
  for (let p: Pending | null = pending.get(key); p != null; p = p!.next) {
    if (p.callId.equals(callId)) {
      if (before != null) before.next = p.next
      else if (p.next != null) pending.set(key, p.next as Pending)
      else pending.delete(key)
      pendingCount--
      p.completer.complete(resolved)
      return true
    }
    before = p
  }
  return false
}

/** Outgoing calls still waiting for their result. */
export function pendingCalls(): i32 {
  return pendingCount
}

/** A located service: its id and the ids of its methods by name. */
export class Located {
  constructor(public readonly target: LocateResponse) {}

  get serviceId(): Id {
    return this.target.serviceId
  }
}

/**
 * Dispatches `method` of `target` with `param` (already encoded, with its type name) and returns
 * a future completed by the event loop with the decoded response, or failed with the callee's
 * error code; DISPATCH_ERROR if the call could not be sent.
 */
export function callMethod<Resp>(
  target: Located,
  method: string,
  typeName: string,
  param: Uint8Array,
): Method<Resp> {
  const future = new Method<Resp>()
  const methodId = target.target.method(method)
  if (methodId == null) {
    logError('call ' + method + ': the located service has no such method')
    future.completeMethod(null, DISPATCH_ERROR)
    return future
  }
  const callId = newCallId()
  const res = dispatch(
    target.serviceId,
    methodId,
    new Any(TYPE_URL_PREFIX + typeName, param),
    callId,
  )
  if (!res.ok) {
    noteFailure(DISPATCH_ERROR, res.err)
    future.completeMethod(null, DISPATCH_ERROR)
    return future
  }
  matchCompleter(res.value, new ResponseCompleter<Resp>(future))
  return future
}

// ---- host-function-backed methods (services implemented by a plugin) ----

/**
 * Calls host function `fn` with the encoded request and returns a completed future: the decoded
 * response, or the plugin's error code. `dataTooLarge` is that module's DataTooLarge code.
 */
export function hostMethod<Resp>(fn: HostFn, request: Uint8Array, dataTooLarge: i32): Method<Resp> {
  const future = new Method<Resp>()
  const res = hostCall(fn, request, DEFAULT_OUT_CAPACITY, dataTooLarge)
  if (!res.ok) {
    future.completeMethod(null, res.err)
    return future
  }
  const r = new Reader(res.response)
  const value = instantiate<Resp>()
  value.mergeFrom(r)
  if (!r.ok) future.completeMethod(null, KernelErr.UnmarshalFailed)
  else future.completeMethod(value, 0)
  return future
}
