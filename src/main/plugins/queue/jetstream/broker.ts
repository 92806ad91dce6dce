// The queue broker: a worker thread that owns the NATS connection of the JetStream queue backend
// and runs the operations the guest thread asks for (docs/queue.md, "The JetStream backend").
// The guest thread blocks in Atomics.wait while a call runs, so the NATS client, which needs an
// event loop, cannot live there; here it has one. One broker serves every guest worker of the
// process (process-brokers.ts): each is a client with its own port and wake word. Each reply is
// posted on the client's port, then its wake word is bumped and notified.
import { parentPort, workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connectCluster } from '../../../cluster/connection'
import { QueueErr } from '../../../../shared/gen/parigot/queue/v1/queue_pb'
import type { StoreResult } from '../backend'
import type {
  BrokerAttach,
  BrokerClientLink,
  BrokerEnvelope,
  BrokerReply,
  BrokerRequest,
  BrokerUnused,
  BrokerWorkerData,
} from './protocol'
import { JetStreamQueues } from './queue-ops'

const data = workerData as BrokerWorkerData

const queues: Promise<JetStreamQueues> = (async () => {
  const nc = await connectCluster(data.cluster, {
    name: `parigot ${data.deployment}/queue-broker`,
    timeoutMs: data.apiTimeoutMs,
  })
  const jsm = await jetstreamManager(nc, { timeout: data.apiTimeoutMs })
  const js = jetstream(nc, { timeout: data.apiTimeoutMs })
  return new JetStreamQueues(nc, js, jsm, data.deployment, data.settings, data.apiTimeoutMs)
})()
// A failed connection is answered to each request (below); it must not end the thread.
queues.catch(() => undefined)

async function run(request: BrokerRequest): Promise<StoreResult<unknown>> {
  const q = await queues
  if (!('id' in request)) return runOn(q, request)
  try {
    return await runOn(q, request)
  } catch (err) {
    return q.recheck(request.id, err)
  }
}

function runOn(q: JetStreamQueues, request: BrokerRequest): Promise<StoreResult<unknown>> {
  switch (request.op) {
    case 'createQueue':
      return q.createQueue(request.name)
    case 'locate':
      return q.locate(request.name)
    case 'deleteQueue':
      return q.deleteQueue(request.id)
    case 'length':
      return q.length(request.id)
    case 'send':
      return q.send(request.id, request.messages)
    case 'receive':
      return q.receive(request.id, request.done, request.limit)
    case 'markDone':
      return q.markDone(request.id, request.msgIds)
  }
}

/** The error, naming the server unless it already does (a failed connection does). */
function withServer(message: string): string {
  return message.includes(data.cluster.nats)
    ? message
    : `NATS server ${data.cluster.nats}: ${message}`
}

/** Clients attached and not yet gone; `lastSerial` is the newest attach seen. */
let clients = 0
let lastSerial = 0

function serve(link: BrokerClientLink): void {
  const port = link.port as MessagePort
  const wake = new Int32Array(link.wake)
  clients++
  port.on('message', (envelope: BrokerEnvelope) => {
    void run(envelope.request)
      .catch((err: unknown): StoreResult<unknown> => ({
        ok: false,
        code: QueueErr.InternalError,
        error: withServer(err instanceof Error ? err.message : String(err)),
      }))
      .then((result) => {
        const reply: BrokerReply = { seq: envelope.seq, result }
        port.postMessage(reply)
        Atomics.add(wake, 0, 1)
        Atomics.notify(wake, 0)
      })
  })
  // The client's thread ended (or its plugin closed): with none left, the main thread ends this
  // broker unless another attach is already on its way (its serial is newer).
  port.once('close', () => {
    clients--
    if (clients === 0)
      parentPort?.postMessage({ type: 'unused', serial: lastSerial } satisfies BrokerUnused)
  })
}

parentPort?.on('message', (message: BrokerAttach) => {
  if (message.type !== 'attach') return
  lastSerial = message.serial
  serve(message.link)
})
