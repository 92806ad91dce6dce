import type { MessageStateName, QueueMessageView, QueueView } from '../../shared/bridge/contract'
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
import { JetStreamQueueAccess } from './jetstream-queues'
import { jetstreamQueuesOf, QueueAccess, queueDatabasePath } from './queues'
import type { JetStreamTarget } from './queues'
import type { TextMatcher } from './user-pattern'

/** JetStream counts cost server round trips per queue: compared at most this often. */
export const MIN_JETSTREAM_POLL_MS = 1000

/**
 * The Studio session's queues: the open deployment's queue database (SQLite) or JetStream
 * streams for the inspector, and which queues changed (compared every `pollMs` while a
 * deployment runs, and after each of the inspector's actions, since a message may go without
 * any count changing). JetStream is polled too: a work-queue stream accepts no consumer beside
 * the deployment's own, so there is nothing to subscribe to without taking its messages.
 */
export class QueueDesk {
  private queues: QueueAccess | JetStreamQueueAccess | undefined
  private queueTimer: NodeJS.Timeout | undefined
  private queueCounts = new Map<string, string>()
  /** The comparison in progress: one at a time, however slow the server. */
  private checking: Promise<void> | undefined

  constructor(
    private readonly pollMs: number,
    private readonly announce: (queues: readonly string[]) => void,
  ) {}

  /**
   * Takes `config`'s queues (none without a config) and the descriptor sets its payloads are
   * decoded with; answers the sets that cannot be used.
   */
  adopt(config: DeployConfig | undefined): readonly DescriptorProblem[] {
    const target = config ? jetstreamQueuesOf(config) : undefined
    if (target !== undefined) return this.adoptJetStream(target, config?.descriptors ?? [])
    const path = config ? queueDatabasePath(config) : undefined
    if (!(this.queues instanceof QueueAccess) || this.queues.path !== path) {
      void this.queues?.close()
      this.queues = path ? new QueueAccess(path, (names) => this.queuesChanged(names)) : undefined
      this.queueCounts.clear()
    }
    return this.queues?.useDescriptors(config?.descriptors ?? []) ?? []
  }

  /** Takes the queues a deployment keeps in JetStream (also for an attached Studio). */
  adoptJetStream(
    target: JetStreamTarget,
    descriptors: readonly string[] = [],
  ): readonly DescriptorProblem[] {
    const same =
      this.queues instanceof JetStreamQueueAccess &&
      JSON.stringify(this.queues.target) === JSON.stringify(target)
    if (!same) {
      void this.queues?.close()
      this.queues = new JetStreamQueueAccess(target, (names) => this.queuesChanged(names))
      this.queueCounts.clear()
    }
    return this.queues?.useDescriptors(descriptors) ?? []
  }

  /** Releases the queue database or the NATS connection. */
  async close(): Promise<void> {
    this.stopQueuePolling()
    const queues = this.queues
    this.queues = undefined
    await queues?.close()
  }

  async queueList(): Promise<QueueView[]> {
    return this.requireQueues().list()
  }

  async queuePeek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): Promise<QueueMessageView[]> {
    return this.requireQueues().peek(queue, options)
  }

  async queueSearch(
    queue: string,
    match: TextMatcher,
    limit?: number,
    budgetMs?: number,
  ): Promise<{ messages: QueueMessageView[]; incomplete?: true }> {
    return this.requireQueues().searchWithin(queue, match, limit, budgetMs)
  }

  async queueDelete(queue: string, msgId: string): Promise<boolean> {
    return this.requireQueues().delete(queue, msgId)
  }

  async queuePurge(queue: string, state?: 'done' | 'dead' | 'ready'): Promise<number> {
    return this.requireQueues().purge(queue, state)
  }

  async queueRedrive(queue: string): Promise<number> {
    return this.requireQueues().redrive(queue)
  }

  async queueSend(queue: string, typeName: string, payload: string): Promise<string> {
    return this.requireQueues().send(queue, typeName, payload)
  }

  queueTypes(): string[] {
    return this.requireQueues().types()
  }

  requireQueues(): QueueAccess | JetStreamQueueAccess {
    if (this.queues === undefined)
      throw new StudioError('no-deployment', 'no valid deployment is open')
    return this.queues
  }

  startQueuePolling(): void {
    this.stopQueuePolling()
    const every =
      this.queues instanceof JetStreamQueueAccess
        ? Math.max(this.pollMs, MIN_JETSTREAM_POLL_MS)
        : this.pollMs
    this.queueTimer = setInterval(() => void this.checkQueues(), every)
    this.queueTimer.unref()
  }

  stopQueuePolling(): void {
    clearInterval(this.queueTimer)
    this.queueTimer = undefined
  }

  /** Compares every queue's counts with the last look; announces the queues that changed. */
  checkQueues(): Promise<void> {
    this.checking ??= this.changedQueues()
      .then((changed) => {
        if (changed.length > 0) this.announce(changed)
      })
      .finally(() => {
        this.checking = undefined
      })
    return this.checking
  }

  private async changedQueues(): Promise<string[]> {
    const queues = this.queues
    if (queues === undefined) return []
    let views: QueueView[]
    try {
      views = await queues.list()
    } catch {
      // A database mid-creation, or a server away: the next tick looks again, and the panel's
      // own list call shows the error.
      return []
    }
    const changed: string[] = []
    const seen = new Set<string>()
    for (const q of views) {
      seen.add(q.name)
      const counts = `${q.ready}:${q.inFlight}:${q.done}:${q.dead}`
      if (this.queueCounts.get(q.name) !== counts) changed.push(q.name)
      this.queueCounts.set(q.name, counts)
    }
    for (const name of [...this.queueCounts.keys()]) {
      if (!seen.has(name)) {
        this.queueCounts.delete(name)
        changed.push(name)
      }
    }
    return changed
  }

  /** An inspector action changed `names` (a message may go without any count changing). */
  private queuesChanged(names: readonly string[]): void {
    void this.changedQueues().then((changed) => this.announce([...new Set([...names, ...changed])]))
  }
}
