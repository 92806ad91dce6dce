// The queue inspector over the open deployment's queue database, mapped to bridge views. The
// database is opened lazily (it exists only once a guest has used the queue plugin) on a
// connection of its own, so the inspector never blocks the guests for long (WAL).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type {
  DecodedPayload,
  JsonValue,
  MessageStateName,
  QueueMessageView,
  QueueView,
} from '../../shared/bridge/contract'
import type { DeployConfig } from '../../shared/deploy-config/types'
import { formatId, parseId } from '../../shared/id'
import { InspectorError, QueueInspector } from '../plugins/queue/inspector'
import type { DecodedAny, InspectedMessage } from '../plugins/queue/inspector'
import { DEFAULT_QUEUE_FILE, parseQueueSettings } from '../plugins/queue/plugin'
import { StudioError } from './errors'

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

function payload(any: DecodedAny): DecodedPayload {
  return {
    typeUrl: any.typeUrl,
    typeName: any.typeName,
    ...(any.json !== undefined ? { json: any.json as JsonValue } : {}),
    ...(any.hex !== undefined ? { hex: any.hex } : {}),
    ...(any.problem !== undefined ? { problem: any.problem } : {}),
  }
}

function messageView(m: InspectedMessage): QueueMessageView {
  return {
    seq: m.seq,
    msgId: formatId(m.msgId),
    state: m.state,
    receiveCount: m.receiveCount,
    sentMs: m.sentMs,
    visibleAtMs: m.visibleAtMs,
    ...(m.lastReceivedMs !== undefined ? { lastReceivedMs: m.lastReceivedMs } : {}),
    ...(m.doneMs !== undefined ? { doneMs: m.doneMs } : {}),
    ...(m.deadMs !== undefined ? { deadMs: m.deadMs } : {}),
    ...(m.sender !== undefined ? { sender: payload(m.sender) } : {}),
    payload: payload(m.payload),
  }
}

export class QueueAccess {
  private inspector: QueueInspector | undefined

  /** `onChange` hears the queues an inspector action changed. */
  constructor(
    readonly path: string,
    private readonly onChange: (queues: string[]) => void,
  ) {}

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
    return this.guard(() => this.require().peek(queue, options).map(messageView))
  }

  search(queue: string, text: string, limit?: number): QueueMessageView[] {
    return this.guard(() => this.require().search(queue, text, limit).map(messageView))
  }

  delete(msgId: string): boolean {
    const id = parseId('queueMsg', msgId)
    if (!id.ok) throw new StudioError('invalid-params', `params.msgId: ${id.error}`, 'params.msgId')
    return this.guard(() => this.require().deleteMessage(id.id))
  }

  purge(queue: string, state?: 'done' | 'dead'): number {
    return this.guard(() => this.require().purge(queue, state))
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
    this.inspector = QueueInspector.open(this.path, {
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
