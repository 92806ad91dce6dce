import { Worker } from 'node:worker_threads'
import type { WorkerMessage } from './messages'
import { guestWorkerScript } from './worker-script'

/**
 * How long after a take the pool starts refilling: loading a new worker keeps a core busy for
 * a while, and it should not compete with the guest it was taken for while that one starts.
 */
const REFILL_DELAY_MS = 50

/**
 * Keeps a few guest workers started and idle, because starting a worker thread and loading
 * its script costs tens of milliseconds while instantiating a compiled guest costs about one:
 * a service then starts in the time its own start-up takes. Idle workers do not keep the
 * process alive.
 */
export class WorkerPool {
  private readonly idle: Worker[] = []
  private filling = 0
  private refillTimer: NodeJS.Timeout | undefined

  constructor(private readonly size = 2) {}

  /**
   * A loaded worker, from the pool if one is ready; the pool refills in the background, shortly
   * after (REFILL_DELAY_MS), once the taken worker's guest has had the cores to start.
   */
  async take(): Promise<Worker> {
    const worker = this.idle.shift() ?? (await this.spawn())
    worker.ref()
    this.refillTimer ??= setTimeout(() => {
      this.refillTimer = undefined
      this.refill()
    }, REFILL_DELAY_MS).unref()
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
    clearTimeout(this.refillTimer)
    this.refillTimer = undefined
    const workers = this.idle.splice(0)
    await Promise.all(workers.map((w) => w.terminate()))
  }

  private async spawn(): Promise<Worker> {
    const worker = new Worker(guestWorkerScript(), { resourceLimits: WORKER_RESOURCE_LIMITS })
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

/**
 * Each guest worker's JavaScript heap (plugins, decoded messages) is capped, so a runaway one
 * ends that worker (ERR_WORKER_OUT_OF_MEMORY: the guest fails with "out of memory") instead of
 * the process. A guest's own linear memory is outside this heap; memory_limit_mb caps it.
 */
export const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 }

/** The process-wide pool the supervisors share. */
export const sharedWorkerPool = new WorkerPool()
