// The deliveries the broker handed to its guests and not yet acknowledged: only the receiver of
// a delivery can acknowledge it (its reply subject), so the broker keeps the subject by stream
// sequence. Bounded: past the limit the oldest is forgotten, and marking it done falls back to
// deleting the message by sequence (what a host that did not receive it does).

const LIMIT = 100_000

export interface Delivery {
  readonly ackSubject: string
  readonly streamSeq: number
  /** Deliveries so far, this one included. */
  readonly delivered: number
  readonly timestampNanos: bigint
}

/**
 * The delivery a JetStream ack subject describes: `$JS.ACK.<stream>.<consumer>.<delivered>.
 * <stream seq>.<consumer seq>.<time ns>.<pending>` (9 tokens), or the 12-token form with a
 * domain and an account hash after `$JS.ACK`.
 */
export function parseAckSubject(subject: string): Delivery | undefined {
  const tokens = subject.split('.')
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK') return undefined
  const at = tokens.length === 9 ? 4 : tokens.length >= 11 ? 6 : -1
  if (at < 0) return undefined
  const delivered = Number(tokens[at])
  const streamSeq = Number(tokens[at + 1])
  const time = tokens[at + 3] ?? ''
  if (!Number.isSafeInteger(delivered) || !Number.isSafeInteger(streamSeq) || !/^\d+$/.test(time)) {
    return undefined
  }
  return { ackSubject: subject, streamSeq, delivered, timestampNanos: BigInt(time) }
}

export class InFlight {
  private readonly subjects = new Map<string, string>()

  remember(stream: string, seq: number, ackSubject: string): void {
    const key = `${stream}/${seq}`
    this.subjects.delete(key)
    this.subjects.set(key, ackSubject)
    if (this.subjects.size > LIMIT) {
      const oldest = this.subjects.keys().next().value
      if (oldest !== undefined) this.subjects.delete(oldest)
    }
  }

  take(stream: string, seq: number): string | undefined {
    const key = `${stream}/${seq}`
    const subject = this.subjects.get(key)
    this.subjects.delete(key)
    return subject
  }
}
