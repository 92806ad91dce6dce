// The transport-neutral half of the bridge: turns a raw inbound message from an untrusted
// renderer into a validated call and answers a BridgeResponse, and fans the session's events
// out to every connection in bounded batches.
import type {
  BridgeErrorBody,
  BridgeEvent,
  BridgeEvents,
  BridgeResponse,
  BridgeServerMessage,
  LogLine,
} from '../../shared/bridge/contract'
import {
  BRIDGE_METHODS,
  isBridgeMethod,
  MAX_BRIDGE_MESSAGE_BYTES,
} from '../../shared/bridge/contract'
import { formatProblem } from '../../shared/bridge/validate'
import type { KernelEvent } from '../../shared/events/kernel-events'
import { describeError, StudioError } from './errors'
import { createHandlers } from './handlers'
import type { CallerState, Handlers } from './handlers'
import type { LogPredicate } from './log-filter'
import type { AttachedSession } from './attached-session'
import { createAttachedHandlers } from './attached-handlers'
import { StudioSession } from './session'

/** How a transport delivers server messages to one peer. */
export interface ConnectionSink {
  send(message: BridgeServerMessage): void
  /** Bytes queued but not yet sent; above the limit the connection skips a batch. */
  bufferedBytes?(): number
}

export interface BridgeServerOptions {
  /** How often batched events (logs, kernel events) are flushed. Default 50 ms. */
  readonly flushMs?: number
  /** Queued bytes above which a slow connection gets no new batch. Default 8 MiB. */
  readonly maxBufferedBytes?: number
  /** Kernel events held per connection before the oldest are dropped. Default 20 000. */
  readonly maxPendingKernelEvents?: number
}

/** Keeps one event message well under MAX_BRIDGE_MESSAGE_BYTES for the peer. */
const MAX_BATCH_BYTES = 256 * 1024
const MAX_BATCH_ITEMS = 5000
const LINE_OVERHEAD_BYTES = 96
const BATCHES_PER_FLUSH = 16

export interface BridgeConnection {
  /** Answers one raw inbound message (JSON text, or an already-decoded object over IPC). */
  handle(raw: unknown): Promise<BridgeResponse>
  close(): void
}

function failure(id: number | null, error: BridgeErrorBody): BridgeResponse {
  return { kind: 'response', id, ok: false, error }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

class Connection implements BridgeConnection, CallerState {
  private logMatch: LogPredicate | undefined
  private logCursor = 0
  private droppedLines = 0
  private gaps: { fromSeq: number; toSeq: number }[] = []
  private kernelEvents: KernelEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly server: BridgeServer,
    private readonly sink: ConnectionSink,
  ) {}

  handle(raw: unknown): Promise<BridgeResponse> {
    return this.server.dispatch(raw, this)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.server.forget(this)
  }

  subscribeLogs(match: LogPredicate, fromSeq: number): void {
    this.logMatch = match
    this.logCursor = fromSeq
    this.droppedLines = 0
    this.gaps = []
    this.schedule()
  }

  send(message: BridgeServerMessage): void {
    if (this.closed) return
    try {
      this.sink.send(message)
    } catch {
      this.close()
    }
  }

  sendEvent<E extends BridgeEvent>(event: E, payload: BridgeEvents[E]): void {
    this.send({ kind: 'event', event, payload })
  }

  kernelEvent(event: KernelEvent, max: number): void {
    this.kernelEvents.push(event)
    if (this.kernelEvents.length > max) {
      // The graph is rebuilt from graph.get, not from this stream: losing the oldest is safe.
      this.kernelEvents.splice(0, this.kernelEvents.length - max)
    }
    this.schedule()
  }

  logLine(): void {
    if (this.logMatch !== undefined) this.schedule()
  }

  private schedule(delay = this.server.flushMs): void {
    if (this.timer !== undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, delay)
  }

  /** Sends what is pending, in batches of bounded size; a slow peer is skipped this round. */
  private flush(): void {
    if (this.closed) return
    if ((this.sink.bufferedBytes?.() ?? 0) > this.server.maxBufferedBytes) {
      this.schedule()
      return
    }
    let more = true
    // Several batches per tick while the peer keeps up: under a log flood the event loop is
    // busy with the guests' messages, and one batch per tick would fall behind the ring.
    for (let i = 0; more && i < BATCHES_PER_FLUSH; i++) {
      if (i > 0 && (this.sink.bufferedBytes?.() ?? 0) > this.server.maxBufferedBytes) break
      more = false
      if (this.kernelEvents.length > 0) {
        const batch = this.kernelEvents.splice(0, MAX_BATCH_ITEMS)
        this.sendEvent('kernel-events', batch)
        more = this.kernelEvents.length > 0
      }
      more = this.flushLogs() || more
    }
    if (more) this.schedule(0)
  }

  private flushLogs(): boolean {
    const match = this.logMatch
    if (match === undefined) return false
    const ring = this.server.session.logs
    if (this.logCursor < ring.oldest) {
      this.droppedLines += ring.oldest - this.logCursor
      const last = this.gaps.at(-1)
      if (last !== undefined && last.toSeq === this.logCursor) last.toSeq = ring.oldest
      else this.gaps.push({ fromSeq: this.logCursor, toSeq: ring.oldest })
      this.logCursor = ring.oldest
    }
    const lines: LogLine[] = []
    let bytes = 0
    while (
      this.logCursor < ring.next &&
      lines.length < MAX_BATCH_ITEMS &&
      bytes < MAX_BATCH_BYTES
    ) {
      const line = ring.at(this.logCursor++) as LogLine
      if (!match(line)) continue
      lines.push(line)
      bytes += line.message.length + line.source.length + LINE_OVERHEAD_BYTES
    }
    if (lines.length > 0 || this.droppedLines > 0) {
      this.sendEvent('logs', {
        lines,
        dropped: this.droppedLines,
        ...(this.gaps.length > 0 ? { gaps: this.gaps } : {}),
      })
      this.droppedLines = 0
      this.gaps = []
    }
    return this.logCursor < ring.next
  }
}

