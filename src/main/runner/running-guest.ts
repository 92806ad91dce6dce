import type { Worker } from 'node:worker_threads'
import type { HostId } from '../../shared/id'
import type { CompiledGuest } from '../engine/compile'
import type { Logger } from '../engine/logger'
import type { HostEnding } from '../kernel/kernel'
import type { Channel } from '../kernel/transport/channel'
import type { PluginSpec } from '../plugins/plugin-api'
import { noteAbandonedThread, noteThreadEnded } from './worker/abandoned'

// A guest as the supervisor starts and tracks it, alone in a worker or sharing one
// (shared-worker-start.ts), and how its thread ends.

export interface GuestSpec {
  readonly name: string
  readonly compiled: CompiledGuest
  readonly args?: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  /** Plugins initialised in this guest's worker (built-in by name, or module path + export). */
  readonly plugins?: readonly PluginSpec[]
  /** The deployment's data directory, handed to plugins. Default: the current directory. */
  readonly dataDir?: string
  /**
   * A main (or test) program: deadlock detection runs only while one is alive, since servers
   * waiting for calls with no program left is how a deployment without a main serves.
   */
  readonly program?: boolean
  /** The cap compiled into the module (compileGuest), so a trap at it can name it. */
  readonly memoryLimitMb?: number
}

export interface GuestHandle {
  readonly name: string
  readonly host: HostId
  /** Settles once when the guest's worker is gone, however it ended. */
  readonly ended: Promise<HostEnding>
}

export interface Running {
  readonly name: string
  readonly host: HostId
  readonly worker: Worker
  readonly channel: Channel
  readonly program: boolean
  killed?: boolean
  ended: HostEnding | undefined
  readonly endedPromise: Promise<HostEnding>
  /** Set when the guest ends: resolves once its thread is gone (or abandoned, see ended()). */
  threadGone?: Promise<void>
  settle(ending: HostEnding): void
  /** Set when the guest shares its worker thread with others (startGroup). */
  share?: SharedThread
}

/** The guests of one shared worker: the thread ends when the last of them has. */
export interface SharedThread {
  readonly members: Running[]
  readonly gone: Promise<void>
  resolveGone(): void
}

/** The record of a guest just given `worker`, not ended yet. */
export function newRunning(
  spec: GuestSpec,
  host: HostId,
  worker: Worker,
  channel: Channel,
  share?: SharedThread,
): Running {
  let settle: (ending: HostEnding) => void = () => undefined
  const endedPromise = new Promise<HostEnding>((resolve) => (settle = resolve))
  return {
    name: spec.name,
    host,
    worker,
    channel,
    program: spec.program === true,
    ended: undefined,
    endedPromise,
    settle,
    ...(share !== undefined ? { share } : {}),
  }
}

/**
 * How long a terminated worker may take to end. Terminating interrupts JavaScript and wasm at
 * once; a thread still there after this is blocked in a system call and is abandoned (named in
 * the log, and by the CLI when it has to end the process).
 */
export const TERMINATE_WAIT_MS = 5000

/**
 * Terminates `running`'s worker; resolves when its thread is gone, or after TERMINATE_WAIT_MS if
 * it is stuck (then logged and noted as abandoned).
 */
export async function endThread(running: Running, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const stuck = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), TERMINATE_WAIT_MS)
  })
  const gone = running.worker.terminate().then(() => false as const)
  const blocked = await Promise.race([gone, stuck])
  clearTimeout(timer)
  if (blocked) {
    const what = `${running.name} (thread ${running.worker.threadId})`
    logger.log(
      'error',
      `${what} did not end within ${TERMINATE_WAIT_MS} ms of being terminated: it is blocked in a system call (or the machine is overloaded); abandoned`,
    )
    noteAbandonedThread(what)
    void gone.then(() => noteThreadEnded(what))
  }
}
