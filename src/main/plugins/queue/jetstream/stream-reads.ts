// Reading a queue's streams for the Studio's inspector (inspector.ts): messages one by one with
// the stream API's message get, the consumer's delivery position, counts; and what a failed
// call means for the user (JetStreamInspectorError).
import {
  JetStreamApiError,
  type JetStreamManager,
  type MsgRequest,
  type StoredMsg,
} from '@nats-io/jetstream'
import {
  ClosedConnectionError,
  ConnectionError,
  NoRespondersError,
  PermissionViolationError,
  TimeoutError,
} from '@nats-io/transport-node'
import { JetStreamInspectorError } from './inspector-error'
import { CONSUMER_NAME } from './names'

export const STREAM_NOT_FOUND = 10059
export const CONSUMER_NOT_FOUND = 10014

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err))

const apiCode = (err: unknown): number | undefined =>
  err instanceof JetStreamApiError ? err.code : undefined

/**
 * The stream's messages from sequence `from` on (of `subject`, or any), one get each; at most
 * `max`. Gaps left by deleted messages cost nothing: the server answers the next one.
 */
export async function* scan(
  jsm: JetStreamManager,
  stream: string,
  subject: string | undefined,
  from: number,
  max = Infinity,
): AsyncGenerator<StoredMsg> {
  let seq = from
  for (let n = 0; n < max; n++) {
    let m: StoredMsg | null
    try {
      // `next_by_subj` is in the server's message-get request since 2.9; the client's type
      // lists it for direct gets only (which 2.9 streams do not allow by default).
      m = await jsm.streams.getMessage(stream, {
        seq,
        next_by_subj: subject ?? '>',
      } as unknown as MsgRequest)
    } catch (err) {
      // A dead-letter stream (read without a subject) not created yet holds nothing.
      if (apiCode(err) === STREAM_NOT_FOUND && subject === undefined) return
      throw err
    }
    if (m === null) return
    yield m
    seq = m.seq + 1
  }
}

/** The last stream sequence the queue's consumer delivered (0 before any, or without one). */
export async function deliveredSeq(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.consumers.info(stream, CONSUMER_NAME)).delivered.stream_seq
  } catch (err) {
    if (apiCode(err) === CONSUMER_NOT_FOUND) return 0
    throw err
  }
}

/** Messages delivered and not acknowledged yet (in flight). */
export async function ackPendingCount(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.consumers.info(stream, CONSUMER_NAME)).num_ack_pending
  } catch (err) {
    if (apiCode(err) === CONSUMER_NOT_FOUND) return 0
    throw err
  }
}

/** The stream's message count; 0 for a stream that does not exist. */
export async function messageCount(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.messages
  } catch (err) {
    if (apiCode(err) === STREAM_NOT_FOUND) return 0
    throw err
  }
}

/** A failed NATS call as the inspector's typed error, `where` naming what was being done. */
export function classifyNatsError(err: unknown, where: string): JetStreamInspectorError {
  const text = why(err)
  const apiCode = err instanceof JetStreamApiError ? err.code : undefined
  if (apiCode === STREAM_NOT_FOUND || apiCode === CONSUMER_NOT_FOUND)
    return new JetStreamInspectorError('stream-missing', `${where}: ${text}`)
  if (err instanceof PermissionViolationError || /permissions? violation/i.test(text))
    return new JetStreamInspectorError('no-permission', `${where}: permission denied: ${text}`)
  if (
    err instanceof TimeoutError ||
    err instanceof ClosedConnectionError ||
    err instanceof ConnectionError ||
    err instanceof NoRespondersError ||
    (err instanceof Error && err.cause instanceof TimeoutError)
  )
    return new JetStreamInspectorError('server-gone', `${where}: ${text}`)
  return new JetStreamInspectorError('refused', `${where}: ${text}`)
}
