// A call's request and response in the Studio attached to a cluster: they stay on the host that
// ran the call (cluster/host-payloads.ts) until the user opens its span; then the Studio asks
// that host (ClusterObserver.payloads) and decodes them with the deploy config's descriptor sets,
// as the queue inspector does. A call to a guest of another host is two spans (the caller's, to
// the stand-in, and the server's, its child from `@<caller host>`): the callee's worker captured
// it, under the server's span.
import type { BridgeResults } from '../../shared/bridge/contract'
import type { SpanRecord } from '../../shared/trace/span'
import type { ClusterObserver } from '../cluster/observer'
import { describeError, StudioError } from './errors'
import { PayloadTypes } from './queue-payloads'
import { spanPayloadView } from './span-payloads'
import type { TraceStore } from './trace-store'
import { MAX_STORED_SPANS } from './trace-store'

interface Placed {
  readonly traceId: string
  readonly host: string
}

export class AttachedPayloads {
  /** The host that published each listed span (bounded like the trace store). */
  private readonly hostOf = new Map<string, Placed>()
  private readonly types = new PayloadTypes()

  constructor(private readonly descriptors: readonly string[]) {}

  /** `host` published `span`. */
  noteSpan(host: string, span: SpanRecord): void {
    this.hostOf.delete(span.spanId)
    this.hostOf.set(span.spanId, { traceId: span.traceId, host })
    if (this.hostOf.size > MAX_STORED_SPANS) {
      const oldest = this.hostOf.keys().next().value
      if (oldest !== undefined) this.hostOf.delete(oldest)
    }
  }

  /** What `spanId`'s callee received and answered, read from its host now. */
  async view(
    spanId: string,
    store: TraceStore,
    observer: ClusterObserver | undefined,
  ): Promise<BridgeResults['traces.payload']> {
    if (store.source.kind === 'file')
      return { reason: 'a trace file holds no requests or responses' }
    const placed = this.hostOf.get(spanId)
    if (placed === undefined || observer === undefined)
      return { reason: 'not captured: the Studio no longer keeps this span' }
    const spans = store.spansOf(placed.traceId) ?? []
    const server = spans.find((s) => s.parentSpanId === spanId && s.caller.startsWith('@'))
    const serverPlaced = server === undefined ? undefined : this.hostOf.get(server.spanId)
    const target =
      server !== undefined && serverPlaced !== undefined
        ? { spanId: server.spanId, host: serverPlaced.host }
        : { spanId, host: placed.host }
    const callee = spans.find((s) => s.spanId === spanId)?.callee ?? ''
    const calleeHost = callee.slice(callee.lastIndexOf('@') + 1)
    if (target.spanId === spanId && calleeHost !== '' && calleeHost !== placed.host)
      return {
        host: calleeHost,
        reason: `not listed yet: the call went to host ${calleeHost}, whose span of it has not arrived`,
      }
    const { host } = target
    const seen = observer.hostList().find((h) => h.name === host)
    if (seen !== undefined && !seen.up)
      throw new StudioError(
        'io',
        `host ${host} is down (${seen.reason ?? 'no heartbeat'}): the call's request and response are kept there`,
      )
    let answer
    try {
      answer = await observer.payloads(host, placed.traceId, target.spanId)
    } catch (err) {
      throw new StudioError('io', describeError(err))
    }
    switch (answer.status) {
      case 'captured':
        return { ...spanPayloadView(answer.payloads, this.registry()), host }
      case 'not-captured':
        return {
          host,
          reason: `not captured: host ${host} ran this call but holds nothing for it (the call was not answered)`,
        }
      case 'evicted':
        return {
          host,
          reason: `not kept: host ${host} keeps the payloads of its latest calls only, and newer ones pushed this one out`,
        }
      case 'unknown':
        return {
          host,
          reason: `host ${host} does not know this call (it restarted since, or the call is older than what it remembers)`,
        }
      case 'capture-off':
        return {
          host,
          captureOff: true,
          reason: `payload capture is off on host ${host} (its deploy config sets [cluster] capture_payloads = false)`,
        }
      case 'refused':
        throw new StudioError('internal', `host ${host} refused the request: ${answer.error}`)
    }
  }

  private registry() {
    // Re-read only when a descriptor file changed (PayloadTypes compares their stamps).
    this.types.use(this.descriptors)
    return this.types.registry
  }
}
