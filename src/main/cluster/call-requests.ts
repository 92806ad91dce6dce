/**
 * NATS request/reply for calls between hosts, on one reply subscription and one timer. The
 * client's `request()` costs, per call, three Error objects (two with stack traces, kept for
 * async traces, and one to reject the already settled promise), a timer, a promise and its
 * callbacks; a host sending thousands of calls a second needs none of them. Here a call is an
 * entry in a map: its reply comes to `<inbox>.<n>` (the same no-responders status from the
 * server), and one timer, armed for the oldest deadline, expires the calls left unanswered.
 */
import { createInbox } from '@nats-io/transport-node'
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'

export type RequestOutcome =
  | { readonly kind: 'reply'; readonly data: Uint8Array }
  /** The server said no one subscribes to the subject (status 503 on the reply subject). */
  | { readonly kind: 'no-responders' }
  | { readonly kind: 'timeout'; readonly afterMs: number }
  /** The connection closed, or the request could not be published (the reason). */
  | { readonly kind: 'failed'; readonly reason: string }

interface Pending {
  readonly deadline: number
  readonly timeoutMs: number
  readonly settle: (outcome: RequestOutcome) => void
}

export class CallRequests {
  private readonly inbox: string
  private readonly subscription: Subscription
  /** By request number; insertion order is send order. */
  private readonly pending = new Map<number, Pending>()
  private next = 1
  private timer: NodeJS.Timeout | undefined
  private timerAt = Infinity
  private closed = false

  constructor(
    private readonly nc: NatsConnection,
    /** A settle callback threw (a throw out of a subscription callback would stop the client). */
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.inbox = createInbox()
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, msg) => {
        if (err === null) this.onReply(msg)
      },
    })
  }

  /** Publishes `data` on `subject`; `settle` is called exactly once, never synchronously. */
  request(
    subject: string,
    data: Uint8Array,
    timeoutMs: number,
    settle: (outcome: RequestOutcome) => void,
  ): void {
    if (this.closed) {
      queueMicrotask(() => settle({ kind: 'failed', reason: 'the connection is closing' }))
      return
    }
    const id = this.next++
    const deadline = this.now() + timeoutMs
    try {
      this.nc.publish(subject, data, { reply: `${this.inbox}.${id}` })
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      queueMicrotask(() => settle({ kind: 'failed', reason }))
      return
    }
    this.pending.set(id, { deadline, timeoutMs, settle })
    if (deadline < this.timerAt) this.arm(deadline)
  }

  /** How many requests wait for their reply. */
  get waiting(): number {
    return this.pending.size
  }

  private onReply(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1))
    const waiting = this.pending.get(id)
    if (waiting === undefined) return // answered after its timeout, or a stray message
    this.pending.delete(id)
    const noResponders = msg.data.byteLength === 0 && msg.headers?.code === 503
    this.settle(
      waiting,
      noResponders ? { kind: 'no-responders' } : { kind: 'reply', data: msg.data },
    )
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - this.now()))
  }

  /** Ends the requests past their deadline; re-arms for the earliest of the others. */
  private expire(): void {
    this.timer = undefined
    this.timerAt = Infinity
    const now = this.now()
    let earliest = Infinity
    for (const [id, waiting] of this.pending) {
      if (waiting.deadline <= now) {
        this.pending.delete(id)
        this.settle(waiting, { kind: 'timeout', afterMs: waiting.timeoutMs })
      } else if (waiting.deadline < earliest) earliest = waiting.deadline
    }
    if (earliest !== Infinity && !this.closed) this.arm(earliest)
  }

  /** Fails every waiting request with `reason` and stops listening for replies. */
  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.subscription.unsubscribe()
    const waiting = [...this.pending.values()]
    this.pending.clear()
    for (const w of waiting) this.settle(w, { kind: 'failed', reason })
  }

  private settle(waiting: Pending, outcome: RequestOutcome): void {
    try {
      waiting.settle(outcome)
    } catch (err) {
      this.onError(err)
    }
  }
}
