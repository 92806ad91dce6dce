/**
 * The requests and responses of this host's calls, kept for an attached Studio that asks for one
 * (`parigot.<deployment>.payload.<host>`, span-payload-wire.ts). Nothing is sent unless asked:
 * the callee's worker captures each call (at most MAX_PAYLOAD_BYTES of each payload), the host
 * keeps the latest MAX_HOST_PAYLOADS calls within MAX_HOST_PAYLOAD_BYTES, and remembers which
 * spans it ran and which payloads it let go, so an answer says why nothing is there.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import type { SpanPayloads } from '../../shared/trace/payload'
import type { Logger } from '../engine/logger'
import {
  encodePayloadAnswer,
  parsePayloadRequest,
  type SpanPayloadAnswer,
} from './span-payload-wire'

/** Calls whose payloads a host keeps; the oldest go first. */
export const MAX_HOST_PAYLOADS = 4096
/** And at most this many bytes of them in all. */
export const MAX_HOST_PAYLOAD_BYTES = 16 * 1024 * 1024
/** Span ids remembered as run here, or as let go (each set bounded, oldest forgotten). */
const MAX_REMEMBERED_IDS = 4 * MAX_HOST_PAYLOADS

/** A captured call, with its span's ids (runner/trace/payloads.ts's SpanPayloadRecord). */
export interface HostPayloadRecord extends SpanPayloads {
  readonly traceId: string
  readonly spanId: string
}

/** A Set that forgets its oldest members beyond `max`. */
class RecentIds {
  private readonly ids = new Set<string>()
  constructor(private readonly max: number) {}
  add(id: string): void {
    this.ids.delete(id)
    this.ids.add(id)
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value
      if (oldest !== undefined) this.ids.delete(oldest)
    }
  }
  has(id: string): boolean {
    return this.ids.has(id)
  }
}

export class HostPayloadStore {
  private readonly bySpan = new Map<string, HostPayloadRecord>()
  private readonly ran = new RecentIds(MAX_REMEMBERED_IDS)
  private readonly evicted = new RecentIds(MAX_REMEMBERED_IDS)
  private bytes = 0

  /** A span this host ran (whether or not its payloads were captured). */
  sawSpan(traceId: string, spanId: string): void {
    this.ran.add(`${traceId}/${spanId}`)
  }

  add(record: HostPayloadRecord): void {
    const old = this.bySpan.get(record.spanId)
    if (old !== undefined) {
      this.bySpan.delete(record.spanId)
      this.bytes -= sizeOf(old)
    }
    this.bySpan.set(record.spanId, record)
    this.bytes += sizeOf(record)
    while (this.bySpan.size > MAX_HOST_PAYLOADS || this.bytes > MAX_HOST_PAYLOAD_BYTES) {
      const oldest = this.bySpan.values().next().value
      if (oldest === undefined) break
      this.bySpan.delete(oldest.spanId)
      this.bytes -= sizeOf(oldest)
      this.evicted.add(`${oldest.traceId}/${oldest.spanId}`)
    }
  }

  answer(traceId: string, spanId: string): SpanPayloadAnswer {
    const found = this.bySpan.get(spanId)
    if (found !== undefined && found.traceId === traceId)
      return { status: 'captured', payloads: found }
    const key = `${traceId}/${spanId}`
    if (this.evicted.has(key)) return { status: 'evicted' }
    if (this.ran.has(key)) return { status: 'not-captured' }
    return { status: 'unknown' }
  }
}

function sizeOf(p: SpanPayloads): number {
  return (p.request?.bytes.byteLength ?? 0) + (p.response?.bytes.byteLength ?? 0)
}

/**
 * Answers `subject` (this host's payload subject) from `store`, or with `capture-off` for every
 * span when the host captures nothing (`store` absent: `[cluster] capture_payloads = false`), so
 * a Studio can say why rather than wait; a bad request is refused either way.
 */
export function servePayloads(
  nc: NatsConnection,
  subject: string,
  store: HostPayloadStore | undefined,
  logger: Logger,
): Subscription {
  let refusals = 0
  const answer = (msg: Msg, body: SpanPayloadAnswer) => {
    if (msg.reply !== undefined && msg.reply !== '') msg.respond(encodePayloadAnswer(body))
  }
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err !== null) return
      const request = parsePayloadRequest(msg.data)
      if (typeof request === 'string') {
        // Said once per hundred: a flood of bad requests must not flood the log.
        if (refusals++ % 100 === 0)
          logger.log(
            'warn',
            `payload request refused on ${subject}: ${request} (${refusals} so far)`,
          )
        answer(msg, { status: 'refused', error: request })
        return
      }
      answer(
        msg,
        store === undefined
          ? { status: 'capture-off' }
          : store.answer(request.traceId, request.spanId),
      )
    },
  })
}
