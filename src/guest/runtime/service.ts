// The service layer under the generated code (protoc-gen-parigot's `<name>.parigot.ts`): a guest's
// services and the event loop that serves inbound calls and completes the results of outgoing
// ones (calls.ts). Generated clients and servers are thin typed shells over these files;
// docs/guest-authoring.md shows how the pieces fit.
//
// AssemblyScript has no closures, so per-call state travels in small Handler/Completer objects.

import { completeCall, Completer, Located, matchCompleter, TYPE_URL_PREFIX } from './calls'
import { Id, newCallId } from './id'
import { Handler, Method } from './future'
import { kernelErrName, noteFailure } from './kernel-failure'
import { logError } from './log'
import { Any, Fqs, KernelErr, ResolvedCall } from './messages'
import { colocated } from './parigot_worker'
import { exitProcess } from './process'
import { Reader } from './proto'
import {
  bindMethod,
  Event,
  EventKind,
  exit,
  exportService,
  launch,
  locate,
  readOne,
  register,
  requireService,
  Result,
  returnValue,
} from './syscall'

/**
 * Exit codes of the service layer (docs/guest-authoring.md, "Exit codes"): a server whose
 * `ready()` returned false; a service whose launch failed (a requirement's exporter ended, or
 * the launch timed out); a syscall of the service layer that failed (register, export, ...).
 */
export const EXIT_NOT_READY: i32 = 1
export const EXIT_LAUNCH_FAILED: i32 = 4
export const EXIT_SYSCALL_FAILED: i32 = 5

/** How long one read_one_ of the event loop waits before it checks again. */
export const LOOP_TIMEOUT_MS: i32 = 50

// ---- inbound calls ----

/** One inbound call: decode its param, then reply with a future's outcome. */
export class InboundCall {
  constructor(
    public readonly callId: Id,
    public readonly param: Any,
    /** `package.service.Method`, for messages ('' when unknown). */
    public readonly method: string = '',
  ) {}

  /**
   * The param decoded as T; null (and the call answered UnmarshalFailed, with a log line naming
   * the method and what arrived) if it is malformed.
   */
  decode<T>(): T | null {
    const r = new Reader(this.param.value)
    const value = instantiate<T>()
    value.mergeFrom(r)
    if (r.ok) return value
    logError(
      (this.method.length > 0 ? this.method : 'inbound call') +
        ': param (' +
        this.param.value.length.toString() +
        ' bytes, type ' +
        (this.param.typeUrl.length > 0 ? this.param.typeUrl : 'not given') +
        ') is not a valid request; answered UnmarshalFailed',
    )
    this.fail(KernelErr.UnmarshalFailed)
    return null
  }

  /** Returns the future's value (as `typeName`) or its error to the caller, when it completes. */
  reply<T>(future: Method<T>, typeName: string): void {
    future
      .onSuccess(new ReturnResult<T>(this.callId, TYPE_URL_PREFIX + typeName))
      .onFailure(new ReturnError(this.callId))
  }

  /** Answers the call with an error at once. */
  fail(err: i32): void {
    answer(this.callId, new Any(), err)
  }
}

function answer(callId: Id, result: Any, err: i32): void {
  const kerr = returnValue(callId, result, err)
  // The caller may be gone (timed out, ended): the kernel says so and nothing else can be done.
  if (kerr != 0) logError('return_value failed ' + kerr.toString())
}

class ReturnResult<T> extends Handler<T> {
  constructor(
    private callId: Id,
    private typeUrl: string,
  ) {
    super()
  }

  handle(value: T): void {
    answer(this.callId, new Any(this.typeUrl, value.toBytes()), 0)
  }
}

class ReturnError extends Handler<i32> {
  constructor(private callId: Id) {
    super()
  }

  handle(err: i32): void {
    answer(this.callId, new Any(), err)
  }
}

/** Runs one method of a server for an inbound call (generated per method). */
export abstract class Invoker {
  abstract invoke(call: InboundCall): void
}

