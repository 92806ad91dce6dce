// The queue inspector over the open deployment's queue database, mapped to bridge views. The
// database is opened lazily (it exists only once a guest has used the queue plugin) on a
// connection of its own, so the inspector never blocks the guests for long (WAL). Payloads are
// decoded with the deployment's descriptor sets (`deployment.descriptors`), hex otherwise.
import { fromJson, toBinary } from '@bufbuild/protobuf'
import type { Registry } from '@bufbuild/protobuf'
import { existsSync, statSync } from 'node:fs'
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
import {
  DEFAULT_QUEUE_FILE,
  InspectorError,
  parseQueueSettings,
  QueueInspector,
} from '../plugins/queue/api'
import type { DecodedAny, InspectedMessage } from '../plugins/queue/api'
import { describeDescriptorProblem, loadDescriptorSets } from '../runner/descriptor-sets'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'
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

/**
 * Why the Studio cannot inspect the deployment's queues, when its queue plugin keeps them in
 * JetStream (`backend = "jetstream"`) rather than in a SQLite file; undefined otherwise.
 */
export function queuesElsewhere(config: DeployConfig): string | undefined {
  for (const service of config.services) {
    for (const plugin of service.plugins) {
      if (!('builtin' in plugin) || plugin.builtin !== 'queue') continue
      const parsed = parseQueueSettings(plugin.settings, config.dataDir)
      if (!parsed.ok || parsed.settings.backend !== 'jetstream') return undefined
      const server = config.cluster?.nats ?? 'the [cluster] NATS server'
      return (
        `deployment ${config.name} keeps its queues in JetStream on ${server} ` +
        `(stream PQ_${config.name}_<queue> per queue, dead letters in PQD_${config.name}_<queue>); ` +
        `the Studio inspects SQLite queue files only: look at them with the nats CLI, e.g. ` +
        `\`nats stream ls\` and \`nats stream view PQ_${config.name}_<queue>\``
      )
    }
  }
  return undefined
}

/**
 * Why a type is missing from the registry, beyond "not registered": the descriptor sets that
 * could not be read (the type may well be in one of them), or that none are configured.
 */
function registryNote(files: readonly string[], problems: readonly DescriptorProblem[]): string {
  if (problems.length > 0) return problems.map(describeDescriptorProblem).join('; ')
  if (files.length === 0) return 'no `descriptors` in the deploy config'
  return ''
}

function payload(any: DecodedAny, registry: Registry | undefined, note: string): DecodedPayload {
  const unregistered = any.json === undefined && registry?.getMessage(any.typeName) === undefined
  const problem =
    any.problem !== undefined && unregistered && note !== ''
      ? `${any.problem} (${note})`
      : any.problem
  return {
    typeUrl: any.typeUrl,
    typeName: any.typeName,
    ...(any.json !== undefined ? { json: any.json as JsonValue } : {}),
    ...(any.hex !== undefined ? { hex: any.hex } : {}),
    ...(problem !== undefined ? { problem } : {}),
  }
}

function messageView(
  m: InspectedMessage,
  registry: Registry | undefined,
  note: string,
): QueueMessageView {
  const decoded = (any: DecodedAny): DecodedPayload => payload(any, registry, note)
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
    ...(m.sender !== undefined ? { sender: decoded(m.sender) } : {}),
    payload: decoded(m.payload),
  }
}

/** What identifies one state of the descriptor files: their paths, sizes and change times. */
function descriptorStamp(files: readonly string[]): string {
  return JSON.stringify(
    files.map((file) => {
      try {
        const info = statSync(file)
        return [file, info.size, info.mtimeMs]
      } catch {
        return [file] // missing: loading reports it
      }
    }),
  )
}

export class QueueAccess {
  private inspector: QueueInspector | undefined
  private descriptorStampSeen: string | undefined
  private registry: Registry | undefined
  private missingTypeNote = registryNote([], [])
  private descriptorProblems: readonly DescriptorProblem[] = []

  /** `onChange` hears the queues an inspector action changed. */
  /** `elsewhere`: why this deployment's queues are not in a file the Studio can open. */
  constructor(
    readonly path: string,
    private readonly onChange: (queues: string[]) => void,
    readonly elsewhere?: string,
  ) {}

