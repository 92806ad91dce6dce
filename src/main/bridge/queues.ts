// The queue inspector over the open deployment's SQLite queue database, mapped to bridge views.
// The database is opened lazily (it exists only once a guest has used the queue plugin) on a
// connection of its own, so the inspector never blocks the guests for long (WAL). Payloads are
// decoded with the deployment's descriptor sets (queue-payloads.ts). Queues kept in JetStream
// are inspected by jetstream-queues.ts instead.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { MessageStateName, QueueMessageView, QueueView } from '../../shared/bridge/contract'
import type { ClusterConfig, DeployConfig } from '../../shared/deploy-config/types'
import { formatId, parseId } from '../../shared/id'
import type { QueueMsgId } from '../../shared/id'
import {
  DEFAULT_QUEUE_FILE,
  InspectorError,
  parseQueueSettings,
  QueueInspector,
} from '../plugins/queue/api'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
import { PayloadTypes } from './queue-payloads'
import type { TextMatcher } from './user-pattern'

/** Where the deployment's queue plugin keeps its database (its `file` setting, if any). */
export function queueDatabasePath(config: DeployConfig): string {
  for (const service of config.services) {
    for (const plugin of service.plugins) {
      if (!('builtin' in plugin) || plugin.builtin !== 'queue') continue
      const parsed = parseQueueSettings(plugin.settings, config.dataDir)
      if (parsed.ok) return parsed.path
    }
  }
  return join(config.dataDir, DEFAULT_QUEUE_FILE)
}

/** Where a deployment keeps its queues in JetStream: its `[cluster]` server and its name. */
export interface JetStreamTarget {
  readonly cluster: ClusterConfig
  readonly deployment: string
}

/**
 * The JetStream server of the deployment's queues, when its queue plugin keeps them there
 * (`backend = "jetstream"`); undefined for SQLite. A jetstream backend without `[cluster]` (which
 * `parigot validate` refuses) is a StudioError naming the key.
 */
export function jetstreamQueuesOf(config: DeployConfig): JetStreamTarget | undefined {
  for (const service of config.services) {
    for (const plugin of service.plugins) {
      if (!('builtin' in plugin) || plugin.builtin !== 'queue') continue
      const parsed = parseQueueSettings(plugin.settings, config.dataDir)
      if (!parsed.ok || parsed.settings.backend !== 'jetstream') return undefined
      if (config.cluster === undefined)
        throw new StudioError(
          'conflict',
          `deployment ${config.name}: plugins.queue.backend = "jetstream" needs a [cluster] table`,
        )
      return { cluster: config.cluster, deployment: config.name }
    }
  }
  return undefined
}

export class QueueAccess {
  private inspector: QueueInspector | undefined
  private readonly payloads = new PayloadTypes()

  /** `onChange` hears the queues an inspector action changed. */
  constructor(
    readonly path: string,
    private readonly onChange: (queues: string[]) => void,
  ) {}

  /**
   * Decodes payloads with the message types of `files` (the deployment's descriptor sets), read
   * again whenever the list or a file changed (e.g. after a rebuild). Returns the files that
   * cannot be used, each with its problem.
   */
  useDescriptors(files: readonly string[]): readonly DescriptorProblem[] {
    const { problems, changed } = this.payloads.use(files)
    // The inspector decodes with the registry it was opened with: reopen it with the new one.
    if (changed) this.close()
    return problems
  }

  list(): QueueView[] {
    const inspector = this.open()
    if (inspector === undefined) return []
    return inspector.listQueues().map((q) => ({
      name: q.name,
      id: formatId(q.id),
      createdMs: q.createdMs,
      ready: q.ready,
      inFlight: q.inFlight,
      done: q.done,
      dead: q.dead,
    }))
  }

  peek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): QueueMessageView[] {
    return this.guard(() =>
      this.require()
        .peek(queue, options)
        .map((m) => this.payloads.view(m)),
    )
  }

  search(queue: string, match: string | TextMatcher, limit?: number): QueueMessageView[] {
    return this.searchWithin(queue, match, limit).messages
  }

  /** Like search, stopping after `budgetMs` of scanning; `incomplete` says it did. */
  searchWithin(
    queue: string,
    match: string | TextMatcher,
    limit?: number,
    budgetMs = Infinity,
  ): { messages: QueueMessageView[]; incomplete?: true } {
    return this.guard(() => {
      const found = this.require().searchWithin(queue, match, limit, budgetMs)
      return {
        messages: found.messages.map((m) => this.payloads.view(m)),
        ...(found.incomplete ? { incomplete: true as const } : {}),
      }
    })
  }

  delete(_queue: string, msgId: string): boolean {
    const id = parseMsgId(msgId)
    return this.guard(() => this.require().deleteMessage(id))
  }

  purge(queue: string, state?: 'done' | 'dead' | 'ready'): number {
    return this.guard(() => this.require().purge(queue, state))
  }

  /** Encodes `payload` (JSON of `typeName`) and puts it on `queue`; answers its id. */
  send(queue: string, typeName: string, payload: string): string {
    const any = this.payloads.encode(typeName, payload)
    return this.guard(() => formatId(this.require().send(queue, any)))
  }

  /** Message types the descriptor sets define, sorted (what `send` accepts). */
  types(): string[] {
    return this.payloads.types()
  }

  redrive(queue: string): number {
    return this.guard(() => this.require().redrive(queue))
  }

  close(): void {
    this.inspector?.close()
    this.inspector = undefined
  }

  private require(): QueueInspector {
    const inspector = this.open()
    if (inspector === undefined)
      throw new StudioError('not-found', `no queue database yet (${this.path})`)
    return inspector
  }

  private open(): QueueInspector | undefined {
    if (this.inspector) return this.inspector
    if (!existsSync(this.path)) return undefined
    const registry = this.payloads.registry
    this.inspector = QueueInspector.open(this.path, {
      ...(registry !== undefined ? { registry } : {}),
      onEvent: (event) => this.onChange([event.queue]),
    })
    return this.inspector
  }

  private guard<T>(action: () => T): T {
    try {
      return action()
    } catch (err) {
      if (err instanceof InspectorError) throw new StudioError('not-found', err.message)
      throw err
    }
  }
}

/** A message id from the bridge; invalid-params naming the field when it is not one. */
export function parseMsgId(msgId: string): QueueMsgId {
  const id = parseId('queueMsg', msgId)
  if (!id.ok) throw new StudioError('invalid-params', `params.msgId: ${id.error}`, 'params.msgId')
  return id.id
}
