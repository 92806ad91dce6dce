import { Worker } from 'node:worker_threads'
import type { WorkerMessage } from './messages'
import { guestWorkerScript } from './worker-script'

/**
 * How long after a take the pool starts refilling: loading a new worker keeps a core busy for
 * a while, and it should not compete with the guest it was taken for while that one starts.
 */
const REFILL_DELAY_MS = 50

/** Workers loading at the same time: loading keeps a core busy, and this machine has two. */
const SPAWN_CONCURRENCY = 4

/**
 * Keeps guest workers started and idle, because starting a worker thread and loading its script
 * costs tens of milliseconds while instantiating a compiled guest costs about one: a service
 * then starts in the time its own start-up takes. A deployment about to start N guests asks for
 * N (`prewarm`) before it compiles their modules; between deployments `size` stay idle. Idle
 * workers do not keep the process alive.
 */
export class WorkerPool {
  private readonly idle: Worker[] = []
  /** Takers waiting for a worker that is loading. */
  private readonly takers: ((worker: Promise<Worker>) => void)[] = []
  private loading = 0
  /** Workers wanted idle or loading (at least `size`); falls by one at each take. */
  private wanted: number
  private refillTimer: NodeJS.Timeout | undefined
  /** Workers spawned and not yet ready. */
  private readonly starting = new Set<Worker>()
  /** Of those, the ones cancelPrewarm ended. */
  private readonly cancelled = new WeakSet<Worker>()
  /** Callers of `filled` waiting for the idle workers. */
  private readonly fillWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = []

  constructor(private size = 2) {
    this.wanted = size
  }

  /**
   * How many workers to keep idle between deployments (default 2). A one-shot run (`parigot
   * run`) keeps none: nothing would take them, and loading them would compete with its guests.
   */
  keepIdle(size: number): void {
    // A demand beyond the old idle size (a prewarm) stands; the idle size itself is replaced.
    this.wanted = Math.max(size, this.wanted === this.size ? 0 : this.wanted)
    this.size = size
  }

  /**
   * A loaded worker: an idle one, else the next that finishes loading, else a new one. The pool
   * refills shortly after (REFILL_DELAY_MS), once the taken worker's guest has had the cores.
   */
  async take(): Promise<Worker> {
    this.wanted = Math.max(this.size, this.wanted - 1)
    let worker: Worker
    const idle = this.idle.shift()
    if (idle !== undefined) worker = idle
    else if (this.loading > this.takers.length) {
      worker = await new Promise<Promise<Worker>>((resolve) => this.takers.push(resolve))
    } else worker = await this.spawn()
    worker.ref()
    this.refillTimer ??= setTimeout(() => {
      this.refillTimer = undefined
      this.fill()
    }, REFILL_DELAY_MS).unref()
    return worker
  }

  /** Starts workers until `size` are idle (call early, e.g. when the Studio opens). */
  refill(): void {
    this.fill()
  }

  /**
   * Resolves once `size` workers are idle (loaded and warmed up), after starting any missing;
   * rejects if a worker's script fails to load, so a caller never waits for ever.
   */
  filled(): Promise<void> {
    this.fill()
    if (this.idle.length >= this.size) return Promise.resolve()
    return new Promise((resolve, reject) => this.fillWaiters.push({ resolve, reject }))
  }

  private settleFillWaiters(error?: unknown): void {
    if (error === undefined && this.idle.length < this.size) return
    for (const waiter of this.fillWaiters.splice(0)) {
      if (error === undefined) waiter.resolve()
      else waiter.reject(error)
    }
  }

  /**
   * Starts loading workers until `count` are idle or loading, at most SPAWN_CONCURRENCY at a
   * time, so that the first are ready early rather than all of them late.
   */
  prewarm(count: number): void {
    this.wanted = Math.max(this.wanted, count)
    this.fill()
  }

  /**
   * Wants no more workers than the idle size, and ends those still loading that no taker waits
   * for: a command that asked for workers before reading its config (cli/index.ts) and then ran
   * nothing exits at once instead of after their start-up.
   */
  cancelPrewarm(): void {
    this.wanted = this.size
    if (this.takers.length > 0) return
    for (const worker of this.starting) {
      this.cancelled.add(worker)
      void worker.terminate()
    }
  }

  /** Ends the idle workers. */
  async close(): Promise<void> {
    this.wanted = this.size
    clearTimeout(this.refillTimer)
    this.refillTimer = undefined
    const workers = this.idle.splice(0)
    await Promise.all(workers.map((w) => w.terminate()))
  }

  private fill(): void {
    const want = Math.max(this.wanted, this.size)
    while (this.idle.length + this.loading < want + this.takers.length) {
      if (this.loading >= SPAWN_CONCURRENCY) return
      this.loading++
      const loaded = this.spawn()
      loaded.then(
        (worker) => {
          this.loading--
          const taker = this.takers.shift()
          if (taker !== undefined) taker(loaded)
          else {
            worker.unref()
            this.idle.push(worker)
          }
          this.fill()
          this.settleFillWaiters()
        },
        (error: unknown) => {
          this.loading--
          // Ended by cancelPrewarm: a taker that came since gets a new worker.
          if (error instanceof PrewarmCancelled) return this.fill()
          // The script itself fails to load: hand the error to a waiting taker, ask no more.
          this.takers.shift()?.(loaded)
          this.wanted = this.size
          this.settleFillWaiters(error)
        },
      )
    }
  }

  private async spawn(): Promise<Worker> {
    const worker = new Worker(guestWorkerScript(), {
      resourceLimits: WORKER_RESOURCE_LIMITS,
      execArgv: guestWorkerExecArgv(process.execArgv),
    })
    this.starting.add(worker)
    try {
      await new Promise<void>((resolve, reject) => {
        const onExit = (code: number) =>
          reject(
            this.cancelled.has(worker)
              ? new PrewarmCancelled()
              : new Error(`the guest worker ended (exit code ${code}) before it was ready`),
          )
        const onMessage = (message: WorkerMessage) => {
          if (message.type !== 'ready') return
          worker.off('message', onMessage)
          worker.off('error', reject)
          worker.off('exit', onExit)
          resolve()
        }
        worker.on('message', onMessage)
        worker.once('error', reject)
        worker.once('exit', onExit)
      })
    } finally {
      this.starting.delete(worker)
    }
    return worker
  }
}

/** A worker still loading was ended by cancelPrewarm: not a failure of the script. */
class PrewarmCancelled extends Error {}

/**
 * Each guest worker's JavaScript heap (plugins, decoded messages) is capped, so a runaway one
 * ends that worker (ERR_WORKER_OUT_OF_MEMORY: the guest fails with "out of memory") instead of
 * the process. A guest's own linear memory is outside this heap; memory_limit_mb caps it.
 */
export const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 }

/** Node options that load code into a thread before its script: `--import tsx`, `-r x`, .... */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader'])

/**
 * The parent's Node options minus its preloads. A worker inherits them by default, and the guest
 * worker is built JavaScript that needs none: a TypeScript loader (the runner run from sources,
 * as in tests and benches) would otherwise load into every worker, tripling its start-up.
 */
export function guestWorkerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string
    const flag = arg.split('=', 1)[0] as string
    if (!PRELOAD_FLAGS.has(flag)) kept.push(arg)
    else if (!arg.includes('=')) i++ // its value is the next argument
  }
  return kept
}

/** The process-wide pool the supervisors share. */
export const sharedWorkerPool = new WorkerPool()