  /**
   * Decodes payloads with the message types of `files` (the deployment's descriptor sets), read
   * again whenever the list or a file changed (e.g. after a rebuild). Returns the files that
   * cannot be used, each with its problem.
   */
  useDescriptors(files: readonly string[]): readonly DescriptorProblem[] {
    const stamp = descriptorStamp(files)
    if (stamp === this.descriptorStampSeen) return this.descriptorProblems
    const loaded = loadDescriptorSets(files)
    this.descriptorStampSeen = stamp
    this.registry = loaded.registry
    this.missingTypeNote = registryNote(files, loaded.problems)
    this.descriptorProblems = loaded.problems
    // The inspector decodes with the registry it was opened with: reopen it with the new one.
    this.close()
    return loaded.problems
  }

  list(): QueueView[] {
    // Not an empty list: the queues exist, in JetStream, and the user is told where.
    if (this.elsewhere !== undefined) throw new StudioError('conflict', this.elsewhere)
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
        .map((m) => this.view(m)),
    )
  }

  search(queue: string, match: string | TextMatcher, limit?: number): QueueMessageView[] {
    return this.guard(() =>
      this.require()
        .search(queue, match, limit)
        .map((m) => this.view(m)),
    )
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
        messages: found.messages.map((m) => this.view(m)),
        ...(found.incomplete ? { incomplete: true as const } : {}),
      }
    })
  }

  delete(msgId: string): boolean {
    const id = parseId('queueMsg', msgId)
    if (!id.ok) throw new StudioError('invalid-params', `params.msgId: ${id.error}`, 'params.msgId')
    return this.guard(() => this.require().deleteMessage(id.id))
  }

  purge(queue: string, state?: 'done' | 'dead' | 'ready'): number {
    return this.guard(() => this.require().purge(queue, state))
  }

  /**
   * Encodes `payload` (JSON text) as `typeName` with the deployment's descriptors and puts it
   * on `queue`. A payload that does not fit the type is refused with protobuf's own words.
   */
  send(queue: string, typeName: string, payload: string): string {
    const desc = this.registry?.getMessage(typeName)
    if (desc === undefined)
      throw new StudioError(
        'invalid-params',
        `params.typeName: ${typeName} is not a message type of the deployment's descriptors` +
          (this.missingTypeNote !== '' ? ` (${this.missingTypeNote})` : ''),
        'params.typeName',
      )
    let json: unknown
    try {
      json = JSON.parse(payload)
    } catch (err) {
      throw new StudioError(
        'invalid-params',
        `params.payload: not JSON (${err instanceof Error ? err.message : String(err)})`,
        'params.payload',
      )
    }
    let value: Uint8Array
    try {
      const message = fromJson(desc, json as JsonValue, { registry: this.registry })
      value = toBinary(desc, message)
    } catch (err) {
      throw new StudioError(
        'invalid-params',
        `params.payload: not a valid ${typeName}: ${err instanceof Error ? err.message : String(err)}`,
        'params.payload',
      )
    }
    const typeUrl = `type.googleapis.com/${typeName}`
    return this.guard(() => formatId(this.require().send(queue, { typeUrl, value })))
  }

  /** Message types the descriptor sets define, sorted (what `send` accepts). */
  types(): string[] {
    const registry = this.registry
    if (registry === undefined) return []
    const names: string[] = []
    for (const type of registry) if (type.kind === 'message') names.push(type.typeName)
    return names.sort()
  }

  redrive(queue: string): number {
    return this.guard(() => this.require().redrive(queue))
  }

  close(): void {
    this.inspector?.close()
    this.inspector = undefined
  }

  private view(m: InspectedMessage): QueueMessageView {
    return messageView(m, this.registry, this.missingTypeNote)
  }

  private require(): QueueInspector {
    if (this.elsewhere !== undefined) throw new StudioError('conflict', this.elsewhere)
    const inspector = this.open()
    if (inspector === undefined)
      throw new StudioError('not-found', `no queue database yet (${this.path})`)
    return inspector
  }

  private open(): QueueInspector | undefined {
    if (this.inspector) return this.inspector
    if (!existsSync(this.path)) return undefined
    this.inspector = QueueInspector.open(this.path, {
      ...(this.registry !== undefined ? { registry: this.registry } : {}),
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
