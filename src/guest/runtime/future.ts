// Futures for guest code (the reference's lib/go/future): `Method<T>` is the result of a call
// (success chain or failure chain, error 0 = success), `Base<T>` a single value that can be
// set, `AllFuture` waits for several Methods. Everything is single-threaded: a guest is one
// thread and handlers run when the guest's event loop completes a call.
//
// AssemblyScript functions cannot capture local variables, so a handler is either a plain
// function (which may use globals) or an object implementing Handler<T> (whose fields carry
// whatever state it needs).

/** A handler with its own state. */
export abstract class Handler<T> {
  abstract handle(value: T): void
}

class FunctionHandler<T> extends Handler<T> {
  constructor(private fn: (value: T) => void) {
    super()
  }
  handle(value: T): void {
    this.fn(value)
  }
}

/** The result of a method call: exactly one of the success or the failure chain runs, once. */
export class Method<T> {
  private done: bool = false
  private ok: bool = false
  private result: T | null = null
  private err: i32 = 0
  private successes: Handler<T>[] = []
  private failures: Handler<i32>[] = []

  constructor(
    resolve: ((value: T) => void) | null = null,
    reject: ((err: i32) => void) | null = null,
  ) {
    if (resolve != null) this.successes.push(new FunctionHandler<T>(resolve))
    if (reject != null) this.failures.push(new FunctionHandler<i32>(reject))
  }

  /**
   * Completes the future: error 0 runs the success chain with `value`, any other error the
   * failure chain with the error. A second completion does nothing.
   */
  completeMethod(value: T | null, err: i32): void {
    if (this.done) return
    this.done = true
    this.err = err
    if (err != 0) {
      const chain = this.failures
      this.failures = []
      this.successes = []
      for (let i = 0; i < chain.length; i++) chain[i].handle(err)
      return
    }
    this.ok = true
    this.result = value
    const chain = this.successes
    this.successes = []
    this.failures = []
    for (let i = 0; i < chain.length; i++) chain[i].handle(value!)
  }

  /** Runs `fn` on success: now if already succeeded, never if already failed, else later. */
  success(fn: (value: T) => void): Method<T> {
    return this.onSuccess(new FunctionHandler<T>(fn))
  }

  onSuccess(handler: Handler<T>): Method<T> {
    if (this.done) {
      if (this.ok) handler.handle(this.result!)
    } else {
      this.successes.push(handler)
    }
    return this
  }

  /** Runs `fn` on failure: now if already failed, never if already succeeded, else later. */
  failure(fn: (err: i32) => void): Method<T> {
    return this.onFailure(new FunctionHandler<i32>(fn))
  }

  onFailure(handler: Handler<i32>): Method<T> {
    if (this.done) {
      // A cancelled future is done but neither succeeded nor failed: no handler runs (the
      // reference ran failure handlers with 0 here, which looked like a failure with no error).
      if (!this.ok && this.err != 0) handler.handle(this.err)
    } else {
      this.failures.push(handler)
    }
    return this
  }

  /** Drops every handler; a later completion does nothing. */
  cancel(): void {
    if (this.done) return
    this.done = true
    this.successes = []
    this.failures = []
  }

  completed(): bool {
    return this.done
  }

  wasSuccess(): bool {
    return this.ok
  }

  valueResponse(): T | null {
    return this.result
  }

  valueErr(): i32 {
    return this.err
  }
}

/**
 * A single value. `set` runs every handler not yet run with the value; handlers added once
 * everything is resolved run at once with the current value, except `handleLater`, which waits
 * for the next `set`.
 */
export class Base<T> {
  private handlers: Handler<T>[] = []
  private ran: bool[] = []
  private hasValue: bool = false
  private current: T
  private cancelled: bool = false

  constructor(initial: T) {
    this.current = initial
  }

  static withValue<T>(value: T): Base<T> {
    const b = new Base<T>(value)
    b.hasValue = true
    return b
  }

  /** Runs the handlers that have not run yet with `value`; true if any ran. */
  set(value: T): bool {
    if (this.cancelled) return false
    this.current = value
    this.hasValue = true
    let any = false
    for (let i = 0; i < this.handlers.length; i++) {
      if (this.ran[i]) continue
      this.ran[i] = true
      this.handlers[i].handle(value)
      any = true
    }
    return any
  }

  handle(fn: (value: T) => void): Base<T> {
    return this.onValue(new FunctionHandler<T>(fn))
  }

  onValue(handler: Handler<T>): Base<T> {
    if (this.cancelled || (this.hasValue && this.allRan())) {
      handler.handle(this.current)
      this.handlers.push(handler)
      this.ran.push(true)
      return this
    }
    this.handlers.push(handler)
    this.ran.push(false)
    return this
  }

  /** Waits for the next `set`, even if a value is already there. */
  handleLater(fn: (value: T) => void): Base<T> {
    this.handlers.push(new FunctionHandler<T>(fn))
    this.ran.push(false)
    return this
  }

  /** Drops the handlers not yet run; a later set does nothing; later handlers run at once. */
  cancel(): void {
    this.cancelled = true
    this.handlers = []
    this.ran = []
  }

  completed(): bool {
    return this.hasValue && this.allRan()
  }

  value(): T {
    return this.current
  }

  private allRan(): bool {
    for (let i = 0; i < this.ran.length; i++) if (!this.ran[i]) return false
    return true
  }
}

/** What an AllFuture completes with: nothing but the fact. */
export class AllDone {}

class AllMember<T> extends Handler<T> {
  constructor(private all: AllFuture<T>) {
    super()
  }
  handle(_value: T): void {
    this.all.memberSucceeded()
  }
}

class AllFailure<T> extends Handler<i32> {
  constructor(
    private all: AllFuture<T>,
    private index: i32,
  ) {
    super()
  }
  handle(_err: i32): void {
    this.all.memberFailed(this.index)
  }
}

class NoArgHandler extends Handler<AllDone> {
  constructor(private fn: () => void) {
    super()
  }
  handle(_done: AllDone): void {
    this.fn()
  }
}

class IndexFailure extends Handler<i32> {
  constructor(private fn: (index: i32) => void) {
    super()
  }
  handle(err: i32): void {
    // The index travels as the error value, offset by one so that index 0 is not "no error".
    this.fn(err - 1)
  }
}

/**
 * Succeeds when every member succeeds; fails with the index of the first member that fails.
 * Members already complete when it is made count at once (the reference crashed on those).
 */
export class AllFuture<T> {
  private remaining: i32
  private result: Method<AllDone> = new Method<AllDone>()

  constructor(members: Method<T>[]) {
    this.remaining = members.length
    if (members.length == 0) this.result.completeMethod(new AllDone(), 0)
    for (let i = 0; i < members.length; i++) {
      members[i].onSuccess(new AllMember<T>(this)).onFailure(new AllFailure<T>(this, i))
    }
  }

  memberSucceeded(): void {
    this.remaining--
    if (this.remaining == 0) this.result.completeMethod(new AllDone(), 0)
  }

  memberFailed(index: i32): void {
    // Only the first failure counts: completeMethod ignores later ones.
    this.result.completeMethod(null, index + 1)
  }

  success(fn: () => void): AllFuture<T> {
    this.result.onSuccess(new NoArgHandler(fn))
    return this
  }

  /** `fn` receives the index of the failing member. */
  failure(fn: (index: i32) => void): AllFuture<T> {
    this.result.onFailure(new IndexFailure(fn))
    return this
  }

  completed(): bool {
    return this.result.completed()
  }
}
