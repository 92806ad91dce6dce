// `[plugins.queue] backend = "jetstream"`: queues kept in JetStream work-queue streams, shared by
// every host of the deployment (docs/queue.md, "The JetStream backend"). The operations run in
// the broker thread; this is their synchronous face for the host functions.
import { formatId } from '../../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../../shared/id'
import type {
  DoneThenReceived,
  OutgoingMessage,
  QueueBackend,
  QueueInfo,
  StoreResult,
  StoredMessage,
} from '../backend'
import { BrokerClient, type BrokerOptions } from './broker-client'

/**
 * One client per thread and server: the guests that share a worker thread share it (they never
 * call at once). The broker thread behind it is the process's (process-brokers.ts).
 */
const brokers = new Map<string, BrokerClient>()

function brokerFor(options: BrokerOptions): BrokerClient {
  const key = JSON.stringify([options.cluster, options.deployment, options.settings])
  let broker = brokers.get(key)
  if (broker === undefined) {
    broker = new BrokerClient(options)
    brokers.set(key, broker)
  }
  return broker
}

const named = (name: string) => `queue ${JSON.stringify(name)}`
const byId = (id: QueueId) => `queue ${formatId(id)}`

export class JetStreamQueueBackend implements QueueBackend {
  private readonly broker: BrokerClient

  constructor(options: BrokerOptions) {
    this.broker = brokerFor(options)
  }

  createQueue(name: string): StoreResult<QueueInfo> {
    return this.broker.call({ op: 'createQueue', name }, named(name))
  }

  locate(name: string): StoreResult<QueueInfo> {
    return this.broker.call({ op: 'locate', name }, named(name))
  }

  deleteQueue(id: QueueId): StoreResult<QueueInfo> {
    return this.broker.call({ op: 'deleteQueue', id }, byId(id))
  }

  length(id: QueueId): StoreResult<number> {
    return this.broker.call({ op: 'length', id }, byId(id))
  }

  send(id: QueueId, messages: readonly OutgoingMessage[]): StoreResult<QueueMsgId[]> {
    return this.broker.call({ op: 'send', id, messages }, byId(id))
  }

  receive(id: QueueId, limit: number): StoreResult<StoredMessage[]> {
    const result = this.markDoneAndReceive(id, [], limit)
    return result.ok ? { ok: true, value: result.value.messages } : result
  }

  markDone(id: QueueId, msgIds: readonly QueueMsgId[]): StoreResult<QueueMsgId[]> {
    return this.broker.call({ op: 'markDone', id, msgIds }, byId(id))
  }

  markDoneAndReceive(
    id: QueueId,
    done: readonly QueueMsgId[],
    limit: number,
  ): StoreResult<DoneThenReceived> {
    return this.broker.call({ op: 'receive', id, done, limit }, byId(id))
  }

  /** The broker is shared by the thread's other queue plugins and ends with the thread. */
  close(): void {}
}

/** Leaves the brokers from this thread (tests; a worker's links end with it). */
export function closeQueueBrokers(): void {
  for (const broker of brokers.values()) broker.close()
  brokers.clear()
}
