// The Studio's queue inspector over the JetStream backend (docs/queue.md, "Inspecting JetStream
// queues"): the same views and actions as QueueInspector over SQLite, async, on a NATS
// connection of its own. Messages are read with the stream API's message get (`next_by_subj`):
// a work-queue stream refuses any consumer beside the deployment's own `parigot` one, and a get
// neither delivers nor changes anything, so peeking has no side effect, as with SQLite.
import {
  jetstream,
  JetStreamApiError,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream'
import { headers, type NatsConnection } from '@nats-io/transport-node'
import type { Registry } from '@bufbuild/protobuf'
import { connectCluster } from '../../../cluster/connection'
import type { ClusterConfig } from '../../../../shared/deploy-config/types'
import type { QueueId, QueueMsgId } from '../../../../shared/id'
import { decodeAny, InspectorError, searchText } from '../inspector'
import type {
  InspectedMessage,
  InspectorEvent,
  InspectorPeekOptions,
  MessageStateName,
  QueueSummary,
} from '../inspector'
import { JetStreamInspectorError } from './inspector-error'
import {
  ackPendingCount,
  classifyNatsError,
  deliveredSeq,
  messageCount,
  scan,
  STREAM_NOT_FOUND,
} from './stream-reads'
import {
  deadStreamName,
  messageId,
  nameToken,
  PAYLOAD_TYPE,
  QUEUE_SEQ,
  queueIdOfDescription,
  queueNameOfDescription,
  queueSubject,
  SENDER,
  SENDER_TYPE,
  sequenceOf,
  streamName,
} from './names'

/** Dead letters looked at per peek or delete: their order is not the queue's (see peek). */
export const MAX_DEAD_SCAN = 1000
/** Messages moved or deleted one by one per redrive or ready-purge call. */
export const MAX_MOVES_PER_CALL = 10_000

export interface JetStreamInspectorOptions {
  readonly registry?: Registry
  readonly onEvent?: (event: InspectorEvent) => void
  /** Bound on the connection and on each JetStream API call; default 5000 ms. */
  readonly timeoutMs?: number
}

interface Queue {
  readonly name: string
  readonly id: QueueId
  readonly stream: string
  readonly createdMs: number
}

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export class JetStreamInspector {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly cluster: ClusterConfig,
    private readonly deployment: string,
    private readonly options: JetStreamInspectorOptions,
  ) {}

  /** Connects with the `[cluster]` settings (credentials, TLS) of the deployment. */
  static async connect(
    cluster: ClusterConfig,
    deployment: string,
    options: JetStreamInspectorOptions = {},
  ): Promise<JetStreamInspector> {
    const timeoutMs = options.timeoutMs ?? 5000
    let nc: NatsConnection
    try {
      nc = await connectCluster(cluster, {
        name: `parigot ${deployment}/studio-queues`,
        timeoutMs,
      })
    } catch (err) {
      throw new JetStreamInspectorError('server-gone', why(err))
    }
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs, checkAPI: false })
    const js = jetstream(nc, { timeout: timeoutMs })
    return new JetStreamInspector(nc, js, jsm, cluster, deployment, options)
  }

  /** Every queue of the deployment with its counts (JetStream keeps no done messages). */
  async listQueues(): Promise<QueueSummary[]> {
    return this.named('list the queues', undefined, async () => {
      const prefix = `PQ_${nameToken(this.deployment)}_`
      const out: QueueSummary[] = []
      // The server lists only the streams of this deployment's queue subjects (not every stream
      // of the account), then the name and description say which are queues.
      for await (const si of this.jsm.streams.list(`parigot.${this.deployment}.queue.>`)) {
        if (!si.config.name.startsWith(prefix)) continue
        const name = queueNameOfDescription(si.config.description)
        const id = queueIdOfDescription(si.config.description)
        if (name === undefined || id === undefined) continue
        const inFlight = await ackPendingCount(this.jsm, si.config.name)
        const dead = await messageCount(this.jsm, deadStreamName(this.deployment, name))
        out.push({
          id,
          name,
          createdMs: Date.parse(si.created),
          ready: Math.max(0, si.state.messages - inFlight),
          inFlight,
          done: 0,
          dead,
        })
      }
      return out.sort((a, b) => a.name.localeCompare(b.name))
    })
  }

  /**
   * Messages in stream order, without delivering any. A message the consumer has delivered and
   * that is still in the stream is `in-flight` (awaiting its ack, or its redelivery once its
   * visibility timeout passed: JetStream does not say which). Dead letters are in the order
   * they died, so the first MAX_DEAD_SCAN of them are read and placed by their queue sequence.
   */
  async peek(queueName: string, options: InspectorPeekOptions = {}): Promise<InspectedMessage[]> {
    const queue = await this.queue(queueName)
    return this.named('peek', queue, async () => {
      const wanted = new Set<MessageStateName>(options.states ?? ['ready', 'in-flight', 'dead'])
      const limit = options.limit ?? 100
      const afterSeq = options.afterSeq ?? 0
      const out: InspectedMessage[] = []
      if (wanted.has('ready') || wanted.has('in-flight')) {
        const delivered = await deliveredSeq(this.jsm, queue.stream)
        let from = afterSeq + 1
        if (!wanted.has('in-flight')) from = Math.max(from, delivered + 1)
        for await (const m of scan(
          this.jsm,
          queue.stream,
          queueSubject(this.deployment, queue.id),
          from,
        )) {
          const state = m.seq <= delivered ? 'in-flight' : 'ready'
          if (state === 'ready' && !wanted.has('ready')) break
          if (wanted.has(state)) out.push(this.view(queue, m, state))
          if (out.length >= limit) break
        }
      }
      if (wanted.has('dead')) {
        for (const d of await this.deadLetters(queue)) if (d.seq > afterSeq) out.push(d)
      }
      return out.sort((a, b) => a.seq - b.seq).slice(0, limit)
    })
  }

  /** Messages (ready, in flight or dead) whose id, type or decoded text matches `text`. */
  async searchWithin(
    queueName: string,
    text: string | ((candidate: string) => boolean),
    limit = 100,
    budgetMs = Infinity,
  ): Promise<{ messages: InspectedMessage[]; incomplete: boolean }> {
    const queue = await this.queue(queueName)
    return this.named('search', queue, async () => {
      const deadline = performance.now() + budgetMs
      const needle = typeof text === 'string' ? text.toLowerCase() : ''
      const matches =
        typeof text === 'string'
          ? (candidate: string): boolean => candidate.toLowerCase().includes(needle)
          : text
      const messages: InspectedMessage[] = []
      const delivered = await deliveredSeq(this.jsm, queue.stream)
      const subject = queueSubject(this.deployment, queue.id)
      for await (const m of scan(this.jsm, queue.stream, subject, 1)) {
        const view = this.view(queue, m, m.seq <= delivered ? 'in-flight' : 'ready')
        if (matches(searchText(view))) messages.push(view)
        if (messages.length >= limit) return { messages, incomplete: false }
        if (performance.now() > deadline) return { messages, incomplete: true }
      }
      for (const d of await this.deadLetters(queue)) {
        if (matches(searchText(d))) messages.push(d)
        if (messages.length >= limit) break
      }
      return { messages, incomplete: false }
    })
  }

  /** Deletes one message, ready, in flight or dead; false if the queue holds none of that id. */
  async deleteMessage(queueName: string, msgId: QueueMsgId): Promise<boolean> {
    const queue = await this.queue(queueName)
    const seq = sequenceOf(queue.id, msgId)
    if (seq === undefined) return false
    const deleted = await this.named('delete a message', queue, async () => {
      const m = await this.jsm.streams.getMessage(queue.stream, { seq })
      if (m !== null) return this.jsm.streams.deleteMessage(queue.stream, seq, false)
      const dead = deadStreamName(this.deployment, queue.name)
      for await (const d of scan(this.jsm, dead, undefined, 1, MAX_DEAD_SCAN)) {
        if (Number(d.header?.get(QUEUE_SEQ)) === seq)
          return this.jsm.streams.deleteMessage(dead, d.seq, false)
      }
      return false
    })
    if (deleted) this.emit({ kind: 'message-deleted', queue: queue.name, queueId: queue.id, msgId })
    return deleted
  }

  /**
   * Deletes every message of the queue (its stream and its dead letters), or only the dead or
   * ready ones (ready: not delivered, so messages in flight stay with their consumer). JetStream
   * keeps no done messages: purging them removes none.
   */
  async purge(queueName: string, state?: Exclude<MessageStateName, 'in-flight'>): Promise<number> {
    const queue = await this.queue(queueName)
    const removed = await this.named('purge', queue, async () => {
      const dead = deadStreamName(this.deployment, queue.name)
      if (state === 'done') return 0
      if (state === 'dead') return (await this.jsm.streams.purge(dead)).purged
      if (state === 'ready') {
        const delivered = await deliveredSeq(this.jsm, queue.stream)
        let n = 0
        const subject = queueSubject(this.deployment, queue.id)
        for await (const m of scan(
          this.jsm,
          queue.stream,
          subject,
          delivered + 1,
          MAX_MOVES_PER_CALL,
        ))
          if (await this.jsm.streams.deleteMessage(queue.stream, m.seq, false)) n++
        return n
      }
      const live = (await this.jsm.streams.purge(queue.stream)).purged
      return live + (await this.jsm.streams.purge(dead)).purged
    })
    this.emit({ kind: 'queue-purged', queue: queue.name, queueId: queue.id, state, removed })
    return removed
  }

  /** Publishes one message (already encoded) on the queue; answers its id. */
  async send(
    queueName: string,
    payload: { typeUrl: string; value: Uint8Array },
  ): Promise<QueueMsgId> {
    const queue = await this.queue(queueName)
    const msgId = await this.named('send', queue, async () => {
      const h = headers()
      h.set(PAYLOAD_TYPE, payload.typeUrl)
      const ack = await this.publish(queue, payload.value, h)
      return messageId(queue.id, ack)
    })
    this.emit({ kind: 'message-sent', queue: queue.name, queueId: queue.id, msgId })
    return msgId
  }

  /**
   * Moves dead letters back into the queue (at most MAX_MOVES_PER_CALL per call): each is
   * published to the queue with its payload and sender, then deleted from the dead-letter
   * stream. A new message of the queue: new sequence, new id, receive count 0.
   */
  async redrive(queueName: string): Promise<number> {
    const queue = await this.queue(queueName)
    const moved = await this.named('redrive', queue, async () => {
      const dead = deadStreamName(this.deployment, queue.name)
      let n = 0
      for await (const d of scan(this.jsm, dead, undefined, 1, MAX_MOVES_PER_CALL)) {
        const h = headers()
        for (const key of [PAYLOAD_TYPE, SENDER_TYPE, SENDER]) {
          const value = d.header?.get(key)
          if (value) h.set(key, value)
        }
        // The duplicate window stores a redrive retried after a failure once.
        await this.publish(queue, d.data, h, `redrive-${dead}-${d.seq}`)
        await this.jsm.streams.deleteMessage(dead, d.seq, false)
        n++
      }
      return n
    })
    this.emit({ kind: 'dead-letters-redriven', queue: queue.name, queueId: queue.id, moved })
    return moved
  }

  /** The connection gave up (the client stops reconnecting after its attempts): open anew. */
  get closed(): boolean {
    return this.nc.isClosed()
  }

  async close(): Promise<void> {
    await this.nc.close()
  }

  private emit(event: InspectorEvent): void {
    this.options.onEvent?.(event)
  }

  private async publish(
    queue: Queue,
    data: Uint8Array,
    h: ReturnType<typeof headers>,
    msgID?: string,
  ): Promise<number> {
    const ack = await this.js.publish(queueSubject(this.deployment, queue.id), data, {
      headers: h,
      expect: { streamName: queue.stream },
      ...(msgID !== undefined ? { msgID } : {}),
    })
    return ack.seq
  }

  /** The queue named `name`; InspectorError (not-found) when there is none. */
  private async queue(name: string): Promise<Queue> {
    const stream = streamName(this.deployment, name)
    return this.named('find the queue', undefined, async () => {
      try {
        const si = await this.jsm.streams.info(stream)
        const id = queueIdOfDescription(si.config.description)
        if (id !== undefined) return { name, id, stream, createdMs: Date.parse(si.created) }
      } catch (err) {
        if (!(err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND)) throw err
      }
      throw new InspectorError(`queue inspector: no queue named ${JSON.stringify(name)}`)
    })
  }

  /** The first MAX_DEAD_SCAN dead letters, each under the id and sequence it had in the queue. */
  private async deadLetters(queue: Queue): Promise<InspectedMessage[]> {
    const out: InspectedMessage[] = []
    const dead = deadStreamName(this.deployment, queue.name)
    for await (const d of scan(this.jsm, dead, undefined, 1, MAX_DEAD_SCAN)) {
      const seq = Number(d.header?.get(QUEUE_SEQ))
      if (Number.isSafeInteger(seq) && seq > 0) out.push(this.view(queue, d, 'dead', seq))
    }
    return out
  }

  private view(
    queue: Queue,
    m: StoredMsg,
    state: MessageStateName,
    queueSeq = m.seq,
  ): InspectedMessage {
    const h = m.header
    const senderType = h?.get(SENDER_TYPE) ?? ''
    const timeMs = m.time.getTime()
    const decode = (typeUrl: string, value: Uint8Array) =>
      decodeAny({ typeUrl, value }, this.options.registry)
    return {
      seq: queueSeq,
      msgId: messageId(queue.id, queueSeq),
      state,
      // JetStream keeps a delivery count per delivery only, not per stored message.
      receiveCount: state === 'ready' ? 0 : 1,
      lastReceivedMs: undefined,
      sentMs: timeMs,
      visibleAtMs: 0,
      doneMs: undefined,
      deadMs: state === 'dead' ? timeMs : undefined,
      sender:
        senderType === ''
          ? undefined
          : decode(senderType, Buffer.from(h?.get(SENDER) ?? '', 'base64')),
      payload: decode(h?.get(PAYLOAD_TYPE) ?? '', m.data),
    }
  }

  /** Runs one action; a NATS failure becomes a JetStreamInspectorError naming it. */
  private async named<T>(
    action: string,
    queue: Queue | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (err instanceof InspectorError || err instanceof JetStreamInspectorError) throw err
      const where =
        `${action}${queue ? ` on queue ${JSON.stringify(queue.name)} (stream ${queue.stream})` : ''}` +
        ` of deployment ${this.deployment}, NATS server ${this.cluster.nats}`
      throw classifyNatsError(err, where)
    }
  }
}
