// queue-jetstream-msgs-per-s: the JetStream queue backend's durable cycle, one message at a time
// (send, then a receive that carries the previous message's acknowledgement), called
// synchronously as the host functions call it (through the broker thread); next to
// floor-jetstream-cycle-msgs-per-s, the same three server round trips (publish with ack, pull
// one, ack with reply) made directly with the async client in this thread, same server, same
// payload, rounds alternating. queue-jetstream-peek-100-ms: the Studio inspector's peek of 100
// messages of a JetStream queue, next to floor-jetstream-get-100-ms, 100 plain message gets of
// the same stream with the same client.
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import type { AnyBytes, StoreResult } from '../src/main/plugins/queue/backend'
import type { QueueMsgId } from '../src/shared/id'
import {
  closeQueueBrokers,
  JetStreamQueueBackend,
} from '../src/main/plugins/queue/jetstream/backend'
import { JetStreamInspector } from '../src/main/plugins/queue/jetstream/inspector'
import { streamName } from '../src/main/plugins/queue/jetstream/names'
import { startNatsServer } from '../test/helpers/nats-server'
import { median } from './lib/stats'
import type { Benchmark, BenchResult } from './lib/result'

const MESSAGES = 500
const WARMUP = 50
const ROUNDS = 3
const PAYLOAD: AnyBytes = {
  typeUrl: 'type.googleapis.com/bench.Payload',
  value: new Uint8Array(100),
}

function must<T>(result: StoreResult<T>): T {
  if (!result.ok) throw new Error(result.error)
  return result.value
}

function backendRound(url: string, round: number): number {
  const q = new JetStreamQueueBackend({
    cluster: { nats: url, requireCredentials: false },
    deployment: 'bench',
    settings: { visibilityTimeoutMs: 30_000, maxReceives: 5, maxReceiveBatch: 100 },
    timeoutMs: 10_000,
  })
  const id = must(q.createQueue(`cycle${round}`)).id
  let done: QueueMsgId[] = []
  let start = 0
  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    if (i === WARMUP) start = performance.now()
    must(q.send(id, [{ payload: PAYLOAD }]))
    const got = must(q.markDoneAndReceive(id, done, 1))
    if (got.messages.length !== 1) throw new Error(`receive got ${got.messages.length} messages`)
    done = got.messages.map((m) => m.msgId)
  }
  must(q.markDone(id, done))
  const seconds = (performance.now() - start) / 1000
  must(q.deleteQueue(id))
  return MESSAGES / seconds
}

async function floorRound(url: string, round: number): Promise<number> {
  const nc = await connect({ servers: url })
  try {
    const jsm = await jetstreamManager(nc)
    const stream = `FLOOR${round}`
    await jsm.streams.add({
      name: stream,
      subjects: [`floor.${round}`],
      retention: RetentionPolicy.Workqueue,
    })
    await jsm.consumers.add(stream, { durable_name: 'c', ack_policy: AckPolicy.Explicit })
    const js = jetstream(nc)
    const consumer = await js.consumers.get(stream, 'c')
    let start = 0
    for (let i = 0; i < WARMUP + MESSAGES; i++) {
      if (i === WARMUP) start = performance.now()
      await js.publish(`floor.${round}`, PAYLOAD.value)
      const m = await consumer.next({ expires: 1000 })
      if (m === null) throw new Error('floor: no message')
      await m.ackAck()
    }
    const seconds = (performance.now() - start) / 1000
    await jsm.streams.delete(stream)
    return MESSAGES / seconds
  } finally {
    await nc.close()
  }
}

