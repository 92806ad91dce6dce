// Durable queues through the `queue` plugin (docs/queue.md). Every function returns the
// plugin's QueueErr code (0 = success) with its value. Delivery is at least once: a received
// message that is not marked done becomes visible again after the queue's visibility timeout.

import { hostCall } from './abi'
import { Id } from './id'
import { Any } from './messages'
import { Reader, Writer } from './proto'
import {
  create_queue_,
  delete_queue_,
  length_,
  locate_,
  mark_done_,
  receive_,
  send_,
} from './queue'
import { Result } from './syscall'

/** queue.v1.QueueErr values a caller usually tests for. */
export const enum QueueErr {
  NoError = 0,
  InvalidName = 4,
  NoPayload = 6,
  NotFound = 7,
  AlreadyExists = 8,
  DataTooLarge = 11,
}

/** A received message. */
export class QueueMessage {
  msgId: Id = new Id()
  /** Deliveries before this one (0 the first time). */
  receiveCount: i32 = 0
  payload: Any = new Any()
}

type HostFn = (inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize) => i64

function call(fn: HostFn, w: Writer, capacity: i32 = 4096): Result<Reader> {
  const res = hostCall(fn, w.finish(), capacity, QueueErr.DataTooLarge)
  return new Result<Reader>(res.err, new Reader(res.response))
}

function idField(r: Reader, field: i32): Id {
  let id = new Id()
  while (r.next()) {
    if (r.field == field) id = Id.decode(r)
    else r.skip()
  }
  return id
}

function byName(fn: HostFn, name: string): Result<Id> {
  const w = new Writer()
  w.string(1, name)
  const res = call(fn, w)
  return new Result<Id>(res.err, res.ok ? idField(res.value, 1) : new Id())
}

/** Creates a queue; AlreadyExists if the name is taken. */
export function createQueue(name: string): Result<Id> {
  return byName(create_queue_, name)
}

/** Finds a queue by name; NotFound if there is none. */
export function locateQueue(name: string): Result<Id> {
  return byName(locate_, name)
}

export function deleteQueue(queue: Id): i32 {
  const w = new Writer()
  queue.encode(w, 1)
  return call(delete_queue_, w).err
}

/** Messages waiting or in flight (not done, not dead-lettered). */
export function queueLength(queue: Id): Result<i64> {
  const w = new Writer()
  queue.encode(w, 1)
  const res = call(length_, w)
  let n: i64 = 0
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field == 2) n = <i64>r.uint64()
      else r.skip()
    }
  }
  return new Result<i64>(res.err, n)
}

/** Sends the payloads in one transaction; the value is the new messages' ids. */
export function sendMessages(queue: Id, payloads: Any[]): Result<Id[]> {
  const w = new Writer()
  queue.encode(w, 1)
  for (let i = 0; i < payloads.length; i++) {
    const msg = new Writer()
    queue.encode(msg, 1)
    payloads[i].encode(msg, 7)
    w.message(2, msg)
  }
  const res = call(send_, w)
  const ids: Id[] = []
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field == 1) ids.push(Id.decode(r))
      else r.skip()
    }
  }
  return new Result<Id[]>(res.err, ids)
}

/** Receives up to `limit` messages (an empty list is not an error). */
export function receiveMessages(queue: Id, limit: i32): Result<QueueMessage[]> {
  const w = new Writer()
  queue.encode(w, 1)
  w.int32(2, limit)
  const res = call(receive_, w, 65536)
  const out: QueueMessage[] = []
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field != 2) {
        r.skip()
        continue
      }
      const m = r.message()
      const msg = new QueueMessage()
      while (m.next()) {
        if (m.field == 2) msg.msgId = Id.decode(m)
        else if (m.field == 3) msg.receiveCount = m.int32()
        else if (m.field == 7) msg.payload = Any.decode(m)
        else m.skip()
      }
      out.push(msg)
    }
  }
  return new Result<QueueMessage[]>(res.err, out)
}

/** Acknowledges messages; the value is the ids the queue did not know (already done, or wrong). */
export function markDone(queue: Id, msgIds: Id[]): Result<Id[]> {
  const w = new Writer()
  queue.encode(w, 1)
  for (let i = 0; i < msgIds.length; i++) msgIds[i].encode(w, 2)
  const res = call(mark_done_, w)
  const unmodified: Id[] = []
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field == 2) unmodified.push(Id.decode(r))
      else r.skip()
    }
  }
  return new Result<Id[]>(res.err, unmodified)
}
