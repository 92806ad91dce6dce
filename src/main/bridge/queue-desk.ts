import type { MessageStateName, QueueMessageView, QueueView } from '../../shared/bridge/contract'
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
import { QueueAccess, queueDatabasePath, queuesElsewhere } from './queues'
import type { TextMatcher } from './user-pattern'

/**
 * The Studio session's queues: the open deployment's queue database for the inspector, and
 * which queues changed (compared every `pollMs` while a deployment runs, and after each of the
 * inspector's actions, since a message may go without any count changing).
 */
export class QueueDesk {
  private queues: QueueAccess | undefined
  private queueTimer: NodeJS.Timeout | undefined
  private queueCounts = new Map<string, string>()

  constructor(
    private readonly pollMs: number,
    private readonly announce: (queues: readonly string[]) => void,
  ) {}

  /**
   * Takes `config`'s queue database (none without a config) and the descriptor sets its
   * payloads are decoded with; answers the sets that cannot be used.
   */
  adopt(config: DeployConfig | undefined): readonly DescriptorProblem[] {
    const path = config ? queueDatabasePath(config) : undefined
    const elsewhere = config ? queuesElsewhere(config) : undefined
    if (this.queues?.path !== path || this.queues?.elsewhere !== elsewhere) {
      this.queues?.close()
      this.queues = path
        ? new QueueAccess(path, (names) => this.queuesChanged(names), elsewhere)
        : undefined
      this.queueCounts.clear()
    }
    return this.queues?.useDescriptors(config?.descriptors ?? []) ?? []
  }

  /** Releases the queue database. */
  close(): void {
    this.queues?.close()
    this.queues = undefined
  }

  queueList(): QueueView[] {
    return this.requireQueues().list()
  }

  queuePeek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): QueueMessageView[] {
    return this.requireQueues().peek(queue, options)
  }

  queueSearch(
    queue: string,
    match: TextMatcher,
    limit?: number,
    budgetMs?: number,
  ): { messages: QueueMessageView[]; incomplete?: true } {
    return this.requireQueues().searchWithin(queue, match, limit, budgetMs)
  }

  queueDelete(msgId: string): boolean {
    return this.requireQueues().delete(msgId)
  }

  queuePurge(queue: string, state?: 'done' | 'dead' | 'ready'): number {
    return this.requireQueues().purge(queue, state)
  }

  queueRedrive(queue: string): number {
    return this.requireQueues().redrive(queue)
  }

  queueSend(queue: string, typeName: string, payload: string): string {
    return this.requireQueues().send(queue, typeName, payload)
  }

  queueTypes(): string[] {
    return this.requireQueues().types()
  }

  requireQueues(): QueueAccess {
    if (this.queues === undefined)
      throw new StudioError('no-deployment', 'no valid deployment is open')
    return this.queues
  }

  startQueuePolling(): void {
    this.stopQueuePolling()
    this.queueTimer = setInterval(() => this.checkQueues(), this.pollMs)
    this.queueTimer.unref()
  }

  stopQueuePolling(): void {
    clearInterval(this.queueTimer)
    this.queueTimer = undefined
  }

  /** Compares every queue's counts with the last look; announces the queues that changed. */
  checkQueues(): void {
    const changed = this.changedQueues()
    if (changed.length > 0) this.announce(changed)
  }

  private changedQueues(): string[] {
    const queues = this.queues
    if (queues === undefined) return []
    let views: QueueView[]
    try {
      views = queues.list()
    } catch {
      return [] // a database mid-creation; the next tick looks again
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
    const all = new Set([...names, ...this.changedQueues()])
    this.announce([...all])
  }
}