async function cycles(): Promise<BenchResult[]> {
  const nats = await startNatsServer()
  try {
    const floor: number[] = []
    const backend: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      floor.push(await floorRound(nats.url, round))
      backend.push(backendRound(nats.url, round))
    }
    const common = `median of ${ROUNDS} rounds x ${MESSAGES} messages of 100 bytes after ${WARMUP} warm-up, one at a time, nats-server ${nats.url} on loopback (file store in a temporary directory), rounds alternating`
    return [
      {
        id: 'floor-jetstream-cycle-msgs-per-s',
        value: median(floor),
        unit: 'msg/s',
        better: 'higher',
        setting: `${common}; async client in this thread: publish (awaiting the PubAck), consumer.next(), ackAck()`,
      },
      {
        id: 'queue-jetstream-msgs-per-s',
        value: median(backend),
        unit: 'msg/s',
        better: 'higher',
        setting: `${common}; JetStreamQueueBackend called synchronously from this thread (as the host functions call it): send, then markDoneAndReceive carrying the previous acknowledgement, each through the broker thread`,
        baseline: 'floor-jetstream-cycle-msgs-per-s',
      },
    ]
  } finally {
    closeQueueBrokers()
    await nats.stop()
  }
}

const PEEKED = 100
const PEEK_ROUNDS = 7

/** The inspector's peek of 100 queued messages, against 100 raw gets of the same stream. */
async function peeks(): Promise<BenchResult[]> {
  const nats = await startNatsServer()
  const cluster = { nats: nats.url, requireCredentials: false }
  try {
    const q = new JetStreamQueueBackend({
      cluster,
      deployment: 'bench',
      settings: { visibilityTimeoutMs: 30_000, maxReceives: 5, maxReceiveBatch: 100 },
      timeoutMs: 10_000,
    })
    const id = must(q.createQueue('peeked')).id
    must(
      q.send(
        id,
        Array.from({ length: PEEKED }, () => ({ payload: PAYLOAD })),
      ),
    )
    q.close()
    const inspector = await JetStreamInspector.connect(cluster, 'bench')
    const nc = await connect({ servers: nats.url })
    const jsm = await jetstreamManager(nc)
    const stream = streamName('bench', 'peeked')
    const floor: number[] = []
    const peek: number[] = []
    try {
      for (let round = 0; round < PEEK_ROUNDS + 1; round++) {
        let start = performance.now()
        for (let seq = 1; seq <= PEEKED; seq++) {
          if ((await jsm.streams.getMessage(stream, { seq })) === null)
            throw new Error(`floor: no message ${seq}`)
        }
        const floorMs = performance.now() - start
        start = performance.now()
        const got = await inspector.peek('peeked', { limit: PEEKED })
        const peekMs = performance.now() - start
        if (got.length !== PEEKED) throw new Error(`peek got ${got.length} messages`)
        if (round > 0) {
          floor.push(floorMs)
          peek.push(peekMs)
        }
      }
    } finally {
      await inspector.close()
      await nc.close()
    }
    const common = `median of ${PEEK_ROUNDS} rounds after one warm-up, ${PEEKED} messages of 100 bytes in a work-queue stream, nats-server on loopback, rounds alternating`
    return [
      {
        id: 'floor-jetstream-get-100-ms',
        value: median(floor),
        unit: 'ms',
        better: 'lower',
        setting: `${common}; ${PEEKED} jsm.streams.getMessage({ seq }) one after another`,
      },
      {
        id: 'queue-jetstream-peek-100-ms',
        value: median(peek),
        unit: 'ms',
        better: 'lower',
        setting: `${common}; JetStreamInspector.peek (consumer info, ${PEEKED} gets by next_by_subj, the dead-letter stream's first get, Any decoding)`,
        baseline: 'floor-jetstream-get-100-ms',
      },
    ]
  } finally {
    closeQueueBrokers()
    await nats.stop()
  }
}

export const queueJetStreamBenchmark: Benchmark = {
  name: 'queues in JetStream',
  measurements: [
    { ids: ['floor-jetstream-cycle-msgs-per-s', 'queue-jetstream-msgs-per-s'], run: cycles },
    { ids: ['floor-jetstream-get-100-ms', 'queue-jetstream-peek-100-ms'], run: peeks },
  ],
}
