// The queue example's consumer (the main program): it requires the producer, so it starts once
// every order is in queue "orders"; then it receives in batches, decodes each orders.v1.Order
// and checks it, marks the batch done, and exits 0 only when the first 75 were received exactly
// once and acknowledged, and the other 25 are still waiting. It leaves them (and the queue) in
// place, so that after a run the Studio's queue inspector shows both done and ready orders.

import {
  EventKind,
  exitProcess,
  Fqs,
  Id,
  launch,
  locateQueue,
  log,
  logError,
  markDone,
  newCallId,
  queueLength,
  Reader,
  readOne,
  receiveMessages,
  register,
  requireService,
} from '../../../src/guest/runtime'
import { Order } from './gen/orders/v1/orders.pb'

const MESSAGES = 100
/** Orders this run takes; the rest stay ready in the queue for the inspector. */
const TAKEN = 75
const ORDER_TYPE_URL = 'type.googleapis.com/' + Order.TYPE_NAME

function fail(what: string): void {
  logError('consumer: ' + what)
  exitProcess(1)
}

const me = register('orders.v1', 'consumer')
if (!me.ok) fail('register failed with ' + me.err.toString())
if (requireService(me.value, [new Fqs('orders.v1', 'producer')]) != 0) fail('require failed')
const launchId = newCallId()
if (launch(me.value, launchId) != 0) fail('launch failed')
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Resolved && ev.resolved.callId.equals(launchId)) {
    if (ev.resolved.resultError != 0) fail('launch failed: ' + ev.resolved.resultError.toString())
    break
  }
  if (ev.kind == EventKind.Error || ev.kind == EventKind.Exit) fail('stopped before launch')
}

const queue = locateQueue('orders')
if (!queue.ok) fail('locate "orders" failed with ' + queue.err.toString())
const seen = new Set<string>()
let received = 0
while (received < TAKEN) {
  const batch = receiveMessages(queue.value, min(10, TAKEN - received))
  if (!batch.ok) fail('receive failed with ' + batch.err.toString())
  if (batch.value.length == 0) fail('queue ran dry after ' + received.toString() + ' orders')
  for (let i = 0; i < batch.value.length; i++) {
    const payload = batch.value[i].payload
    if (payload.typeUrl != ORDER_TYPE_URL) fail('unexpected payload type ' + payload.typeUrl)
    const reader = new Reader(payload.value)
    const order = Order.decode(reader)
    if (!reader.ok) fail('payload is not a valid ' + Order.TYPE_NAME)
    if (!order.id.startsWith('order-') || order.item.length == 0 || order.quantity == 0) {
      fail('unexpected order ' + order.id + ': ' + order.quantity.toString() + ' ' + order.item)
    }
    if (seen.has(order.id)) fail('received ' + order.id + ' twice')
    seen.add(order.id)
  }
  const done = markDone(
    queue.value,
    batch.value.map<Id>((m) => m.msgId),
  )
  if (!done.ok || done.value.length != 0) fail('mark_done did not acknowledge every message')
  received += batch.value.length
}
const left = queueLength(queue.value)
if (!left.ok || left.value != MESSAGES - TAKEN) {
  fail(left.value.toString() + ' messages left in the queue, not ' + (MESSAGES - TAKEN).toString())
}
log(
  'consumer: received and acknowledged ' +
    received.toString() +
    ' orders exactly once; ' +
    left.value.toString() +
    ' stay in queue "orders" for the inspector',
)
exitProcess(0)
