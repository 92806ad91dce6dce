// The queue operations on JetStream, run by the broker thread (docs/queue.md, "The JetStream
// backend"). Async: the broker's event loop serves the NATS client while guests wait for it.
import {
  AckPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream'
import { headers, nanos, type Msg, type NatsConnection } from '@nats-io/transport-node'
import { newId, formatId } from '../../../../shared/id'
import type { QueueId, QueueMsgId } from '../../../../shared/id'
import { QueueErr } from '../../../../shared/gen/parigot/queue/v1/queue_pb'
import { fail, MessageState, ok, queueNameProblem } from '../backend'
import type {
  AnyBytes,
  DoneThenReceived,
  OutgoingMessage,
  QueueInfo,
  StoreResult,
  StoredMessage,
} from '../backend'
import { InFlight, parseAckSubject, type Delivery } from './in-flight'
import { pullNow } from './pull'
import {
  CONSUMER_NAME,
  deadStreamName,
  deadSubject,
  describeQueue,
  messageId,
  PAYLOAD_TYPE,
  queueIdOfDescription,
  QUEUE_SEQ,
  queueSubject,
  SENDER,
  SENDER_TYPE,
  sequenceOf,
  streamName,
} from './names'
import type { BrokerQueueSettings } from './protocol'

const STREAM_NAME_IN_USE = 10058
const STREAM_NOT_FOUND = 10059
const NO_MESSAGE_FOUND = 10037
/** At most this many rounds of dead-lettering inside one receive before it answers. */
const MAX_RECEIVE_ROUNDS = 8

interface Resolved {
  readonly info: QueueInfo
  readonly stream: string
}

const apiCode = (err: unknown): number | undefined =>
  err instanceof JetStreamApiError ? err.code : undefined

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export class JetStreamQueues {
  /** Queue id (formatted) -> its stream; filled by create, locate and lookups by subject. */
  private readonly byId = new Map<string, Resolved>()
  private readonly inFlight = new InFlight()

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly deployment: string,
    private readonly settings: BrokerQueueSettings,
    private readonly apiTimeoutMs: number,
  ) {}

  async createQueue(name: string): Promise<StoreResult<QueueInfo>> {
    const problem = queueNameProblem(name)
    if (problem !== undefined) return fail(QueueErr.InvalidName, problem)
    const id = newId('queue')
    const stream = streamName(this.deployment, name)
    try {
      await this.jsm.streams.add({
        name: stream,
        subjects: [queueSubject(this.deployment, id)],
        description: describeQueue(name, id),
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      })
    } catch (err) {
      if (apiCode(err) === STREAM_NAME_IN_USE) {
        return fail(QueueErr.AlreadyExists, `queue ${JSON.stringify(name)} already exists`)
      }
      throw err
    }
    await this.jsm.consumers.add(stream, {
      durable_name: CONSUMER_NAME,
      ack_policy: AckPolicy.Explicit,
      // A received message comes back after the visibility timeout (0: the server's 30 s).
      ack_wait: nanos(this.settings.visibilityTimeoutMs),
      // Dead-lettering is done here (receive), so that it moves the message as SQLite does.
      max_deliver: -1,
      max_ack_pending: -1,
    })
    await this.jsm.streams.add({
      name: deadStreamName(this.deployment, name),
      subjects: [deadSubject(this.deployment, id)],
      description: describeQueue(name, id),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    })
    const info = { key: 0, id, name, createdMs: Date.now() }
    this.byId.set(formatId(id), { info, stream })
    return ok(info)
  }

  async locate(name: string): Promise<StoreResult<QueueInfo>> {
    const problem = queueNameProblem(name)
    if (problem !== undefined) return fail(QueueErr.InvalidName, problem)
    const stream = streamName(this.deployment, name)
    try {
      const si = await this.jsm.streams.info(stream)
      const id = queueIdOfDescription(si.config.description)
      if (id === undefined) {
        return fail(QueueErr.NotFound, `stream ${stream} is not a queue of this deployment`)
      }
      const info = { key: 0, id, name, createdMs: Date.parse(si.created) }
      this.byId.set(formatId(id), { info, stream })
      return ok(info)
    } catch (err) {
      if (apiCode(err) === STREAM_NOT_FOUND) {
        return fail(QueueErr.NotFound, `no queue named ${JSON.stringify(name)}`)
      }
      throw err
    }
  }

  async deleteQueue(id: QueueId): Promise<StoreResult<QueueInfo>> {
    const found = await this.resolve(id)
    if (!found.ok) return found
    const { info, stream } = found.value
    try {
      await this.jsm.streams.delete(stream)
    } catch (err) {
      if (apiCode(err) !== STREAM_NOT_FOUND) throw err
    }
    try {
      await this.jsm.streams.delete(deadStreamName(this.deployment, info.name))
    } catch (err) {
      if (apiCode(err) !== STREAM_NOT_FOUND) throw err
    }
    this.byId.delete(formatId(id))
    return ok(info)
  }

  /** Messages in the stream: a work queue drops a message when it is acknowledged. */
  async length(id: QueueId): Promise<StoreResult<number>> {
    const found = await this.resolve(id)
    if (!found.ok) return found
    const si = await this.jsm.streams.info(found.value.stream)
    return ok(si.state.messages)
  }

  /**
   * Publishes each message (in order, pipelined) with its own `Nats-Msg-Id`; one that got no
   * acknowledgement is published again with the same id, so the server's duplicate window
   * stores it at most once. Answers the ids of the stored messages; when only some were stored,
   * `partial` says which (nats-server 2.9 has no atomic batch: docs/queue.md).
   */
  async send(
    id: QueueId,
    messages: readonly OutgoingMessage[],
  ): Promise<StoreResult<QueueMsgId[]>> {
    const found = await this.resolve(id)
    if (!found.ok) return found
    const missing = messages.findIndex((m) => m.payload === undefined)
    if (missing >= 0) {
      return fail(
        QueueErr.NoPayload,
        `message ${missing} of the batch has no payload: none was sent`,
      )
    }
    const subject = queueSubject(this.deployment, id)
    const publish = async (m: OutgoingMessage, msgID: string): Promise<number> => {
      const payload = m.payload as AnyBytes
      const h = headers()
      h.set(PAYLOAD_TYPE, payload.typeUrl)
      if (m.sender !== undefined) {
        h.set(SENDER_TYPE, m.sender.typeUrl)
        h.set(SENDER, Buffer.from(m.sender.value).toString('base64'))
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const ack = await this.js.publish(subject, payload.value, {
            msgID,
            headers: h,
            expect: { streamName: found.value.stream },
            timeout: this.apiTimeoutMs,
          })
          return ack.seq
        } catch (err) {
          if (attempt >= 2) throw err
        }
      }
    }
    const nonce = formatId(newId('queueMsg'))
    const settled = await Promise.allSettled(messages.map((m, i) => publish(m, `${nonce}-${i}`)))
    const stored: QueueMsgId[] = []
    const notStored: number[] = []
    let firstError = ''
    let firstReason: unknown
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') stored.push(messageId(id, s.value))
      else {
        notStored.push(i)
        if (firstError === '') {
          firstError = why(s.reason)
          firstReason = s.reason
        }
      }
    })
    if (notStored.length === 0) return ok(stored)
    // Nothing stored: a plain failure (the broker then checks whether the queue is gone).
    if (stored.length === 0) throw firstReason
    const error =
      `${stored.length} of ${messages.length} message(s) stored in queue ${found.value.info.name}; ` +
      `not stored: message(s) ${notStored.join(', ')} (${firstError})`
    return { ok: false, code: QueueErr.InternalError, error, partial: { stored, notStored } }
  }

  async markDone(id: QueueId, msgIds: readonly QueueMsgId[]): Promise<StoreResult<QueueMsgId[]>> {
    const found = await this.resolve(id)
    if (!found.ok) return found
    const unmodified: QueueMsgId[] = []
    await Promise.all(
      msgIds.map(async (msgId) => {
        const seq = sequenceOf(id, msgId)
        if (seq === undefined) {
          unmodified.push(msgId)
          return
        }
        if (!(await this.done(found.value.stream, seq))) unmodified.push(msgId)
      }),
    )
    return ok(msgIds.filter((m) => unmodified.includes(m)))
  }

  async receive(
    id: QueueId,
    done: readonly QueueMsgId[],
    limit: number,
  ): Promise<StoreResult<DoneThenReceived>> {
    const acked = await this.markDone(id, done)
    if (!acked.ok) return acked
    const found = (await this.resolve(id)) as { ok: true; value: Resolved }
    const want = Math.max(1, Math.min(limit, this.settings.maxReceiveBatch))
    const messages: StoredMessage[] = []
    for (let round = 0; round < MAX_RECEIVE_ROUNDS && messages.length < want; round++) {
      const batch = await pullNow(
        this.nc,
        found.value.stream,
        want - messages.length,
        this.apiTimeoutMs,
      )
      if (batch.length === 0) break
      let deadLettered = 0
      for (const msg of batch) {
        const delivery = parseAckSubject(msg.reply ?? '')
        if (delivery === undefined) continue
        if (delivery.delivered - 1 >= this.settings.maxReceives) {
          await this.deadLetter(found.value.info, msg, delivery)
          deadLettered++
          continue
        }
        this.inFlight.remember(found.value.stream, delivery.streamSeq, delivery.ackSubject)
        messages.push(this.toStored(id, msg, delivery))
      }
      if (deadLettered === 0) break
    }
    return ok({ unmodified: acked.value, messages })
  }

  /** Acknowledges (the broker's own delivery) or deletes (anyone's) one message. */
  private async done(stream: string, seq: number): Promise<boolean> {
    const ackSubject = this.inFlight.take(stream, seq)
    if (ackSubject !== undefined) {
      // A request, not a publish: the server answers once the ack is applied (ackAck).
      await this.nc.request(ackSubject, '+ACK', { timeout: this.apiTimeoutMs })
      return true
    }
    try {
      await this.jsm.streams.deleteMessage(stream, seq, false)
      return true
    } catch (err) {
      // A sequence the stream never reached is not a message of the queue (2.9 says
      // "stream store EOF"); below it, a message already gone was done before (by anyone).
      const si = await this.jsm.streams.info(stream)
      if (seq > si.state.last_seq) return false
      if (apiCode(err) === NO_MESSAGE_FOUND || /no message found/i.test(why(err))) return true
      throw err
    }
  }

  private async deadLetter(queue: QueueInfo, msg: Msg, delivery: Delivery): Promise<void> {
    const { ackSubject } = delivery
    // Only the message's own headers: the publish expectations it was stored with
    // (Nats-Expected-Stream, Nats-Msg-Id) are about its first stream.
    const h = headers()
    for (const key of [PAYLOAD_TYPE, SENDER_TYPE, SENDER]) {
      const value = msg.headers?.get(key)
      if (value) h.set(key, value)
    }
    h.set(QUEUE_SEQ, String(delivery.streamSeq))
    await this.js.publish(deadSubject(this.deployment, queue.id), msg.data, {
      headers: h,
      timeout: this.apiTimeoutMs,
    })
    await this.nc.request(ackSubject, '+TERM', { timeout: this.apiTimeoutMs })
  }

  private toStored(
    queue: QueueId,
    msg: Msg,
    delivery: { streamSeq: number; delivered: number; timestampNanos: bigint },
  ): StoredMessage {
    const h = msg.headers
    const senderType = h?.get(SENDER_TYPE) ?? ''
    const now = Date.now()
    return {
      seq: delivery.streamSeq,
      queueId: queue,
      msgId: messageId(queue, delivery.streamSeq),
      state: MessageState.pending,
      receiveCount: delivery.delivered - 1,
      lastReceivedMs: undefined,
      sentMs: Number(delivery.timestampNanos / 1_000_000n),
      visibleAtMs: now + this.settings.visibilityTimeoutMs,
      doneMs: undefined,
      deadMs: undefined,
      sender:
        senderType === ''
          ? undefined
          : { typeUrl: senderType, value: Buffer.from(h?.get(SENDER) ?? '', 'base64') },
      payload: { typeUrl: h?.get(PAYLOAD_TYPE) ?? '', value: msg.data },
    }
  }

  /**
   * After a failed call on queue `id`: NotFound if the queue is gone (another host deleted it
   * and this broker's cache was stale), else the error itself.
   */
  async recheck(id: QueueId, err: unknown): Promise<StoreResult<never>> {
    this.byId.delete(formatId(id))
    const found = await this.resolve(id)
    if (!found.ok) return found
    throw err
  }

  /** The queue's stream: cached, else found by the subject its id gives (one API call). */
  private async resolve(id: QueueId): Promise<StoreResult<Resolved>> {
    const key = formatId(id)
    const cached = this.byId.get(key)
    if (cached !== undefined) return ok(cached)
    let stream: string
    try {
      stream = await this.jsm.streams.find(queueSubject(this.deployment, id))
    } catch (err) {
      if (apiCode(err) === STREAM_NOT_FOUND || /no stream matches subject/i.test(why(err))) {
        return fail(QueueErr.NotFound, `no queue with id ${key}`)
      }
      throw err
    }
    const si = await this.jsm.streams.info(stream)
    const name = /^parigot queue (".*") q/.exec(si.config.description ?? '')?.[1]
    if (name === undefined || queueIdOfDescription(si.config.description) === undefined) {
      return fail(QueueErr.NotFound, `no queue with id ${key}`)
    }
    const resolved = {
      info: { key: 0, id, name: JSON.parse(name) as string, createdMs: Date.parse(si.created) },
      stream,
    }
    this.byId.set(key, resolved)
    return ok(resolved)
  }
}
