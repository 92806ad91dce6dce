// The guest thread's side of the queue broker: a synchronous call over a MessagePort. The host
// functions run on the guest's stack, so they cannot await; a call posts its request, then
// sleeps in Atomics.wait until the broker bumps the wake word, and takes the reply off the port
// with receiveMessageOnPort. Every wait is bounded: no answer in time is a typed error naming
// the operation and the queue, never a hang.
import { isMainThread, MessageChannel, parentPort, receiveMessageOnPort } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import type { ClusterConfig } from '../../../../shared/deploy-config/types'
import { QueueErr } from '../../../../shared/gen/parigot/queue/v1/queue_pb'
import type { StoreResult } from '../backend'
import { attachQueueBroker } from './process-brokers'
import type {
  AttachQueueBroker,
  BrokerAnswers,
  BrokerClientLink,
  BrokerEnvelope,
  BrokerQueueSettings,
  BrokerReply,
  BrokerRequest,
  BrokerWorkerData,
} from './protocol'

export { queueBrokerScript } from './broker-script'

export interface BrokerOptions {
  readonly cluster: ClusterConfig
  readonly deployment: string
  readonly settings: BrokerQueueSettings
  /** How long a guest waits for one answer (the first also waits for the connection). */
  readonly timeoutMs: number
  /** The broker's script; default out/main/queue-broker.js (the build puts it next to this). */
  readonly script?: URL
}

export class BrokerClient {
  private readonly port: MessagePort
  private readonly wake = new Int32Array(new SharedArrayBuffer(4))
  private seq = 0
  private closed = false

  constructor(private readonly options: BrokerOptions) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    // The API calls inside the broker end a little before the guest stops waiting, so that the
    // guest usually gets the broker's own reason (a NATS error) rather than a bare timeout.
    const data: BrokerWorkerData = {
      cluster: options.cluster,
      deployment: options.deployment,
      settings: options.settings,
      apiTimeoutMs: Math.max(100, Math.floor(options.timeoutMs * 0.8)),
    }
    const link: BrokerClientLink = { port: port2, wake: this.wake.buffer as SharedArrayBuffer }
    if (!isMainThread && parentPort !== null) {
      // A guest worker: its supervisor joins it to the process's broker. Requests posted before
      // the broker has the other end wait in the port.
      const attach: AttachQueueBroker = { type: 'attach-queue-broker', data, link }
      parentPort.postMessage(attach, [port2])
    } else {
      attachQueueBroker(data, link, () => undefined, options.script)
    }
    // The port does not keep the guest's thread alive.
    this.port.unref()
  }

  /** Runs one operation; `what` names the queue for the error of a call that got no answer. */
  call<R extends BrokerRequest>(request: R, what: string): BrokerAnswers[R['op']] {
    const seq = ++this.seq
    const envelope: BrokerEnvelope = { seq, request }
    if (this.closed) {
      return {
        ok: false,
        code: QueueErr.InternalError,
        error: `queue.${request.op} on ${what}: the queue plugin is closed`,
      } as BrokerAnswers[R['op']]
    }
    this.port.postMessage(envelope)
    const deadline = Date.now() + this.options.timeoutMs
    for (;;) {
      const seen = Atomics.load(this.wake, 0)
      const reply = this.take(seq)
      if (reply !== undefined) {
        // The broker's own failures (NATS errors) are named after the call here.
        if (!reply.ok && reply.code === QueueErr.InternalError) {
          const error = `queue.${request.op} on ${what}: ${reply.error}`
          return { ...reply, error } as BrokerAnswers[R['op']]
        }
        return reply as BrokerAnswers[R['op']]
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        return {
          ok: false,
          code: QueueErr.InternalError,
          error:
            `queue.${request.op} on ${what}: no answer from the queue broker within ` +
            `${this.options.timeoutMs} ms (NATS server ${this.options.cluster.nats})`,
        } as BrokerAnswers[R['op']]
      }
      Atomics.wait(this.wake, 0, seen, left)
    }
  }

  /** The answer to call `seq` if it is on the port; older calls' late answers are dropped. */
  private take(seq: number): StoreResult<unknown> | undefined {
    for (let got = receiveMessageOnPort(this.port); got; got = receiveMessageOnPort(this.port)) {
      const reply = got.message as BrokerReply
      if (reply.seq === seq) return reply.result
    }
    return undefined
  }

  /** Leaves the broker: it ends with its last client. */
  close(): void {
    this.closed = true
    this.port.close()
  }
}
