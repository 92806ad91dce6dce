// The queue example's producer: a server that fills queue "orders" with 100 orders.v1.Order
// messages (proto/orders/v1/orders.proto, generated into gen/) before it declares itself running,
// so that whoever requires it starts only after every message is sent. It then serves until the
// deployment stops it.

import {
  Any,
  createQueue,
  deleteQueue,
  EventKind,
  exitProcess,
  exportService,
  Fqs,
  launch,
  locateQueue,
  log,
  logError,
  newCallId,
  QueueErr,
  readOne,
  register,
  sendMessages,
} from '../../../src/guest/runtime'
import { Order } from './gen/orders/v1/orders.pb'

const MESSAGES = 100
const BATCH = 25
const ORDER_TYPE_URL = 'type.googleapis.com/' + Order.TYPE_NAME
const ITEMS = ['apple', 'pear', 'plum']

function fail(what: string, err: i32): void {
  logError('producer: ' + what + ' failed with ' + err.toString())
  exitProcess(1)
}

const me = register('orders.v1', 'producer')
if (!me.ok) fail('register', me.err)
const exported = exportService(me.value, [new Fqs('orders.v1', 'producer')])
if (exported != 0) fail('export', exported)

// The queue is durable: one left by an interrupted earlier run is started afresh.
const leftover = locateQueue('orders')
if (leftover.ok) {
  log('producer: deleting queue "orders" left by an earlier run')
  const deleted = deleteQueue(leftover.value)
  if (deleted != 0) fail('delete_queue', deleted)
} else if (leftover.err != QueueErr.NotFound) {
  fail('locate', leftover.err)
}
const queue = createQueue('orders')
if (!queue.ok) fail('create_queue', queue.err)

for (let sent = 0; sent < MESSAGES; sent += BATCH) {
  const payloads: Any[] = []
  for (let i = sent; i < sent + BATCH; i++) {
    const order = new Order()
    order.id = 'order-' + i.toString()
    order.item = ITEMS[i % ITEMS.length]
    order.quantity = <u32>(i % 5) + 1
    payloads.push(new Any(ORDER_TYPE_URL, order.toBytes()))
  }
  const ids = sendMessages(queue.value, payloads)
  if (!ids.ok || ids.value.length != BATCH) fail('send', ids.err)
}
log('producer: sent ' + MESSAGES.toString() + ' orders')

const launched = launch(me.value, newCallId())
if (launched != 0) fail('launch', launched)
while (true) {
  const ev = readOne(1000)
  if (ev.kind == EventKind.Error) fail('read_one', ev.err)
  if (ev.kind == EventKind.Exit) break
}
exitProcess(0)
