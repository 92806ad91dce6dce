/**
 * One host of a deployment split over hosts: connects to NATS, keeps its guests' entries in the
 * deployment's JetStream key-value bucket, watches everyone else's, sends heartbeats and
 * watches the other hosts' (a host silent for HOST_GONE_MS is gone: its stand-ins end and their
 * callers fail at once), and serves and sends calls between hosts (remote-calls.ts).
 */
import { randomBytes } from 'node:crypto'
import type { NatsConnection } from '@nats-io/transport-node'
import { Kvm, type KV } from '@nats-io/kv'
import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { SpanRecord } from '../../shared/trace/span'
import type { KernelEvent } from '../../shared/events/kernel-events'
import type { Logger } from '../engine/logger'
import { connectCluster } from './connection'
import type { KernelAccess } from './kernel-access'
import { entryOf, MAX_ENTRY_BYTES, parseEntry, type GuestEntry } from './registry-entry'
import type { LogRecord } from '../../shared/log/log-record'
import { serveControl, type ControlHandler } from './host-control'
import { HostPayloadStore, servePayloads, type HostPayloadRecord } from './host-payloads'
import { HostTelemetry } from './host-telemetry'
import { ensureLogStream } from './log-history'
import { RemoteCalls } from './remote-calls'
import { RemoteGuests } from './remote-guests'
import { clusterNames, isSafeName, type ClusterNames } from './subjects'

/** Heartbeat period, and the silence after which a host is gone (docs/cluster.md). */
export const HEARTBEAT_MS = 250
export const HOST_GONE_MS = 1500
/** How long leaving may take before the connection is just closed. */
const CLOSE_MS = 2000

interface HostSeen {
  instance: string
  lastMs: number
  gone: boolean
}

export interface ClusterNodeOptions {
  readonly config: ClusterConfig
  readonly deployment: string
  readonly host: string
  readonly access: KernelAccess
  readonly logger: Logger
  /** Start, stop and restart of this host's services, asked by an attached Studio. */
  readonly control?: ControlHandler
  /** A guest of another host came back as a new incarnation (RemoteGuests' `restarted`). */
  readonly remoteRestarted?: (guest: string, host: string, exports: string[]) => void
}

export class ClusterNode {
  readonly instance = randomBytes(8).toString('hex')
  private readonly names: ClusterNames
  private kv: KV | undefined
  private calls: RemoteCalls | undefined
  private telemetry: HostTelemetry | undefined
  /**
   * Captured requests and responses of this host's calls, for an attached Studio that asks;
   * none with `[cluster] capture_payloads = false` (the host then answers `capture-off`).
   */
  private readonly payloads: HostPayloadStore | undefined
  private readonly guests: RemoteGuests
  private readonly hosts = new Map<string, HostSeen>()
  /** Latest valid entry of every remote guest, by key. */
  private readonly entries = new Map<string, GuestEntry>()
  /** What this host last put, by key (only changes are put). */
  private readonly published = new Map<string, string>()
  private publishing: Promise<void> = Promise.resolve()
  private publishQueued = false
  private heartbeat: NodeJS.Timeout | undefined
  private closed = false