/** Owns the connections of one session, whatever transport carries them. */
export class BridgeServer {
  readonly flushMs: number
  readonly maxBufferedBytes: number
  private readonly maxPendingKernelEvents: number
  private readonly handlers: Handlers
  private readonly connections = new Set<Connection>()
  private readonly unsubscribe: () => void

  constructor(
    readonly session: StudioSession | AttachedSession,
    options: BridgeServerOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 50
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024
    this.maxPendingKernelEvents = options.maxPendingKernelEvents ?? 20_000
    this.handlers =
      session instanceof StudioSession ? createHandlers(session) : createAttachedHandlers(session)
    this.unsubscribe = session.subscribe((event) => {
      for (const connection of this.connections) {
        switch (event.kind) {
          case 'status':
            connection.sendEvent('deployment-status', event.status)
            break
          case 'queues':
            connection.sendEvent('queues-changed', { queues: event.queues })
            break
          case 'config':
            connection.sendEvent('config-changed', { file: event.file })
            break
          case 'traces':
            connection.sendEvent('traces-changed', { spans: event.spans })
            break
          case 'kernel':
            connection.kernelEvent(event.event, this.maxPendingKernelEvents)
            break
          case 'log':
            connection.logLine()
            break
        }
      }
    })
  }

  connect(sink: ConnectionSink): BridgeConnection {
    const connection = new Connection(this, sink)
    this.connections.add(connection)
    return connection
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** @internal */
  forget(connection: Connection): void {
    this.connections.delete(connection)
  }

  close(): void {
    for (const connection of [...this.connections]) connection.close()
    this.unsubscribe()
  }

  /** Validates and runs one inbound message; never throws, never leaks a stack. */
  async dispatch(raw: unknown, caller: CallerState): Promise<BridgeResponse> {
    let message: unknown = raw
    if (typeof raw === 'string' || raw instanceof Uint8Array) {
      const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength
      if (size > MAX_BRIDGE_MESSAGE_BYTES)
        return failure(null, {
          code: 'too-large',
          message: `message of ${size} bytes is over the limit of ${MAX_BRIDGE_MESSAGE_BYTES}`,
        })
      try {
        message = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'))
      } catch {
        return failure(null, { code: 'bad-message', message: 'not valid JSON' })
      }
    } else {
      // Over IPC the object arrives decoded; measure it as the WebSocket would carry it.
      let size: number
      try {
        size = Buffer.byteLength(JSON.stringify(raw) ?? '', 'utf8')
      } catch {
        return failure(null, { code: 'bad-message', message: 'not representable as JSON' })
      }
      if (size > MAX_BRIDGE_MESSAGE_BYTES)
        return failure(null, {
          code: 'too-large',
          message: `message of ${size} bytes is over the limit of ${MAX_BRIDGE_MESSAGE_BYTES}`,
        })
    }
    if (!isRecord(message))
      return failure(null, { code: 'bad-message', message: 'a request must be a JSON object' })
    const id = message['id']
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
      return failure(null, {
        code: 'bad-message',
        message: 'id: expected a non-negative integer',
        field: 'id',
      })
    if (message['kind'] !== 'request')
      return failure(id, {
        code: 'bad-message',
        message: 'kind: expected "request"',
        field: 'kind',
      })
    for (const key of Object.keys(message)) {
      if (!['kind', 'id', 'method', 'params'].includes(key))
        return failure(id, { code: 'bad-message', message: `${key}: no such field`, field: key })
    }
    const method = message['method']
    if (typeof method !== 'string')
      return failure(id, {
        code: 'bad-message',
        message: 'method: expected a string',
        field: 'method',
      })
    if (!isBridgeMethod(method))
      return failure(id, {
        code: 'unknown-method',
        message: `unknown method ${JSON.stringify(method.slice(0, 100))}`,
      })
    const params = message['params']
    const problem = BRIDGE_METHODS[method].check(params, 'params')
    if (problem)
      return failure(id, {
        code: 'invalid-params',
        message: formatProblem(problem),
        field: problem.path,
      })
    try {
      const handler = this.handlers[method] as (p: unknown, c: CallerState) => unknown
      const result = await handler(params, caller)
      return { kind: 'response', id, ok: true, result }
    } catch (err) {
      if (err instanceof StudioError) return failure(id, err.toBody())
      return failure(id, { code: 'internal', message: `internal error: ${describeError(err)}` })
    }
  }
}
