// One deployment over several `parigot run --host NAME` processes on a real nats-server with
// JetStream (loopback, temporary store): the guests are the same as in one process, only the
// deploy config places them on hosts.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromBinary } from '@bufbuild/protobuf'
import { Kvm } from '@nats-io/kv'
import { connect } from '@nats-io/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { encodeCall } from '../../src/main/cluster/envelope'
import {
  RemoteErrorCode,
  RemoteResultSchema,
} from '../../src/shared/gen/parigot/cluster/v1/cluster_pb'
import { compileAssemblyScript, compileGuestFixture } from '../helpers/asc'
import { startHost, stopHost, type HostProcess } from '../helpers/host-process'
import { startNatsServer, type NatsServer } from '../helpers/nats-server'

let nats: NatsServer
let dir: string
const hosts: HostProcess[] = []

beforeAll(async () => {
  ;[nats, dir] = await Promise.all([startNatsServer(), mkdtemp(join(tmpdir(), 'parigot-cluster-'))])
  const guests: [string, Promise<Uint8Array>][] = [
    ['greeting', compileAssemblyScript('examples/helloworld/guest/greeting.ts')],
    ['hello-main', compileAssemblyScript('examples/helloworld/guest/main.ts')],
    ['store', compileAssemblyScript('examples/chain/guest/store.ts')],
    ['pricer', compileAssemblyScript('examples/chain/guest/pricer.ts')],
    ['checkout', compileAssemblyScript('examples/chain/guest/checkout.ts')],
    ['shopper', compileAssemblyScript('examples/chain/guest/main.ts')],
    ['server', compileGuestFixture('test-server')],
    ['client', compileGuestFixture('test-client')],
  ]
  for (const [name, wasm] of guests) await writeFile(join(dir, `${name}.wasm`), await wasm)
}, 240_000)

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(stopHost))
})

afterAll(async () => {
  await nats?.stop()
})

/** A deploy config named `name` on the test's NATS server; `body` lists the services. */
async function deployment(name: string, body: string, limits = ''): Promise<string> {
  const file = join(dir, `${name}.toml`)
  await writeFile(
    file,
    `[deployment]\nname = "${name}"\nlaunch_timeout_ms = 60000\n${limits}\n` +
      `[cluster]\nnats = "${nats.url}"\n\n${body}`,
  )
  return file
}

function host(file: string, name: string, extra: string[] = []): HostProcess {
  const h = startHost(file, name, extra)
  hosts.push(h)
  return h
}

/** Lines a service logged (`[service] text`), in order. */
function linesOf(output: string, service: string): string[] {
  const prefix = `[${service}] `
  return output
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length))
}