/** A bound method; methods whose ids share `low` are chained. */
class Binding {
  constructor(
    public serviceId: Id,
    public methodId: Id,
    public invoker: Invoker,
    /** `package.service.Method`, for messages. */
    public name: string,
    public next: Binding | null,
  ) {}
}

// Keyed by the method id's low half: finding the invoker of a call makes no id text.
const bindings = new Map<u64, Binding>()

function bindingOf(serviceId: Id, methodId: Id): Binding | null {
  const key = methodId.low
  if (!bindings.has(key)) return null
  for (let b: Binding | null = bindings.get(key); b != null; b = b!.next) {
    if (b.methodId.equals(methodId) && b.serviceId.equals(serviceId)) return b
  }
  return null
}

function addBinding(serviceId: Id, methodId: Id, invoker: Invoker, name: string): void {
  const found = bindingOf(serviceId, methodId)
  if (found != null) {
    found.invoker = invoker
    found.name = name
    return
  }
  const key = methodId.low
  const head = bindings.has(key) ? bindings.get(key) : null
  bindings.set(key, new Binding(serviceId, methodId, invoker, name, head))
}

// ---- services ----

/** What every generated server extends: the hook run once the kernel has launched it. */
export abstract class Server {
  /**
   * Called after launch, before any call reaches the server: locate what it requires here.
   * Returning false ends the program with EXIT_NOT_READY (1); the kernel then fails, at once,
   * every launch and call that waits on this service.
   */
  ready(_self: Service): bool {
    return true
  }
}

/** What a launch completes with. */
export class Launched {
  constructor(public readonly service: Service) {}
}

class LaunchCompleter extends Completer {
  constructor(private service: Service) {
    super()
  }

  complete(resolved: ResolvedCall): void {
    const svc = this.service
    if (resolved.resultError != 0) {
      // The kernel has logged why (which requirement, whose exporter ended how). Failure
      // handlers run first; then the program ends, since a service that cannot run can serve
      // nothing and a main left in its loop would wait for ever.
      const failure = noteFailure(resolved.resultError, resolved.kernelError)
      logError(
        svc.name.toString() +
          ': launch failed: ' +
          failure.toString() +
          '; exiting ' +
          EXIT_LAUNCH_FAILED.toString(),
      )
      svc.launched.completeMethod(null, resolved.resultError)
      svc.exit(EXIT_LAUNCH_FAILED)
      return
    }
    for (let i = 0; i < svc.servers.length; i++) {
      if (!svc.servers[i].ready(svc)) {
        logError(
          svc.name.toString() + ': ready() returned false; exiting ' + EXIT_NOT_READY.toString(),
        )
        svc.exit(EXIT_NOT_READY)
      }
    }
    svc.launched.completeMethod(new Launched(svc), 0)
  }
}

/**
 * A service of this guest: a server (exported, with methods) or a program that only calls
 * others. Create it with `Service.register` (or the generated `init<Svc>`), declare what it
 * requires, `launch()` it and `run()` the event loop.
 */
export class Service {
  /** Completes once the kernel runs the service (every requirement is running). */
  readonly launched: Method<Launched> = new Method<Launched>()
  readonly servers: Server[] = []

  constructor(
    public readonly name: Fqs,
    public readonly id: Id,
  ) {}

  /** Registers `packagePath`.`service`; a failure is logged and ends the program (exit 5). */
  static register(packagePath: string, service: string): Service {
    const res = register(packagePath, service)
    if (!res.ok) fatal('register ' + packagePath + '.' + service, res.err)
    return new Service(new Fqs(packagePath, service), res.value)
  }

  /** Declares that this service implements its own name (so others may require it). */
  export(): Service {
    const err = exportService(this.id, [this.name])
    if (err != 0) fatal('export ' + this.name.toString(), err)
    return this
  }

  /** Declares a dependency: this service runs only once `packagePath`.`service` runs. */
  require(packagePath: string, service: string): Service {
    const err = requireService(this.id, [new Fqs(packagePath, service)])
    if (err != 0) fatal('require ' + packagePath + '.' + service, err)
    return this
  }

