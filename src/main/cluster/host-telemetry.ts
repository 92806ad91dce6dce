/**
 * Publishes this host's log lines, kernel events and finished spans for observers (telemetry-batch.ts): batched
 * every FLUSH_MS, each batch under MAX_BATCH_BYTES. NATS publishes never block, but a host that
 * logs faster than it can send would grow without bound, so at most MAX_PENDING items wait; older
 * ones are dropped and the next batch says how many. Calls' own events (call-started, -finished)
 * are not sent: they are per call, and the traces carry calls.
 */
import type { NatsConnection } from '@nats-io/transport-node'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogRecord } from '../../shared/log/log-record'
import type { SpanRecord } from '../../shared/trace/span'
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS } from './telemetry-batch'

const FLUSH_MS = 100
const MAX_PENDING = 10_000
/** Bytes a batch keeps free for its envelope and escaping. */
const SLACK_BYTES = 1024

class Outbox<T> {
  private pending: T[] = []
  private dropped = 0

  constructor(
    private readonly subject: string,
    private readonly instance: string,
  ) {}

  add(item: T): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift()
      this.dropped++
    }
    this.pending.push(item)
  }

  flush(nc: NatsConnection): void {
    while (this.pending.length > 0 || this.dropped > 0) {
      const items: string[] = []
      let bytes = 0
      while (items.length < MAX_BATCH_ITEMS && this.pending.length > 0) {
        const text = JSON.stringify(this.pending[0])
        // An item too large for any batch is dropped (counted), not sent in pieces.
        if (text.length * 3 > MAX_BATCH_BYTES - SLACK_BYTES) {
          this.pending.shift()
          this.dropped++
          continue
        }
        if (bytes + text.length * 3 > MAX_BATCH_BYTES - SLACK_BYTES) break
        items.push(text)
        bytes += text.length * 3 + 1
        this.pending.shift()
      }
      nc.publish(
        this.subject,
        `{"instance":${JSON.stringify(this.instance)},"dropped":${this.dropped},"items":[${items.join(',')}]}`,
      )
      this.dropped = 0
    }
  }
}

export class HostTelemetry {
  private readonly logs: Outbox<LogRecord>
  private readonly events: Outbox<KernelEvent>
  private readonly spans: Outbox<SpanRecord>
  private readonly timer: NodeJS.Timeout
  private closed = false

  constructor(
    private readonly nc: NatsConnection,
    subjects: { readonly log: string; readonly event: string; readonly span: string },
    instance: string,
  ) {
    this.logs = new Outbox(subjects.log, instance)
    this.events = new Outbox(subjects.event, instance)
    this.spans = new Outbox(subjects.span, instance)
    this.timer = setInterval(() => this.flush(), FLUSH_MS)
  }

  log(record: LogRecord): void {
    if (!this.closed) this.logs.add(record)
  }

  event(event: KernelEvent): void {
    if (this.closed || event.type === 'call-started' || event.type === 'call-finished') return
    this.events.add(event)
  }

  /** A call of this host ended (only when the host traces its calls). */
  span(span: SpanRecord): void {
    if (!this.closed) this.spans.add(span)
  }

  flush(): void {
    if (this.closed || this.nc.isClosed()) return
    this.events.flush(this.nc)
    this.spans.flush(this.nc)
    this.logs.flush(this.nc)
  }

  /** Sends what is pending (the host's last lines) and stops. */
  close(): void {
    this.flush()
    this.closed = true
    clearInterval(this.timer)
  }
}
