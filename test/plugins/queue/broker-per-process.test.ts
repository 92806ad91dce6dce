// The JetStream queue broker is one thread per process for a server, deployment and settings:
// its clients (one per guest worker thread) share its one NATS connection, and it ends with its
// last client. Real nats-server (loopback, temporary store); the built broker script (out/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerClient } from '../../../src/main/plugins/queue/jetstream/broker-client'
import type { BrokerOptions } from '../../../src/main/plugins/queue/jetstream/broker-client'
import {
  queueBrokerCount,
  queueBrokerEnded,
} from '../../../src/main/plugins/queue/jetstream/process-brokers'
import { startNatsServer, type NatsServer } from '../../helpers/nats-server'

let nats: NatsServer

beforeAll(async () => {
  nats = await startNatsServer({ monitor: true })
}, 60_000)

afterAll(async () => {
  await nats?.stop()
})

async function openConnectionNames(): Promise<string[]> {
  const response = await fetch(`${nats.monitorUrl}/connz?limit=10000`)
  const body = (await response.json()) as { connections?: { name?: string }[] }
  return (body.connections ?? []).map((c) => c.name ?? '')
}

function options(deployment: string): BrokerOptions {
  return {
    cluster: { nats: nats.url, requireCredentials: false },
    deployment,
    settings: { visibilityTimeoutMs: 0, maxReceives: 0, maxReceiveBatch: 64 },
    timeoutMs: 15_000,
  }
}

describe('the JetStream queue broker, one per process', () => {
  it('is shared by its clients, on one connection, and ends with the last of them', async () => {
    const a = new BrokerClient(options('brk'))
    const b = new BrokerClient(options('brk'))
    const other = new BrokerClient(options('brk2'))
    expect(queueBrokerCount()).toBe(2)

    const created = a.call({ op: 'createQueue', name: 'shared' }, 'queue "shared"')
    expect(created.ok, created.ok ? '' : created.error).toBe(true)
    const id = created.ok ? created.value.id : undefined
    const locate = (client: BrokerClient) => {
      const found = client.call({ op: 'locate', name: 'shared' }, 'queue "shared"')
      return found.ok ? found.value.id : found.error
    }
    expect(locate(b)).toEqual(id)
    // Another deployment's broker: its queues are its own.
    expect(other.call({ op: 'locate', name: 'shared' }, 'queue "shared"').ok).toBe(false)

    const names = await openConnectionNames()
    expect(names.filter((n) => n === 'parigot brk/queue-broker')).toHaveLength(1)
    expect(names.filter((n) => n === 'parigot brk2/queue-broker')).toHaveLength(1)

    // The first client leaving keeps the broker for the second.
    a.close()
    expect(locate(b)).toEqual(id)
    expect(queueBrokerCount()).toBe(2)

    const ended = queueBrokerEnded()
    b.close()
    await ended
    expect(queueBrokerCount()).toBe(1)

    // A client that comes later gets a new broker.
    const c = new BrokerClient(options('brk'))
    expect(locate(c)).toEqual(id)
    for (const client of [c, other]) {
      const one = queueBrokerEnded()
      client.close()
      await one
    }
    expect(queueBrokerCount()).toBe(0)
  }, 60_000)
})
