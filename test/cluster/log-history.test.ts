// The deployment's log stream on a real nats-server: an observer attaching late reads back the
// last batches in order, says how many older ones it left out, then follows new ones with no
// gap and no duplicate.
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureLogStream, followLogs } from '../../src/main/cluster/log-history'
import { clusterNames } from '../../src/main/cluster/subjects'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let nc: NatsConnection
const names = clusterNames('history')

beforeAll(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
}, 60_000)

afterAll(async () => {
  await nc?.close()
  await nats?.stop()
})

describe('log history', () => {
  it('reads back the last N batches, counts the older ones, then follows live ones', async () => {
    await ensureLogStream(nc, names)
    await ensureLogStream(nc, names) // a second host: the same stream, no error
    for (let i = 0; i < 10; i++) nc.publish(names.logSubject(i % 2 === 0 ? 'a' : 'b'), `early ${i}`)
    await nc.flush()
    // The stream has them once the server says so: wait on its count, not on time.
    const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc)
    while ((await jsm.streams.info(names.logStream)).state.messages < 10) await nc.flush()

    const seen: string[] = []
    let live: () => void = () => undefined
    const gotLive = new Promise<void>((resolve) => (live = resolve))
    const follow = await followLogs(
      nc,
      names,
      (subject, data) => {
        const text = `${subject.slice(subject.lastIndexOf('.') + 1)}:${new TextDecoder().decode(data)}`
        seen.push(text)
        if (text.includes('late')) live()
      },
      3,
    )
    try {
      // Resolved only once the read-back is in.
      expect(seen).toEqual(['b:early 7', 'a:early 8', 'b:early 9'])
      expect(follow).toMatchObject({ replayed: 3, skipped: 7, complete: true })
      nc.publish(names.logSubject('a'), 'late 10')
      await gotLive
      expect(seen).toEqual(['b:early 7', 'a:early 8', 'b:early 9', 'a:late 10'])
    } finally {
      follow.stop()
    }
  }, 30_000)

  it('fails, for the caller to fall back, when the stream does not exist', async () => {
    await expect(followLogs(nc, clusterNames('nostream'), () => undefined)).rejects.toThrow(
      /stream not found/i,
    )
  }, 30_000)
})