  private constructor(
    private readonly nc: NatsConnection,
    private readonly options: ClusterNodeOptions,
  ) {
    this.names = clusterNames(options.deployment)
    this.payloads = options.config.capturePayloads === false ? undefined : new HostPayloadStore()
    this.guests = new RemoteGuests(
      options.access,
      options.logger,
      (call) => this.calls?.send(call),
      options.remoteRestarted,
    )
  }

  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const nc = await connectCluster(options.config, {
      name: `parigot ${options.deployment}/${options.host}`,
    })
    const node = new ClusterNode(nc, options)
    try {
      await node.open()
    } catch (err) {
      await nc.close()
      throw err
    }
    return node
  }

  private async open(): Promise<void> {
    const { logger, host, access } = this.options
    this.kv = await new Kvm(this.nc).create(this.names.bucket, {
      history: 1,
      maxValueSize: MAX_ENTRY_BYTES,
    })
    // Without it a Studio attaching later misses lines logged before; the host runs anyway.
    await ensureLogStream(this.nc, this.names).catch((err: unknown) =>
      logger.log(
        'warn',
        `cluster: log lines are not kept for a Studio that attaches later: stream ${this.names.logStream}: ${String(err)}`,
      ),
    )
    this.telemetry = new HostTelemetry(
      this.nc,
      {
        log: this.names.logSubject(host),
        event: this.names.eventSubject(host),
        span: this.names.spanSubject(host),
      },
      this.instance,
    )
    servePayloads(this.nc, this.names.payloadSubject(host), this.payloads, logger)
    if (this.options.control !== undefined)
      serveControl(this.nc, this.names.controlSubject(host), this.options.control, logger)
    this.calls = new RemoteCalls(this.nc, this.names, host, access, logger, (key) =>
      this.guests.isStandIn(key),
    )
    this.nc.subscribe(this.names.heartbeatSubject('*'), {
      callback: (err, msg) => {
        if (err !== null) return
        try {
          this.onHeartbeat(msg.subject, msg.data)
        } catch (error) {
          // A throw here would close the client's reader: log it instead.
          logger.log('error', `cluster heartbeat from ${msg.subject}: ${String(error)}`)
        }
      },
    })
    const watch = await this.kv.watch({ key: 'g.>' })
    void (async () => {
      for await (const e of watch) {
        if (this.closed) break
        const [, entryHost, guest] = e.key.split('.')
        if (entryHost === host || entryHost === undefined || guest === undefined) continue
        if (e.operation !== 'PUT') {
          this.entries.delete(e.key)
          this.guests.remove(entryHost, guest, `${guest} left host ${entryHost}`)
          continue
        }
        const parsed = parseEntry(e.key, e.value)
        if (!parsed.ok) {
          logger.log('warn', `cluster registry: entry ignored: ${parsed.message}`)
          continue
        }
        this.entries.set(e.key, parsed.entry)
        this.guests.update(parsed.entry, this.isLive(parsed.entry.host, parsed.entry.instance))
      }
    })()
    this.beat()
    this.heartbeat = setInterval(() => {
      this.beat()
      this.checkHosts()
    }, HEARTBEAT_MS)
    logger.log(
      'info',
      `host ${host} joined deployment ${this.options.deployment} on ${this.options.config.nats}`,
    )
    if (this.payloads === undefined)
      logger.log(
        'info',
        `host ${host} captures no request or response ([cluster] capture_payloads = false)`,
      )
  }

  /** A log line of this host, for observers (the attached Studio). */
  onLog(record: LogRecord): void {
    this.telemetry?.log(record)
  }

  /** A call of this host ended: observers (an attached Studio) see the span. */
  onSpan(span: SpanRecord): void {
    this.payloads?.sawSpan(span.traceId, span.spanId)
    this.telemetry?.span(span)
  }

  /** What a callee of this host received and answered, kept until an attached Studio asks. */
  onPayload(record: HostPayloadRecord): void {
    this.payloads?.add(record)
  }

  /** Every kernel event may change what this host's entries say. */
  onKernelEvent(event: KernelEvent): void {
    this.telemetry?.event(event)
    if (event.type === 'call-started' || event.type === 'call-finished') return
    if (this.publishQueued || this.closed) return
    this.publishQueued = true
    setImmediate(() => {
      this.publishQueued = false
      this.publishing = this.publishing
        .then(() => this.publish())
        .catch((err: unknown) =>
          this.options.logger.log('warn', `cluster registry: ${String(err)}`),
        )
    })
  }

  private async publish(): Promise<void> {
    const { kernel } = this.options.access
    const kv = this.kv
    if (kv === undefined || this.closed) return
    const local = new Map<string, ReturnType<typeof entryOf>>()
    const served = new Set<string>()
    for (const service of kernel.allServices()) {
      const guest = service.host
      if (this.guests.isStandIn(guest.key) || !isSafeName(guest.name)) continue
      if (kernel.hostByName(guest.name) !== guest) continue // an earlier incarnation
      if (guest.services.length === 0) continue
      local.set(guest.name, entryOf(this.options.host, this.instance, guest))
      if (service.state === 'running' && guest.alive) for (const n of service.exports) served.add(n)
    }
    this.calls?.serve(served)
    for (const [guest, entry] of local) {
      const key = this.names.guestKey(this.options.host, guest)
      const text = JSON.stringify(entry)
      if (this.published.get(key) === text) continue
      this.published.set(key, text)
      await kv.put(key, text)
    }
  }

  private beat(): void {
    if (this.closed) return
    this.nc.publish(
      this.names.heartbeatSubject(this.options.host),
      JSON.stringify({ instance: this.instance }),
    )
  }

  private onHeartbeat(subject: string, data: Uint8Array): void {
    const host = subject.slice(`${this.names.prefix}.hb.`.length)
    if (host === this.options.host || !isSafeName(host) || data.byteLength > 256) return
    let instance: unknown
    let leaving: unknown
    try {
      ;({ instance, leaving } = JSON.parse(new TextDecoder().decode(data)) as {
        instance?: unknown
        leaving?: unknown
      })
    } catch {
      return
    }
    if (typeof instance !== 'string' || instance.length > 64) return
    const seen = this.hosts.get(host)
    if (leaving === true) {
      // A host that stops says so: its callers need not wait for the heartbeat to go silent.
      if (seen === undefined || seen.gone || seen.instance !== instance) return
      seen.gone = true
      this.options.logger.log('info', `host ${host} left`)
      this.guests.hostGone(host, `host ${host} left`)
      return
    }
    const fresh = seen === undefined || seen.gone || seen.instance !== instance
    this.hosts.set(host, { instance, lastMs: Date.now(), gone: false })
    if (fresh) {
      if (seen?.gone === false && seen.instance !== instance)
        this.guests.hostGone(host, `host ${host} restarted`)
      this.options.logger.log('info', `host ${host} is up`)
      // Entries that waited for this host's first heartbeat now enter the kernel.
      for (const entry of this.entries.values())
        if (entry.host === host) this.guests.update(entry, entry.instance === instance)
    }
  }

  private isLive(host: string, instance: string): boolean {
    const seen = this.hosts.get(host)
    return seen !== undefined && !seen.gone && seen.instance === instance
  }

  private checkHosts(): void {
    const now = Date.now()
    for (const [host, seen] of this.hosts) {
      if (seen.gone || now - seen.lastMs <= HOST_GONE_MS) continue
      seen.gone = true
      const why = `host ${host} is gone (no heartbeat for ${now - seen.lastMs} ms)`
      this.options.logger.log('warn', why)
      this.guests.hostGone(host, why)
    }
  }

  /** Leaves the deployment: deletes this host's entries, stops serving, closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    this.telemetry?.close()
    this.calls?.close()
    this.nc.publish(
      this.names.heartbeatSubject(this.options.host),
      JSON.stringify({ instance: this.instance, leaving: true }),
    )
    // Bounded: a server that went away must not hold the process (its entries then go stale,
    // and the other hosts drop them when this host's heartbeat stops).
    const leave = async () => {
      await this.publishing
      const kv = this.kv
      if (kv !== undefined)
        await Promise.all(
          [...this.published.keys()].map((key) => kv.delete(key).catch(() => undefined)),
        )
      await this.nc.drain().catch(() => undefined)
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([leave(), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_MS)))])
    clearTimeout(timer)
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined)
  }
}