describe('a deployment over several hosts', () => {
  it('helloworld: the server on one host, the main on another, prints `bonjour, world`, exit 0', async () => {
    const file = await deployment(
      'hello',
      `[services.greet]\nwasm = "greeting.wasm"\nhost = "server"\n\n` +
        `[services.helloworld]\nwasm = "hello-main.wasm"\nrole = "main"\nhost = "client"\n`,
    )
    const server = host(file, 'server')
    await server.waitFor(/\[cluster\] host server joined deployment hello/)
    const client = host(file, 'client')
    expect(await client.ended).toBe(0)
    expect(linesOf(client.output(), 'helloworld')).toEqual([
      'hello world launched successfully',
      'bonjour, world',
    ])
    // Only the host's own services ran in each process.
    expect(linesOf(client.output(), 'greet')).toEqual([])
    expect(linesOf(server.output(), 'greet')).toEqual(['greeting service launched successfully'])
  }, 120_000)

  it('chain: four services over three hosts answer as in one process', async () => {
    const file = await deployment(
      'chain',
      `[services.store]\nwasm = "store.wasm"\nhost = "a"\n\n` +
        `[services.pricer]\nwasm = "pricer.wasm"\nhost = "b"\n\n` +
        `[services.checkout]\nwasm = "checkout.wasm"\nhost = "b"\n\n` +
        `[services.shopper]\nwasm = "shopper.wasm"\nrole = "main"\nhost = "c"\n`,
    )
    // Started in the reverse of dependency order: each waits for what it requires.
    const c = host(file, 'c')
    const b = host(file, 'b')
    const a = host(file, 'a')
    expect(await c.ended).toBe(0)
    expect(linesOf(c.output(), 'shopper')).toEqual([
      'shopper: 3 lines cost 350 cents',
      'shopper: durian refused with UnknownItem, as expected',
    ])
    expect(linesOf(a.output(), 'store')).toEqual(['store: open'])
    expect(linesOf(b.output(), 'checkout')).toEqual(['checkout: ready'])
    // The store's NoSuchKey crossed from host a to host b as the method's own error code.
    expect(linesOf(b.output(), 'pricer')).toContain('pricer: the store has no durian (error 4)')
  }, 120_000)

  it('two hosts exporting the same service share its calls (queue group)', async () => {
    const file = await deployment(
      'shared',
      `[services.echo1]\nwasm = "server.wasm"\nhost = "s1"\n\n` +
        `[services.echo2]\nwasm = "server.wasm"\nhost = "s2"\n\n` +
        `[services.client]\nwasm = "client.wasm"\nrole = "main"\nhost = "c"\n` +
        `args = ["client", "test.v1.echo", "burst:60:x"]\n`,
    )
    const s1 = host(file, 's1', ['--json'])
    const s2 = host(file, 's2', ['--json'])
    await Promise.all([s1.waitFor(/echo: running/), s2.waitFor(/echo: running/)])
    // The client may run as soon as its kernel has seen one exporter's heartbeat: the queue
    // group, not the client's view of the hosts, spreads the calls over both servers.
    const c = host(file, 'c')
    expect(await c.ended).toBe(0)
    expect(linesOf(c.output(), 'client')).toContain('burst 60 ok=60 failed=0')
    const served = (h: HostProcess) =>
      h
        .output()
        .split('\n')
        .filter((l) => l.includes('"type":"call-finished"')).length
    // Each server's kernel recorded calls it served; together, every one.
    expect(served(s1)).toBeGreaterThan(0)
    expect(served(s2)).toBeGreaterThan(0)
    expect(served(s1) + served(s2)).toBe(60)
  }, 120_000)

  it('kill -9 of the serving host mid-call: the caller gets ServiceFailed within 3 s', async () => {
    const file = await deployment(
      'killed',
      `[services.echo]\nwasm = "server.wasm"\nhost = "s"\n\n` +
        `[services.client]\nwasm = "client.wasm"\nrole = "main"\nhost = "c"\n` +
        `args = ["client", "test.v1.echo", "sleep:30000"]\n`,
      // The call's own timeout is far away: only the host's death can end it early.
      'call_timeout_ms = 60000',
    )
    const s = host(file, 's', ['--json'])
    await s.waitFor(/echo: running/)
    const c = host(file, 'c')
    await s.waitFor(/"type":"call-started"/)
    const killedAt = Date.now()
    s.child.kill('SIGKILL')
    const line = await c.waitFor(/result sleep:30000 -> /, 10_000)
    const ms = Date.now() - killedAt
    // ServiceFailed is KernelErr 41; the call's result_error is the dispatch error 1.
    expect(line).toContain('result sleep:30000 -> error 1 kernel 41')
    expect(ms).toBeLessThan(3000)
    expect(c.output()).toMatch(/host s is gone \(no heartbeat for \d+ ms\)/)
    // The client's prediction (slept:30000) failed: exit 3.
    expect(await c.ended).toBe(3)
  }, 120_000)

  it('a serving host answers a malformed, oversized or unknown call with a typed error', async () => {
    const file = await deployment('hostile', `[services.echo]\nwasm = "server.wasm"\nhost = "s"\n`)
    const s = host(file, 's')
    await s.waitFor(/echo: running/)
    const nc = await connect({ servers: nats.url })
    try {
      const subject = 'parigot.hostile.call.test.v1.echo'
      // The host subscribes to a service's subject before it publishes the entry saying the
      // service runs (same connection, so the server has the subscription by then).
      const kv = await new Kvm(nc).open('parigot_hostile')
      const watch = await kv.watch({ key: 'g.s.echo' })
      for await (const e of watch) {
        if (e.operation === 'PUT' && e.string().includes('"state":"running"')) break
      }
      const ask = async (bytes: Uint8Array) =>
        fromBinary(RemoteResultSchema, (await nc.request(subject, bytes, { timeout: 5000 })).data)
      const call = (fields: Partial<Parameters<typeof encodeCall>[0]>) =>
        encodeCall({
          service: 'test.v1.echo',
          method: 'Echo',
          callId: 'c1',
          caller: 'probe',
          traceparent: '',
          timeoutMs: 1000,
          ...fields,
        })
      const garbage = await ask(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))
      expect(garbage.error?.code).toBe(RemoteErrorCode.BAD_ENVELOPE)
      expect(garbage.error?.message).toMatch(/does not decode/)
      const badMethod = await ask(call({ method: 'Echo; drop' }))
      expect(badMethod.error?.code).toBe(RemoteErrorCode.BAD_ENVELOPE)
      expect(badMethod.error?.message).toContain('field method')
      const badService = await ask(call({ service: 'test.v1.*' }))
      expect(badService.error?.message).toContain('field service')
      const big = await ask(call({ caller: 'x'.repeat(300) }))
      expect(big.error?.message).toContain('field caller')
      const noMethod = await ask(call({ method: 'Nope' }))
      expect(noMethod.error?.code).toBe(RemoteErrorCode.NOT_FOUND)
      expect(noMethod.error?.message).toBe('test.v1.echo has no method Nope')
      expect(noMethod.servedBy).toBe('s')
      // The host and its guest are unharmed.
      expect(s.child.exitCode).toBeNull()
      expect(s.output()).toMatch(/refused a call from NATS: call envelope does not decode/)
    } finally {
      await nc.close()
    }
  }, 120_000)
})