  /** Binds `method` to `invoker`, so inbound calls of it reach the server. */
  bind(method: string, invoker: Invoker): Service {
    const res = bindMethod(this.id, method)
    if (!res.ok) fatal('bind ' + this.name.toString() + '.' + method, res.err)
    addBinding(this.id, res.value, invoker, this.name.toString() + '.' + method)
    return this
  }

  /** Adds a server whose ready hook runs after launch. */
  serve(server: Server): Service {
    this.servers.push(server)
    return this
  }

  /** Asks the kernel to run this service; `launched` completes when it does. */
  launch(): Method<Launched> {
    const callId = newCallId()
    matchCompleter(callId, new LaunchCompleter(this))
    const err = launch(this.id, callId)
    if (err != 0) {
      // Refused at once (a requirement's exporter has already ended): the kernel logged why.
      noteFailure(err, err)
      logError(
        this.name.toString() +
          ': launch failed: ' +
          kernelErrName(err) +
          ' (' +
          err.toString() +
          '); exiting ' +
          EXIT_LAUNCH_FAILED.toString(),
      )
      this.exit(EXIT_LAUNCH_FAILED)
    }
    return this.launched
  }

  /** Finds a service this one required; the value is null when the error is not 0. */
  locate(packagePath: string, service: string): Result<Located | null> {
    const res = locate(packagePath, service, this.id)
    if (!res.ok) return new Result<Located | null>(res.err, null)
    return new Result<Located | null>(0, new Located(res.value))
  }

  /** Serves calls and completes results until the host asks this guest to stop. */
  run(): i32 {
    return runLoop()
  }

  /** Tells the kernel this service exits with `code` and ends the program with it. */
  exit(code: i32): void {
    const res = exit(this.id, code, newCallId())
    const final = res.ok ? res.value.code : code
    exitProcess(final)
  }
}

function fatal(what: string, err: i32): void {
  logError(what + ' failed: ' + kernelErrName(err) + ' (' + err.toString() + ')')
  exitProcess(EXIT_SYSCALL_FAILED)
}

/**
 * The event loop: reads one event at a time; an inbound call goes to its invoker (an unknown
 * method is answered NotFound), a resolved call to the future waiting for it. Returns 0 when the
 * host asks the guest to stop, or the kernel error that made read_one_ fail. In a worker shared
 * with other guests it returns at once: the worker hands this guest its events through `pump`
 * (same invokers, same completers), so the guests take turns on one thread.
 */
export function runLoop(): i32 {
  if (colocated(pump.index) != 0) return 0
  while (true) {
    const done = handleEvent(readOne(LOOP_TIMEOUT_MS))
    if (done >= 0) return done
  }
}

/**
 * One event of a guest that shares its worker, if there is one (read_one_ with timeout 0).
 * Returns 1 when the loop is over (the host asked the guest to stop, or read_one_ failed).
 */
function pump(): i32 {
  return handleEvent(readOne(0)) >= 0 ? 1 : 0
}

/** Handles one event; returns -1 to go on, or what the loop returns. */
function handleEvent(ev: Event): i32 {
  switch (ev.kind) {
    case EventKind.Error:
      logError('read_one failed ' + ev.err.toString())
      return ev.err
    case EventKind.Exit:
      return 0
    case EventKind.Resolved:
      // A result nobody waits for any more (its future was dropped) needs no work.
      completeCall(ev.resolved)
      break
    case EventKind.Call: {
      const binding = bindingOf(ev.serviceId, ev.methodId)
      const call = new InboundCall(ev.callId, ev.param, binding != null ? binding.name : '')
      if (binding != null) binding.invoker.invoke(call)
      else call.fail(KernelErr.NotFound)
      break
    }
    default:
      break
  }
  return -1
}

// ---- futures already decided (for implementations that answer at once) ----

/** A future already completed with `value`. */
export function resolved<T>(value: T): Method<T> {
  const f = new Method<T>()
  f.completeMethod(value, 0)
  return f
}

/** A future already failed with `err` (not 0). */
export function failed<T>(err: i32): Method<T> {
  const f = new Method<T>()
  f.completeMethod(null, err)
  return f
}
