// One queue broker thread per process for each server, deployment and queue settings, shared by
// every guest worker of the process (docs/queue.md, "The broker thread"): one NATS connection and
// one thread however many guests use JetStream queues. A worker cannot start a thread that
// outlives it or that another worker can reach, so the main thread starts the broker and hands it
// each client's port (AttachQueueBroker, posted by the guest worker to its supervisor).
import { Worker } from 'node:worker_threads'
import { queueBrokerScript } from './broker-script'
import type { BrokerAttach, BrokerClientLink, BrokerUnused, BrokerWorkerData } from './protocol'

interface ProcessBroker {
  readonly worker: Worker
  /** Attaches so far; a broker that reports an older serial unused has a client since. */
  serial: number
}

const brokers = new Map<string, ProcessBroker>()
const endListeners = new Set<() => void>()

function keyOf(data: BrokerWorkerData): string {
  return JSON.stringify([data.cluster, data.deployment, data.settings, data.apiTimeoutMs])
}

/**
 * Joins a client to the broker for `data`, starting it when there is none. `onError` hears a
 * broker that failed (its clients' calls then end in their bounded wait, naming the server).
 */
export function attachQueueBroker(
  data: BrokerWorkerData,
  link: BrokerClientLink,
  onError: (message: string) => void,
  script?: URL,
): void {
  const key = keyOf(data)
  let broker = brokers.get(key)
  if (broker === undefined) {
    const worker = new Worker(script ?? queueBrokerScript(), {
      workerData: data,
      name: 'parigot queue broker',
    })
    // The broker never keeps the process alive; it ends when its last client has gone.
    worker.unref()
    const started: ProcessBroker = { worker, serial: 0 }
    worker.on('message', (message: BrokerUnused) => {
      if (message.type !== 'unused' || message.serial !== started.serial) return
      if (brokers.get(key) === started) brokers.delete(key)
      void worker.terminate()
    })
    worker.on('error', (err) =>
      onError(`the queue broker for ${data.cluster.nats} failed: ${err.message}`),
    )
    worker.on('exit', () => {
      if (brokers.get(key) === started) brokers.delete(key)
      for (const listener of [...endListeners]) listener()
    })
    brokers.set(key, started)
    broker = started
  }
  broker.serial++
  const attach: BrokerAttach = { type: 'attach', link, serial: broker.serial }
  broker.worker.postMessage(attach, [link.port])
}

/** How many broker threads this process runs (tests, diagnostics). */
export function queueBrokerCount(): number {
  return brokers.size
}

/** Resolves when a broker thread of this process next ends (tests, diagnostics). */
export function queueBrokerEnded(): Promise<void> {
  return new Promise((resolve) => {
    const listener = () => {
      endListeners.delete(listener)
      resolve()
    }
    endListeners.add(listener)
  })
}

/** Ends every broker of this process (tests). */
export async function closeProcessBrokers(): Promise<void> {
  const all = [...brokers.values()]
  brokers.clear()
  await Promise.all(all.map((b) => b.worker.terminate()))
}
