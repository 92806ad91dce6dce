/**
 * Watches a running deployment from outside, without joining it: the registry (every host's
 * guests), the hosts' heartbeats (up, gone, left), and the log lines and kernel events each host
 * publishes (host-telemetry.ts). This is what the Studio attaches to (`parigot serve --cluster`).
 * Everything read is untrusted and checked (registry-entry.ts, telemetry-batch.ts); what fails a
 * check is dropped, counted in `rejected`, and reported once per host and kind.
 */
import { RequestError, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv'
import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { LogRecord } from '../../shared/log/log-record'
import type { SpanRecord } from '../../shared/trace/span'
import { HEARTBEAT_MS, HOST_GONE_MS } from './cluster-node'
import { connectCluster } from './connection'
import { requestControl, type ControlOp } from './host-control'
import { ensureLogStream, followLogs, LOG_HISTORY } from './log-history'
import { MAX_ENTRY_BYTES, parseEntry, type GuestEntry } from './registry-entry'
import {
  encodePayloadRequest,
  parsePayloadAnswer,
  type SpanPayloadAnswer,
} from './span-payload-wire'
import { clusterNames, isSafeName, type ClusterNames } from './subjects'
import { parseEventBatch, parseLogBatch, parseSpanBatch, type ParsedBatch } from './telemetry-batch'

export type { GuestEntry, RemoteService } from './registry-entry'
export type { ControlOp } from './host-control'
export type { SpanPayloadAnswer } from './span-payload-wire'

/** How long a host may take to answer for a call's payloads before the Studio says so. */
export const PAYLOAD_TIMEOUT_MS = 3000

export interface ObservedHost {
  readonly name: string
  readonly up: boolean
  /** Why it is down ("left", "no heartbeat for N ms"), when it is. */
  readonly reason?: string
  readonly instance: string
}

export interface ClusterObserverEvents {
  /** The registry or a host's liveness changed. */
  changed(): void
  log(host: string, record: LogRecord): void
  event(host: string, event: KernelEvent): void
  /** A call of `host` ended (hosts trace their calls). */
  span(host: string, span: SpanRecord): void
  /** Something read off the bus was refused, or a host said it dropped lines (one sentence). */
  problem(message: string): void
}

interface HostSeen {
  instance: string
  lastMs: number
  up: boolean
  reason?: string
}

export class ClusterObserver {
  private readonly names: ClusterNames
  private readonly hosts = new Map<string, HostSeen>()
  private readonly entries = new Map<string, GuestEntry>()
  private readonly subs: Subscription[] = []
  private readonly stops: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  private closed = false
  /** Messages and items refused on receipt, counted. */
  rejected = 0
  /** Lines and events the hosts said they dropped before sending. */
  droppedByHosts = 0

  private constructor(
    private readonly nc: NatsConnection,
    readonly deployment: string,
    readonly server: string,
    private readonly on: ClusterObserverEvents,
  ) {
    this.names = clusterNames(deployment)
  }

  static async attach(
    config: ClusterConfig,
    deployment: string,
    on: ClusterObserverEvents,
  ): Promise<ClusterObserver> {
    const nc = await connectCluster(config, { name: `parigot studio ${deployment}` })
    const observer = new ClusterObserver(nc, deployment, config.nats, on)
    try {
      await observer.open()
    } catch (err) {
      await nc.close()
      throw err
    }
    return observer
  }

  private async open(): Promise<void> {
    const kv = await new Kvm(this.nc).create(this.names.bucket, {
      history: 1,
      maxValueSize: MAX_ENTRY_BYTES,
    })
    this.listen(this.names.heartbeatSubject('*'), (host, data) => this.onHeartbeat(host, data))
    this.listen(this.names.eventSubject('*'), (host, data) =>
      this.onBatch(host, 'event', parseEventBatch(`event batch of host ${host}`, data), (e) =>
        this.on.event(host, e),
      ),
    )
    this.listen(this.names.spanSubject('*'), (host, data) =>
      this.onBatch(host, 'span', parseSpanBatch(`span batch of host ${host}`, data), (s) =>
        this.on.span(host, s),
      ),
    )
    await this.watch(kv)
    this.timer = setInterval(() => this.checkHosts(), HEARTBEAT_MS)
    await this.followLogs()
  }

  /**
   * Every host's log lines: the recent ones from before the attach (log-history.ts), then the
   * live ones; live ones only, said once, when the deployment's log stream cannot be read.
   */
  private async followLogs(): Promise<void> {
    const subject = this.names.logSubject('*')
    const onLog = this.hostMessage(subject, (host, data) =>
      this.onBatch(host, 'log', parseLogBatch(`log batch of host ${host}`, data), (r) =>
        this.on.log(host, r),
      ),
    )
    try {
      await ensureLogStream(this.nc, this.names)
      const follow = await followLogs(this.nc, this.names, onLog)
      this.stops.push(() => follow.stop())
      if (follow.skipped > 0)
        this.on.problem(
          `about ${follow.skipped} older log batch(es) from before the attach not shown: ` +
            `the Studio reads back the last ${LOG_HISTORY.replayBatches}`,
        )
      if (!follow.complete)
        this.on.problem('log lines from before the attach are still arriving (slow read-back)')
    } catch (err) {
      this.on.problem(
        `log lines from before the attach are not available (stream ${this.names.logStream}: ` +
          `${String(err)}); showing new lines only`,
      )
      this.listen(subject, onLog)
    }
  }

  private listen(subject: string, handle: (host: string, data: Uint8Array) => void): void {
    const callback = this.hostMessage(subject, handle)
    this.subs.push(
      this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) callback(msg.subject, msg.data)
        },
      }),
    )
  }

  /** A handler of one deployment subject `...<host>`: the host name checked, throws caught. */
  private hostMessage(
    pattern: string,
    handle: (host: string, data: Uint8Array) => void,
  ): (subject: string, data: Uint8Array) => void {
    const at = pattern.length - 1 // the '*'
    return (subject, data) => {
      if (this.closed) return
      const host = subject.slice(at)
      if (!isSafeName(host)) {
        this.reject(`message on ${subject.slice(0, 200)}: bad host name`)
        return
      }
      try {
        handle(host, data)
      } catch (error) {
        this.reject(`message on ${subject}: ${String(error)}`)
      }
    }
  }

  private reject(message: string): void {
    this.rejected++
    this.on.problem(message)
  }

  private onBatch<T>(
    host: string,
    kind: string,
    parsed: ParsedBatch<T>,
    deliver: (item: T) => void,
  ): void {
    if (!parsed.ok) {
      this.reject(parsed.message)
      return
    }
    if (parsed.rejected > 0) {
      this.rejected += parsed.rejected
      this.on.problem(`${kind} batch of host ${host}: ${parsed.rejected} item(s) refused`)
    }
    if (parsed.batch.dropped > 0) {
      this.droppedByHosts += parsed.batch.dropped
      this.on.problem(`host ${host} dropped ${parsed.batch.dropped} ${kind}(s) it could not send`)
    }
    for (const item of parsed.batch.items) deliver(item)
  }

  private async watch(kv: KV): Promise<void> {
    const watch = await kv.watch({ key: 'g.>' })
    void (async () => {
      for await (const e of watch) {
        if (this.closed) break
        this.onEntry(e)
      }
    })()
  }

  private onEntry(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') {
      if (this.entries.delete(e.key)) this.on.changed()
      return
    }
    const parsed = parseEntry(e.key, e.value)
    if (!parsed.ok) {
      this.reject(`registry entry ignored: ${parsed.message}`)
      return
    }
    this.entries.set(e.key, parsed.entry)
    this.on.changed()
  }

  private onHeartbeat(host: string, data: Uint8Array): void {
    if (data.byteLength > 256) return this.reject(`heartbeat of host ${host}: too large`)
    let body: { instance?: unknown; leaving?: unknown }
    try {
      body = JSON.parse(new TextDecoder().decode(data)) as typeof body
    } catch {
      return this.reject(`heartbeat of host ${host}: not JSON`)
    }
    const { instance, leaving } = body
    if (typeof instance !== 'string' || instance.length === 0 || instance.length > 64)
      return this.reject(`heartbeat of host ${host}: field instance is invalid`)
    const seen = this.hosts.get(host)
    if (leaving === true) {
      if (seen === undefined || seen.instance !== instance || !seen.up) return
      seen.up = false
      seen.reason = 'left'
      this.on.changed()
      return
    }
    const changed = seen === undefined || !seen.up || seen.instance !== instance
    this.hosts.set(host, { instance, lastMs: Date.now(), up: true })
    if (changed) this.on.changed()
  }

  private checkHosts(): void {
    const now = Date.now()
    for (const seen of this.hosts.values()) {
      if (!seen.up || now - seen.lastMs <= HOST_GONE_MS) continue
      seen.up = false
      seen.reason = `no heartbeat for ${now - seen.lastMs} ms`
      this.on.changed()
    }
  }

  /** Every host seen (heartbeat or registry), sorted by name. */
  hostList(): ObservedHost[] {
    const names = new Set([...this.hosts.keys(), ...[...this.entries.values()].map((e) => e.host)])
    return [...names].sort().map((name) => {
      const seen = this.hosts.get(name)
      if (seen === undefined) return { name, up: false, reason: 'no heartbeat yet', instance: '' }
      return {
        name,
        up: seen.up,
        instance: seen.instance,
        ...(seen.reason !== undefined && !seen.up ? { reason: seen.reason } : {}),
      }
    })
  }

  /**
   * The registry's guests whose host process is the one heartbeating now (an entry of an
   * earlier, killed process of that host is stale and left out).
   */
  guests(): GuestEntry[] {
    return [...this.entries.values()]
      .filter((e) => {
        const seen = this.hosts.get(e.host)
        return seen === undefined || seen.instance === e.instance
      })
      .sort((a, b) => a.host.localeCompare(b.host) || a.guest.localeCompare(b.guest))
  }

  /** Asks the host running `guest` to start, stop or restart it; throws with its reason. */
  control(host: string, op: ControlOp, guest: string): Promise<void> {
    return requestControl(this.nc, this.names.controlSubject(host), host, op, guest)
  }

  /**
   * Asks `host` for the request and response of its span `spanId` (span-payload-wire.ts). Throws
   * naming the host and subject when it does not answer within PAYLOAD_TIMEOUT_MS (or nobody
   * serves the subject), or answers something malformed (then also counted in `rejected`).
   */
  async payloads(host: string, traceId: string, spanId: string): Promise<SpanPayloadAnswer> {
    const subject = this.names.payloadSubject(host)
    let data: Uint8Array
    try {
      const reply = await this.nc.request(subject, encodePayloadRequest({ traceId, spanId }), {
        timeout: PAYLOAD_TIMEOUT_MS,
      })
      data = reply.data
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new Error(
        err instanceof RequestError && err.isNoResponders()
          ? `host ${host} does not answer on ${subject}: nobody serves it (the host is not running)`
          : `host ${host} did not answer on ${subject} within ${PAYLOAD_TIMEOUT_MS} ms (${why})`,
        { cause: err },
      )
    }
    const answer = parsePayloadAnswer(data)
    if ('problem' in answer) {
      const message = `payload answer of host ${host} on ${subject} refused: ${answer.problem}`
      this.reject(message)
      throw new Error(message)
    }
    return answer
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    for (const sub of this.subs) sub.unsubscribe()
    for (const stop of this.stops) stop()
    await this.nc.drain().catch(() => undefined)
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined)
  }
}
