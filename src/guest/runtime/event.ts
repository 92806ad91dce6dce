// What read_one_ hands the guest (syscall.ts readOne), as one Event per read.

import { Id } from './id'
import { Any, ResolvedCall } from './messages'

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

// The members an event of another kind does not use: shared, so that reading an event allocates
// only what it carries (every call reads at least two events).
const NO_ID = new Id()
const NO_ANY = new Any()
const NO_RESOLVED = new ResolvedCall(NO_ID, NO_ID, NO_ANY)

/**
 * One readOne event. Only the fields of `kind` are meaningful; the others are shared empty
 * values, not to be modified.
 */
export class Event {
  constructor(
    public kind: EventKind = EventKind.Error,
    public err: i32 = 0,
    /** Call: the (service, method) being called, its call id and param. */
    public serviceId: Id = NO_ID,
    public methodId: Id = NO_ID,
    public callId: Id = NO_ID,
    public param: Any = NO_ANY,
    /** Resolved: the completed call. */
    public resolved: ResolvedCall = NO_RESOLVED,
  ) {}
}
