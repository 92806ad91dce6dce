// The WebSocket transport of browser mode (`parigot serve`): requests with ids and timeouts,
// events fanned out to listeners, and reconnection with backoff. Requests made while the socket
// is down wait for the next connection (within their timeout) instead of failing at once, so a
// short engine restart does not surface as errors.
import {
  BRIDGE_ERROR_CODES,
  BridgeError,
  type BridgeErrorBody,
  type BridgeEvent,
  type BridgeEvents,
  type BridgeMethod,
  type BridgeParams,
  type BridgeRequest,
  type BridgeResult,
  type StudioBridge,
} from '../../../shared/bridge/contract'
import { markConnected, markDisconnected } from './connection.svelte'

export interface WebSocketBridgeOptions {
  readonly url: string
  readonly requestTimeoutMs?: number
  /** Backoff bounds for reconnection. */
  readonly minRetryMs?: number
  readonly maxRetryMs?: number
}

interface Pending {
  readonly resolve: (value: unknown) => void
  readonly reject: (error: Error) => void
  readonly timer: ReturnType<typeof setTimeout>
  /** The serialised request, kept until it has been sent on an open socket. */
  text: string | undefined
}

type AnyListener = (payload: never) => void

export class WebSocketBridge implements StudioBridge {
  readonly transport = 'websocket' as const
  private socket: WebSocket | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly listeners = new Map<BridgeEvent, Set<AnyListener>>()
  private retryMs: number
  private firstOpen: Promise<void>
  private resolveFirstOpen: (() => void) | undefined

  constructor(private readonly options: WebSocketBridgeOptions) {
    this.retryMs = options.minRetryMs ?? 250
    this.firstOpen = new Promise((resolve) => (this.resolveFirstOpen = resolve))
    this.open()
  }

  /** Resolves once the first connection is open (or when its request times out). */
  ready(): Promise<void> {
    return this.firstOpen
  }

  call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>> {
    const id = this.nextId++
    const request: BridgeRequest = { kind: 'request', id, method, params }
    return new Promise<BridgeResult<M>>((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 15_000
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new BridgeError({ code: 'internal', message: `${method}: no answer in ${timeoutMs} ms` }),
        )
      }, timeoutMs)
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
        text: JSON.stringify(request),
      }
      this.pending.set(id, entry)
      this.flush()
    })
  }

  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as AnyListener)
    return () => set.delete(listener as AnyListener)
  }

  private open(): void {
    const socket = new WebSocket(this.options.url)
    this.socket = socket
    socket.addEventListener('open', () => {
      this.retryMs = this.options.minRetryMs ?? 250
      markConnected()
      this.resolveFirstOpen?.()
      this.resolveFirstOpen = undefined
      this.flush()
    })
    socket.addEventListener('message', (message) => {
      if (typeof message.data === 'string') this.receive(message.data)
    })
    socket.addEventListener('close', (closed) => {
      if (this.socket !== socket) return
      this.socket = undefined
      // A request already sent on the dead socket will never be answered: fail it now rather
      // than at its timeout. Unsent ones wait for the next connection.
      for (const [id, entry] of this.pending) {
        if (entry.text !== undefined) continue
        clearTimeout(entry.timer)
        this.pending.delete(id)
        entry.reject(
          new BridgeError({ code: 'internal', message: 'connection to the engine lost' }),
        )
      }
      const delay = this.retryMs
      this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 5_000)
      const reason =
        closed.reason || (closed.code === 1006 ? 'engine unreachable' : `closed (${closed.code})`)
      markDisconnected(reason, Date.now() + delay)
      setTimeout(() => this.open(), delay)
    })
  }

  private flush(): void {
    const socket = this.socket
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) return
    for (const entry of this.pending.values()) {
      if (entry.text === undefined) continue
      socket.send(entry.text)
      entry.text = undefined
    }
  }

  private receive(text: string): void {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      console.error('bridge: a message from the engine is not JSON')
      return
    }
    if (typeof message !== 'object' || message === null) return
    const m = message as Record<string, unknown>
    if (m['kind'] === 'event' && typeof m['event'] === 'string') {
      const set = this.listeners.get(m['event'] as BridgeEvent)
      for (const listener of set ?? []) {
        try {
          ;(listener as (payload: unknown) => void)(m['payload'])
        } catch (error) {
          console.error(`bridge: a listener of ${m['event']} threw`, error)
        }
      }
      return
    }
    if (m['kind'] !== 'response' || typeof m['id'] !== 'number') return
    const entry = this.pending.get(m['id'])
    if (entry === undefined) return
    this.pending.delete(m['id'])
    clearTimeout(entry.timer)
    if (m['ok'] === true) entry.resolve(m['result'])
    else entry.reject(new BridgeError(errorBody(m['error'])))
  }
}

function errorBody(value: unknown): BridgeErrorBody {
  const body = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const code = BRIDGE_ERROR_CODES.find((c) => c === body['code']) ?? 'internal'
  const message =
    typeof body['message'] === 'string' ? body['message'] : 'the engine refused the call'
  return typeof body['field'] === 'string'
    ? { code, message, field: body['field'] }
    : { code, message }
}
