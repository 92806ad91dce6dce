import type { Worker } from 'node:worker_threads'
import type { HostId } from '../../shared/id'
import type { Kernel, HostEnding } from '../kernel/kernel'
import { createChannel } from '../kernel/transport/channel'
import type { Channel } from '../kernel/transport/channel'
import type { KernelServer, SlotGrant } from '../kernel/transport/kernel-server'
import type { LogLevel } from '../../shared/log/log-record'
import { newRunning } from './running-guest'
import type { GuestHandle, GuestSpec, Running, SharedThread } from './running-guest'
import type { GuestWorkerData, SupervisorMessage, WorkerMessage } from './worker/messages'
import type { WorkerPool } from './worker/worker-pool'
import type { AttachQueueBroker } from '../plugins/queue/jetstream/protocol'

/** What starting a shared worker needs of the Supervisor. */
export interface ShareContext {
  readonly guests: Map<string, Running>
  readonly kernel: Kernel
  readonly server: KernelServer
  readonly workers: WorkerPool
  workerData(spec: GuestSpec, host: HostId, channel: Channel, slot: SlotGrant): GuestWorkerData
  onMessage(
    running: Running,
    message: WorkerMessage,
    started: () => void,
    failed: (err: Error) => void,
  ): void
  finish(running: Running, ending: HostEnding): void
  log(level: LogLevel, message: string): void
  attachQueueBroker(message: AttachQueueBroker): void
}

/**
 * Starts `specs` in one worker thread (Supervisor.startGroup): every guest gets its own host,
 * channel and mailbox as in a worker of its own; the worker's messages name the guest they are
 * about. Resolves once each guest runs; rejects (after ending the others) if one cannot start.
 */
export async function startShared(
  ctx: ShareContext,
  specs: readonly GuestSpec[],
): Promise<GuestHandle[]> {
  if (ctx.server.switchboard === undefined) {
    throw new Error(
      `${specs.map((s) => s.name).join(', ')}: guests can share a worker only with direct calls between workers (Supervisor option directCalls)`,
    )
  }
  for (const spec of specs) {
    const previous = ctx.guests.get(spec.name)
    if (previous !== undefined && previous.ended === undefined)
      throw new Error(`a guest named "${spec.name}" is already running`)
  }
  let resolveGone: () => void = () => undefined
  const gone = new Promise<void>((resolve) => (resolveGone = resolve))
  const share: SharedThread = { members: [], gone, resolveGone: () => resolveGone() }
  const data: GuestWorkerData[] = []
  const hosts: HostId[] = []
  const worker: Worker = await ctx.workers.take()
  for (const spec of specs) {
    const host = ctx.kernel.addHost(spec.name)
    const channel = createChannel()
    const slot = ctx.server.attach(host, channel)
    if (slot === undefined) {
      // No free mailbox: end the hosts made so far, so the kernel does not wait for them.
      for (const h of [...hosts, host]) {
        ctx.server.detach(h)
        ctx.kernel.hostEnded(h, { kind: 'failed', reason: 'no free mailbox slot' })
        ctx.server.release(h)
      }
      void worker.terminate()
      throw new Error(`${spec.name}: no free mailbox slot for a guest in a shared worker`)
    }
    hosts.push(host)
    data.push(ctx.workerData(spec, host, channel, slot))
    const running = newRunning(spec, host, worker, channel, share)
    share.members.push(running)
    ctx.guests.set(spec.name, running)
  }
  const started = share.members.map(() => {
    let ok: () => void = () => undefined
    let fail: (err: Error) => void = () => undefined
    const promise = new Promise<void>((resolve, reject) => ((ok = resolve), (fail = reject)))
    return { promise, ok, fail }
  })
  worker.on('message', (message: WorkerMessage) => {
    // The thread's queue plugins share one link to the broker: it is no one guest's.
    if (message.type === 'attach-queue-broker') return ctx.attachQueueBroker(message)
    const i = message.guest
    const running = i === undefined ? undefined : share.members[i]
    const waiter = i === undefined ? undefined : started[i]
    if (running === undefined || waiter === undefined) return
    ctx.onMessage(running, message, waiter.ok, waiter.fail)
  })
  const failAll = (reason: string) => {
    share.members.forEach((running, i) => {
      if (running.ended === undefined) ctx.finish(running, { kind: 'failed', reason })
      started[i]?.fail(new Error(`${running.name}: ${reason}`))
    })
  }
  worker.on('error', (err) => {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? 'out of memory'
        : `worker error: ${err.message}`
    ctx.log('error', `worker of ${specs.map((s) => s.name).join(', ')}: ${reason}`)
    failAll(reason)
  })
  worker.on('exit', (code) => {
    failAll(`worker exited unexpectedly (code ${code})`)
    for (const host of hosts) ctx.server.release(host)
  })
  worker.postMessage({ type: 'run-group', data } satisfies SupervisorMessage)
  try {
    await Promise.all(started.map((s) => s.promise))
  } catch (err) {
    // One could not start: the others share its fate (they were started as one worker).
    failAll(`a guest of its worker could not start: ${(err as Error).message}`)
    throw err
  }
  return share.members.map((r) => ({ name: r.name, host: r.host, ended: r.endedPromise }))
}
