// The queue inspector over a deployment whose queues live in JetStream (`backend = "jetstream"`,
// or a Studio attached to a cluster): the same bridge views and actions as queues.ts over SQLite,
// through the queue plugin's JetStream inspector (plugins/queue/api.ts). The NATS connection is
// opened on first use and kept; a failed one is tried again at the next call.
import type { MessageStateName, QueueMessageView, QueueView } from '../../shared/bridge/contract'
import { formatId } from '../../shared/id'
import {
  InspectorError,
  JetStreamInspectorError,
  openJetStreamInspector,
} from '../plugins/queue/api'
import type { JetStreamInspector } from '../plugins/queue/api'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
import { PayloadTypes } from './queue-payloads'
import { parseMsgId, type JetStreamTarget } from './queues'
import type { TextMatcher } from './user-pattern'

const STUDIO_CODE = {
  'stream-missing': 'not-found',
  'no-permission': 'forbidden',
  'server-gone': 'io',
  refused: 'conflict',
} as const

export class JetStreamQueueAccess {
  private inspector: Promise<JetStreamInspector> | undefined
  private readonly payloads = new PayloadTypes()

  /** `onChange` hears the queues an inspector action changed. */
  constructor(
    readonly target: JetStreamTarget,
    private readonly onChange: (queues: string[]) => void,
    private readonly timeoutMs = 5000,
  ) {}

  /** Where the queues are, for the Studio's words (`nats://… deployment D`). */
  get where(): string {
    return `${this.target.cluster.nats} deployment ${this.target.deployment}`
  }

  useDescriptors(files: readonly string[]): readonly DescriptorProblem[] {
    const { problems, changed } = this.payloads.use(files)
    // The inspector decodes with the registry it was opened with: reopen it with the new one.
    if (changed) void this.close()
    return problems
  }

  async list(): Promise<QueueView[]> {
    const queues = await this.guard((i) => i.listQueues())
    return queues.map((q) => ({
      name: q.name,
      id: formatId(q.id),
      createdMs: q.createdMs,
      ready: q.ready,
      inFlight: q.inFlight,
      done: q.done,
      dead: q.dead,
      doneNotKept: true as const,
    }))
  }

  async peek(
    queue: string,
    options: { states?: readonly MessageStateName[]; afterSeq?: number; limit?: number },
  ): Promise<QueueMessageView[]> {
    const found = await this.guard((i) => i.peek(queue, options))
    return found.map((m) => this.payloads.view(m))
  }

  async searchWithin(
    queue: string,
    match: string | TextMatcher,
    limit?: number,
    budgetMs = Infinity,
  ): Promise<{ messages: QueueMessageView[]; incomplete?: true }> {
    const found = await this.guard((i) => i.searchWithin(queue, match, limit, budgetMs))
    return {
      messages: found.messages.map((m) => this.payloads.view(m)),
      ...(found.incomplete ? { incomplete: true as const } : {}),
    }
  }

  async delete(queue: string, msgId: string): Promise<boolean> {
    const id = parseMsgId(msgId)
    return this.guard((i) => i.deleteMessage(queue, id))
  }

  async purge(queue: string, state?: 'done' | 'dead' | 'ready'): Promise<number> {
    return this.guard((i) => i.purge(queue, state))
  }

  async send(queue: string, typeName: string, payload: string): Promise<string> {
    const any = this.payloads.encode(typeName, payload)
    return formatId(await this.guard((i) => i.send(queue, any)))
  }

  types(): string[] {
    return this.payloads.types()
  }

  async redrive(queue: string): Promise<number> {
    return this.guard((i) => i.redrive(queue))
  }

  async close(): Promise<void> {
    const inspector = this.inspector
    this.inspector = undefined
    await (await inspector?.catch(() => undefined))?.close()
  }

  private open(): Promise<JetStreamInspector> {
    if (this.inspector === undefined) {
      const registry = this.payloads.registry
      const opening = openJetStreamInspector(this.target.cluster, this.target.deployment, {
        ...(registry !== undefined ? { registry } : {}),
        onEvent: (event) => this.onChange([event.queue]),
        timeoutMs: this.timeoutMs,
      })
      // A failed connection is tried again at the next call, not kept.
      opening.catch(() => {
        if (this.inspector === opening) this.inspector = undefined
      })
      this.inspector = opening
    }
    return this.inspector
  }

  private async guard<T>(action: (inspector: JetStreamInspector) => Promise<T>): Promise<T> {
    const opening = this.open()
    try {
      return await action(await opening)
    } catch (err) {
      // A connection the client gave up on is not kept: the next call connects again.
      const inspector = await opening.catch(() => undefined)
      if (inspector?.closed === true && this.inspector === opening) this.inspector = undefined
      if (err instanceof InspectorError) throw new StudioError('not-found', err.message)
      if (err instanceof JetStreamInspectorError)
        throw new StudioError(STUDIO_CODE[err.problem], `JetStream queues: ${err.message}`)
      throw err
    }
  }
}
