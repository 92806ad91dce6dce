// The deployment's message types for the queue inspector (SQLite or JetStream): payloads decoded
// for the views, JSON encoded for queue.send, both with the descriptor sets the deploy config
// names (`deployment.descriptors`), read again whenever they change.
import { fromJson, toBinary } from '@bufbuild/protobuf'
import type { Registry } from '@bufbuild/protobuf'
import { statSync } from 'node:fs'
import type { DecodedPayload, JsonValue, QueueMessageView } from '../../shared/bridge/contract'
import { formatId } from '../../shared/id'
import type { DecodedAny, InspectedMessage } from '../plugins/queue/api'
import { describeDescriptorProblem, loadDescriptorSets } from '../runner/descriptor-sets'
import type { DescriptorProblem } from '../runner/descriptor-sets'
import { StudioError } from './errors'

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

export class PayloadTypes {
  private stampSeen: string | undefined
  private loaded: Registry | undefined
  private missingTypeNote = registryNote([], [])
  private problems: readonly DescriptorProblem[] = []

  get registry(): Registry | undefined {
    return this.loaded
  }

  /**
   * Reads `files` (the deployment's descriptor sets) again if the list or a file changed; answers
   * the files that cannot be used, each with its problem, and whether anything was re-read.
   */
  use(files: readonly string[]): { problems: readonly DescriptorProblem[]; changed: boolean } {
    const stamp = descriptorStamp(files)
    if (stamp === this.stampSeen) return { problems: this.problems, changed: false }
    const loaded = loadDescriptorSets(files)
    this.stampSeen = stamp
    this.loaded = loaded.registry
    this.missingTypeNote = registryNote(files, loaded.problems)
    this.problems = loaded.problems
    return { problems: loaded.problems, changed: true }
  }

  view(m: InspectedMessage): QueueMessageView {
    return messageView(m, this.loaded, this.missingTypeNote)
  }

  /**
   * Encodes `payload` (JSON text) as `typeName`; a payload that does not fit the type is refused
   * with protobuf's own words.
   */
  encode(typeName: string, payload: string): { typeUrl: string; value: Uint8Array } {
    const desc = this.loaded?.getMessage(typeName)
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
      const message = fromJson(desc, json as JsonValue, { registry: this.loaded })
      value = toBinary(desc, message)
    } catch (err) {
      throw new StudioError(
        'invalid-params',
        `params.payload: not a valid ${typeName}: ${err instanceof Error ? err.message : String(err)}`,
        'params.payload',
      )
    }
    return { typeUrl: `type.googleapis.com/${typeName}`, value }
  }

  /** Message types the descriptor sets define, sorted (what `send` accepts). */
  types(): string[] {
    const registry = this.loaded
    if (registry === undefined) return []
    const names: string[] = []
    for (const type of registry) if (type.kind === 'message') names.push(type.typeName)
    return names.sort()
  }
}
