/**
 * Log lines from before an attach. Hosts publish their batched log lines on core subjects
 * (host-telemetry.ts); a JetStream stream per deployment keeps the most recent of those batches
 * (bounded by bytes and age), so a Studio that attaches later reads them first and then follows
 * the live ones through the same ordered consumer: no gap and no duplicate between the two.
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
} from '@nats-io/jetstream'
import { nanos, type NatsConnection } from '@nats-io/transport-node'
import type { ClusterNames } from './subjects'

/** How long the attach waits for the read-back before it goes on (the rest still arrives). */
const REPLAY_WAIT_MS = 10_000

export const LOG_HISTORY = {
  /** What the stream keeps at most: the oldest batches go first. */
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 24 * 60 * 60 * 1000,
  /** Batches an attaching Studio reads back (about 100 ms of one host's lines each). */
  replayBatches: 2_000,
} as const

/** Creates the deployment's log stream, or leaves the one there (idempotent). */
export async function ensureLogStream(nc: NatsConnection, names: ClusterNames): Promise<void> {
  const jsm = await jetstreamManager(nc)
  try {
    await jsm.streams.add({
      name: names.logStream,
      subjects: [names.logSubject('*')],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
      max_bytes: LOG_HISTORY.maxBytes,
      // No max_msg_size: a batch the stream refused would never reach the observer, which
      // reads from the stream, where one too large for its checks is refused and counted.
      max_age: nanos(LOG_HISTORY.maxAgeMs),
    })
  } catch (err) {
    // Made by another host (or an older version) with other limits: it still keeps the lines.
    await jsm.streams.info(names.logStream).catch(() => {
      throw err
    })
  }
}

export interface LogFollow {
  /** Batches read back from before the attach. */
  readonly replayed: number
  /** False when the read-back took longer than REPLAY_WAIT_MS: the rest arrives later. */
  readonly complete: boolean
  /** Older batches the stream still had but that were not read back (over replayBatches). */
  readonly skipped: number
  stop(): void
}

/**
 * Reads the last `replayBatches` log batches of every host, then follows new ones, calling
 * `batch` with the subject and data of each, in order. Resolves once the batches from before
 * the attach have been handed over; rejects (so the caller can fall back to live lines only)
 * when the stream cannot be read.
 */
export async function followLogs(
  nc: NatsConnection,
  names: ClusterNames,
  batch: (subject: string, data: Uint8Array) => void,
  replayBatches: number = LOG_HISTORY.replayBatches,
): Promise<LogFollow> {
  const jsm = await jetstreamManager(nc)
  const { state } = await jsm.streams.info(names.logStream)
  const start = Math.max(state.first_seq, state.last_seq - replayBatches + 1)
  const consumer = await jetstream(nc).consumers.get(
    names.logStream,
    state.messages > replayBatches
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }
      : { deliver_policy: DeliverPolicy.All },
  )
  const messages: ConsumerMessages = await consumer.consume()
  const backlog = state.messages === 0 ? 0 : state.last_seq - start + 1
  let replayed = 0
  let caughtUp: () => void = () => undefined
  const done = new Promise<void>((resolve) => (caughtUp = resolve))
  if (backlog === 0) caughtUp()
  void (async () => {
    for await (const m of messages) {
      batch(m.subject, m.data)
      if (m.seq <= state.last_seq) replayed++
      if (m.seq >= state.last_seq) caughtUp()
    }
    caughtUp()
  })()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLAY_WAIT_MS)))
  await Promise.race([done, late])
  clearTimeout(timer)
  return {
    complete: replayed >= backlog,
    replayed,
    skipped: state.messages > replayBatches ? start - state.first_seq : 0,
    stop: () => messages.stop(),
  }
}
