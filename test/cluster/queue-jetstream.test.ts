// `[plugins.queue] backend = "jetstream"` across `parigot run --host` processes on a real
// nats-server (loopback, temporary JetStream store): producers and consumers on different hosts
// share one queue, and a consumer host killed with SIGKILL loses no acknowledged message.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { compileAssemblyScript, compileGuestFixture } from '../helpers/asc'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { runParigot } from '../helpers/parigot-cli'
import { closedConnectionNames, startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let dir: string
const hosts: HostProcess[] = []

beforeAll(async () => {
  ;[nats, dir] = await Promise.all([
    startNatsServer({ monitor: true }),
    mkdtemp(join(tmpdir(), 'parigot-jsq-')),
  ])
  const guests: [string, Promise<Uint8Array>][] = [
    ['producer', compileAssemblyScript('examples/queue/guest/producer.ts')],
    ['consumer', compileAssemblyScript('examples/queue/guest/consumer.ts')],
    ['worker', compileGuestFixture('queue-worker')],
  ]
  for (const [name, wasm] of guests) await writeFile(join(dir, `${name}.wasm`), await wasm)
}, 240_000)

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(stopHost))
})

afterAll(async () => {
  await nats?.stop()
})

async function deployment(name: string, body: string, queueSettings = ''): Promise<string> {
  const file = join(dir, `${name}.toml`)
  await writeFile(
    file,
    `[deployment]\nname = "${name}"\nlaunch_timeout_ms = 60000\n\n` +
      `[cluster]\nnats = "${nats.url}"\n\n` +
      `[plugins.queue]\nbackend = "jetstream"\n${queueSettings}\n${body}`,
  )
  return file
}

function host(file: string, name: string): HostProcess {
  const h = startHost(file, name)
  hosts.push(h)
  return h
}

/** Resolves once `ready()` holds, looking again at each output chunk of `h` (no polling). */
function until(h: HostProcess, ready: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ready()) return
      cleanup()
      resolve()
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`condition not met within ${timeoutMs} ms:\n${h.output()}`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      h.child.stdout?.off('data', check)
      h.child.stderr?.off('data', check)
    }
    // Listeners added after the helper's own see the chunk already in output().
    h.child.stdout?.on('data', check)
    h.child.stderr?.on('data', check)
    check()
  })
}

function linesOf(output: string, service: string): string[] {
  const prefix = `[${service}] `
  return output
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length))
}

describe('queues in JetStream, shared by hosts', () => {
  it('the queue example with its producer and consumer on two hosts', async () => {
    const file = await deployment(
      'jsqexample',
      `[services.producer]\nwasm = "producer.wasm"\nrole = "server"\nplugins = ["queue"]\nhost = "p"\n\n` +
        `[services.consumer]\nwasm = "consumer.wasm"\nrole = "main"\nplugins = ["queue"]\nhost = "c"\n`,
    )
    const c = host(file, 'c')
    const p = host(file, 'p')
    expect(await c.ended, c.output()).toBe(0)
    expect(linesOf(p.output(), 'producer')).toContain('producer: sent 100 orders')
    expect(linesOf(c.output(), 'consumer')).toContain(
      'consumer: received and acknowledged 75 orders exactly once; 25 stay in queue "orders" for the inspector',
    )
  }, 120_000)

  it('the same example in one process (no --host) keeps its queue in JetStream too', async () => {
    const file = await deployment(
      'jsqone',
      `[services.producer]\nwasm = "producer.wasm"\nrole = "server"\nplugins = ["queue"]\n\n` +
        `[services.consumer]\nwasm = "consumer.wasm"\nrole = "main"\nplugins = ["queue"]\n`,
    )
    const run = await runParigot(['run', file])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(linesOf(run.stdout + run.stderr, 'consumer')).toContain(
      'consumer: received and acknowledged 75 orders exactly once; 25 stay in queue "orders" for the inspector',
    )
    // Its two guests, each in its own worker thread, shared the process's one broker thread and
    // so one NATS connection (the broker names its connection after the deployment).
    const brokers = (await closedConnectionNames(nats)).filter(
      (name) => name === 'parigot jsqone/queue-broker',
    )
    expect(brokers).toHaveLength(1)
    // In the server, not in a file: the stream holds the 25 left.
    const nc = await connect({ servers: nats.url })
    try {
      const info = await (await jetstreamManager(nc)).streams.info('PQ_jsqone_orders')
      expect(info.state.messages).toBe(25)
    } finally {
      await nc.close()
    }
  }, 120_000)

  it('a consumer host killed with SIGKILL loses no acknowledged message; its unacknowledged ones go to another', async () => {
    const file = await deployment(
      'jsqkill',
      `[services.producer]\nwasm = "producer.wasm"\nrole = "server"\nplugins = ["queue"]\nhost = "p"\n\n` +
        `[services.worker1]\nwasm = "worker.wasm"\nrole = "main"\nplugins = ["queue"]\nhost = "c1"\nargs = ["worker1", "1000"]\n\n` +
        `[services.worker2]\nwasm = "worker.wasm"\nrole = "main"\nplugins = ["queue"]\nhost = "c2"\nargs = ["worker2", "0"]\n`,
      'visibilityTimeoutMs = 3000\n',
    )
    const p = host(file, 'p')
    // worker1 holds each batch 1 s (within the 3 s visibility timeout) before marking it done:
    // once a batch's `got` lines follow a `done` line, that batch is received and not yet
    // acknowledged, and the kill lands inside its second.
    const c1 = host(file, 'c1')
    await p.waitFor(/producer: sent 100 orders/, 60_000)
    const gotAfterFirstDone = (): boolean => {
      const lines = linesOf(c1.output(), 'worker1')
      const firstDone = lines.findIndex((l) => l.startsWith('done '))
      return firstDone >= 0 && lines.slice(firstDone).some((l) => l.startsWith('got '))
    }
    await until(c1, gotAfterFirstDone, 60_000)
    c1.child.kill('SIGKILL')
    expect(await c1.ended).toBe('SIGKILL')

    const w1 = linesOf(c1.output(), 'worker1')
    const done1 = new Set(w1.filter((l) => l.startsWith('done ')).map((l) => l.slice(5)))
    const got1 = w1.filter((l) => l.startsWith('got ')).map((l) => l.split(' ')[1] as string)
    const unacked1 = got1.filter((o) => !done1.has(o))
    expect(done1.size).toBeGreaterThan(0)
    expect(unacked1.length).toBeGreaterThan(0)

    const c2 = host(file, 'c2')
    expect(await c2.ended, c2.output()).toBe(0)
    const w2 = linesOf(c2.output(), 'worker2')
    const got2 = new Map(
      w2
        .filter((l) => l.startsWith('got '))
        .map((l) => {
          const [, order, count] = l.split(' ')
          return [order as string, Number(count)] as const
        }),
    )
    const done2 = new Set(w2.filter((l) => l.startsWith('done ')).map((l) => l.slice(5)))
    // Acknowledged by worker1: never delivered again.
    expect([...done1].filter((o) => got2.has(o))).toEqual([])
    // Received by worker1, not acknowledged: redelivered to worker2, counted as a redelivery.
    for (const order of unacked1) expect(got2.get(order), order).toBeGreaterThanOrEqual(1)
    // Every order was acknowledged by one of them, once; the queue ended empty.
    const all = Array.from({ length: 100 }, (_, i) => `order-${i}`)
    expect([...done1, ...done2].sort()).toEqual(all.sort())
    expect(w2.at(-1)).toBe(`worker: queue empty after ${done2.size} done here`)
  }, 180_000)
})
