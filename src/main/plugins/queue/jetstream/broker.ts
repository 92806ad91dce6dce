// The queue broker: a worker thread that owns the NATS connection of the JetStream queue backend
// and runs the operations the guest thread asks for (docs/queue.md, "The JetStream backend").
// The guest thread blocks in Atomics.wait while a call runs, so the NATS client, which needs an
// event loop, cannot live there; here it has one. Each reply is posted on the port, then the
// wake word is bumped and notified.
import { workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connectCluster } from '../../../cluster/connection'
import { QueueErr } from '../../../../shared/gen/parigot/queue/v1/queue_pb'
import type { StoreResult } from '../backend'
import type { BrokerEnvelope, BrokerReply, BrokerRequest, BrokerWorkerData } from './protocol'
import { JetStreamQueues } from './queue-ops'

const data = workerData as BrokerWorkerData
const port = data.port as MessagePort
const wake = new Int32Array(data.wake)

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
