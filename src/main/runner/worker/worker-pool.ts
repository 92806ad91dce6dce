import { Worker } from 'node:worker_threads'
import type { WorkerMessage } from './messages'
import { guestWorkerScript } from './worker-script'

/**
 * Keeps a few guest workers started and idle, because starting a worker thread and loading
 * its script costs tens of milliseconds while instantiating a compiled guest costs about one:
 * a service then starts in the time its own start-up takes. Idle workers do not keep the
 * process alive.
 */
export class WorkerPool {
  private readonly idle: Worker[] = []
  private filling = 0

  constructor(private readonly size = 2) {}

  /** A loaded worker, from the pool if one is ready; the pool refills in the background. */
  async take(): Promise<Worker> {
    const worker = this.idle.shift() ?? (await this.spawn())
    worker.ref()
    this.refill()
    return worker
  }

  /** Starts workers until `size` are idle (call early, e.g. when a deployment is opened). */
  refill(): void {
    while (this.idle.length + this.filling < this.size) {
      this.filling++
      this.spawn().then(
        (worker) => {
          this.filling--
          worker.unref()
          this.idle.push(worker)
        },
        () => {
          this.filling--
        },
      )
    }
  }

  /** Ends the idle workers. */
  async close(): Promise<void> {
    const workers = this.idle.splice(0)
    await Promise.all(workers.map((w) => w.terminate()))
  }

  private async spawn(): Promise<Worker> {
    const worker = new Worker(await guestWorkerScript())
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== 'ready') return
        worker.off('message', onMessage)
        worker.off('error', reject)
        resolve()
      }
      worker.on('message', onMessage)
      worker.once('error', reject)
    })
    return worker
  }
}

/** The process-wide pool the supervisors share. */
export const sharedWorkerPool = new WorkerPool()
