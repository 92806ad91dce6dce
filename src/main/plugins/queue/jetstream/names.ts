// How a queue of the JetStream backend maps onto JetStream (docs/queue.md, "The JetStream
// backend"): one work-queue stream per queue, named after the deployment and the queue, whose
// only subject carries the queue's id; message ids are the stream sequence under the queue's
// id bits. Pure functions, shared by the broker thread and the guest side.
import { fromRaw, HIGH_DATA_MASK } from '../../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../../shared/id'

const QUEUE_MSG_LETTER = fromRaw('queueMsg', { high: 0n, low: 1n }).high & ~HIGH_DATA_MASK

/** Message headers: the payload's and the sender's type URLs, the sender's bytes (base64). */
export const PAYLOAD_TYPE = 'Parigot-Payload-Type'
export const SENDER_TYPE = 'Parigot-Sender-Type'
export const SENDER = 'Parigot-Sender'
/** On a dead letter: the stream sequence it had in its queue (so its message id survives). */
export const QUEUE_SEQ = 'Parigot-Queue-Seq'

/** The durable pull consumer every host of the deployment shares for one queue. */
export const CONSUMER_NAME = 'parigot'

/**
 * A name token JetStream accepts (no '.', '*', '>', space), injective: letters, digits and '-'
 * stay, every other character becomes `_XX` (its code in hex), so `_` itself is escaped too.
 */
export function nameToken(name: string): string {
  return name.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

export function streamName(deployment: string, queue: string): string {
  return `PQ_${nameToken(deployment)}_${nameToken(queue)}`
}

export function deadStreamName(deployment: string, queue: string): string {
  return `PQD_${nameToken(deployment)}_${nameToken(queue)}`
}

/** The queue id as one subject token: `q` and the two halves in hex. */
export function idToken(id: QueueId): string {
  return `q${id.high.toString(16).padStart(16, '0')}${id.low.toString(16).padStart(16, '0')}`
}

/** The subject a queue's messages are published on; a re-created queue has another one. */
export function queueSubject(deployment: string, id: QueueId): string {
  return `parigot.${deployment}.queue.${idToken(id)}`
}

export function deadSubject(deployment: string, id: QueueId): string {
  return `parigot.${deployment}.queuedead.${idToken(id)}`
}

/** What the stream's description says: the queue's name and id (the server is 2.9: no metadata). */
export function describeQueue(name: string, id: QueueId): string {
  return `parigot queue ${JSON.stringify(name)} ${idToken(id)}`
}

/** The queue id a stream description names, or undefined if it is not one of ours. */
export function queueIdOfDescription(description: string | undefined): QueueId | undefined {
  const match = /^parigot queue ".*" q([0-9a-f]{16})([0-9a-f]{16})$/.exec(description ?? '')
  if (match === null) return undefined
  const raw = { high: BigInt(`0x${match[1] ?? ''}`), low: BigInt(`0x${match[2] ?? ''}`) }
  try {
    return fromRaw('queue', raw)
  } catch {
    return undefined
  }
}

/** The message id of stream sequence `seq` of queue `queue`: the queue's random bits, `seq` low. */
export function messageId(queue: QueueId, seq: number): QueueMsgId {
  return Object.freeze({
    kind: 'queueMsg' as const,
    high: QUEUE_MSG_LETTER | (queue.high & HIGH_DATA_MASK),
    low: BigInt(seq),
  })
}

/** The stream sequence a message id names, or undefined when the id is not of this queue. */
export function sequenceOf(queue: QueueId, msgId: QueueMsgId): number | undefined {
  if ((msgId.high & HIGH_DATA_MASK) !== (queue.high & HIGH_DATA_MASK)) return undefined
  if (msgId.low < 1n || msgId.low > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  return Number(msgId.low)
}

/** The queue's name a stream description gives (describeQueue), or undefined. */
export function queueNameOfDescription(description: string | undefined): string | undefined {
  const quoted = /^parigot queue (".*") q[0-9a-f]{32}$/.exec(description ?? '')?.[1]
  if (quoted === undefined) return undefined
  try {
    const name: unknown = JSON.parse(quoted)
    return typeof name === 'string' ? name : undefined
  } catch {
    return undefined
  }
}
