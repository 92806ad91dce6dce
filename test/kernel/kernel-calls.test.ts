import { describe, expect, it } from 'vitest'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { newCallId } from '../../src/shared/id'
import { KernelHarness, raw, text, untext } from './kernel-driver'

/** A server exporting calc.v1.calc with method Add, and a client that requires it, both running. */
function deployment(limits = {}) {
  const k = new KernelHarness(limits)
  const server = k.guest('server')
  server.serve('calc.v1.calc', ['Add', 'Mul'])
  expect(server.readOne().resp.resolved?.resultError).toBe(0) // launch
  const client = k.guest('client')
  client.register('calc.v1.client')
  client.require('calc.v1.calc')
  client.launch()
  expect(client.readOne().resp.resolved?.resultError).toBe(0)
  const located = client.locate('calc.v1.calc')
  expect(located.code).toBe(KernelErr.NoError)
  const add = located.resp.binding.find((b) => b.methodName === 'Add')!.methodId!
  return { k, server, client, service: located.resp.serviceId!, add }
}

describe('kernel: locate', () => {
  it('answers the exporter, its host and every method binding', () => {
    const { server, service, client } = deployment()
    const { resp } = client.locate('calc.v1.calc')
    expect(resp.serviceId).toEqual(server.serviceId)
    expect(resp.hostId).toEqual(raw(server.host))
    expect(resp.binding.map((b) => b.methodName).sort()).toEqual(['Add', 'Mul'])
    expect(service).toEqual(server.serviceId)
  })

  it('without a prior require is NotRequired, with a log line saying what to do', () => {
    const { k, client } = deployment()
    const other = k.guest('other')
    other.serve('misc.v1.other')
    expect(client.locate('misc.v1.other').code).toBe(KernelErr.NotRequired)
    expect(k.logText()).toContain('located misc.v1.other without requiring it first')
  })

  it('a required name nobody exports is NotFound; an empty called_by means "any of my services"', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('a.v1.client')
    g.require('a.v1.ghost')
    expect(g.locate('a.v1.ghost').code).toBe(KernelErr.NotFound)
    const exporter = k.guest('e')
    exporter.serve('a.v1.ghost')
    expect(g.locate('a.v1.ghost', undefined).code).toBe(KernelErr.NoError)
  })
})

describe('kernel: calls between guests', () => {
  it('dispatch -> callee read_one -> return_value -> caller read_one, with the result and events', () => {
    const { k, server, client, service, add } = deployment()
    const call = client.dispatch(service, add, text('2+3'))
    expect(call.code).toBe(KernelErr.NoError)
    expect(call.resp.callId).toEqual(call.callId)
    expect(client.readOne().code).toBe('empty')
    const inbound = server.readOne()
    expect(inbound.code).toBe(KernelErr.NoError)
    expect(inbound.resp.callId).toEqual(call.callId)
    expect(inbound.resp.call?.methodId).toEqual(add)
    expect(untext(inbound.resp.param)).toBe('2+3')
    k.nowMs += 7
    expect(server.returnValue(call.callId, text('5'))).toBe(KernelErr.NoError)
    const done = client.readOne()
    expect(done.resp.resolved?.callId).toEqual(call.callId)
    expect(untext(done.resp.resolved?.result)).toBe('5')
    expect(done.resp.resolved?.resultError).toBe(0)
    const finished = k.events.find((e) => e.type === 'call-finished')
    expect(finished).toMatchObject({ method: 'Add', latencyMs: 7, resultError: 0, kernelError: 0 })
    expect(k.events.some((e) => e.type === 'call-started')).toBe(true)
  })

  it('a remote error reaches the caller as result_error', () => {
    const { server, client, service, add } = deployment()
    const call = client.dispatch(service, add, text('x'))
    server.readOne()
    expect(server.returnValue(call.callId, undefined, 4)).toBe(KernelErr.NoError)
    const { resp } = client.readOne()
    expect(resp.resolved).toMatchObject({ resultError: 4, kernelError: KernelErr.NoError })
  })

  it('completed calls are delivered before inbound calls that arrived earlier', () => {
    const { k, server, service, add } = deployment()
    // x serves dup.v1.x and also calls calc; y calls x.
    const x = k.guest('x')
    x.serve('dup.v1.x', ['M'], ['calc.v1.calc'])
    expect(x.readOne().resp.resolved?.resultError).toBe(0)
    const y = k.guest('y')
    y.register('dup.v1.y')
    y.require('dup.v1.x')
    y.launch()
    y.readOne()
    const xm = y.locate('dup.v1.x').resp
    const outbound = x.dispatch(service, add, text('from x'))
    const inbound = y.dispatch(xm.serviceId!, xm.binding[0]!.methodId!, text('to x'))
    server.readOne()
    server.returnValue(outbound.callId, text('answer'))
    const first = x.readOne().resp
    expect(first.resolved?.callId).toEqual(outbound.callId)
    const second = x.readOne().resp
    expect(second.callId).toEqual(inbound.callId)
    expect(untext(second.param)).toBe('to x')
  })

  it('a duplicate call id is BadCallId', () => {
    const { client, service, add } = deployment()
    const id = raw(newCallId())
    expect(client.dispatch(service, add, text('1'), id).code).toBe(KernelErr.NoError)
    expect(client.dispatch(service, add, text('2'), id).code).toBe(KernelErr.BadCallId)
  })

  it('unknown services and methods are NotFound; empty ids are BadId', () => {
    const { client, service, add } = deployment()
    expect(client.dispatch(raw(newCallId()), add, undefined).code).toBe(KernelErr.BadId) // wrong letter
    expect(client.dispatch(service, service, undefined).code).toBe(KernelErr.BadId)
    expect(
      client.dispatch(service, add, undefined, {
        $typeName: 'protosupport.v1.IdRaw',
        high: 0n,
        low: 0n,
      }).code,
    ).toBe(KernelErr.BadId)
    const { create } = {
      create: (h: bigint, l: bigint) => ({
        $typeName: 'protosupport.v1.IdRaw' as const,
        high: h,
        low: l,
      }),
    }
    expect(client.dispatch(create((0x73n << 56n) | 5n, 9n), add, undefined).code).toBe(
      KernelErr.NotFound,
    )
    expect(client.dispatch(service, create((0x6dn << 56n) | 5n, 9n), undefined).code).toBe(
      KernelErr.NotFound,
    )
  })

  it('only the callee can return a call; a guessed call id from another guest is BadId', () => {
    const { k, client, service, add } = deployment()
    const call = client.dispatch(service, add, text('x'))
    const intruder = k.guest('intruder')
    intruder.register('evil.v1.x')
    expect(intruder.returnValue(call.callId, text('forged'))).toBe(KernelErr.BadId)
    expect(client.returnValue(call.callId, text('self'))).toBe(KernelErr.BadId)
    expect(intruder.returnValue(raw(newCallId()))).toBe(KernelErr.BadCallId)
  })

  it('a call without a result within the timeout fails with CallTimeout; the late result is dropped', () => {
    const { k, server, client, service, add } = deployment({ callTimeoutMs: 3000 })
    const call = client.dispatch(service, add, text('slow'))
    server.readOne()
    k.advance(2999)
    expect(client.readOne().code).toBe('empty')
    k.advance(1)
    const { resp } = client.readOne()
    expect(resp.resolved).toMatchObject({ resultError: 1, kernelError: KernelErr.CallTimeout })
    expect(server.returnValue(call.callId, text('late'))).toBe(KernelErr.NoError)
    expect(client.readOne().code).toBe('empty')
    expect(k.logText()).toContain('late result for call')
  })

  it('a timed-out call that was never read is taken off the callee queue', () => {
    const { k, server, client, service, add } = deployment({ callTimeoutMs: 100 })
    client.dispatch(service, add, text('never read'))
    k.advance(100)
    expect(server.readOne().code).toBe('empty')
  })

  it('a callee that dies fails every caller waiting on it at once', () => {
    const { k, server, client, service, add } = deployment()
    const first = client.dispatch(service, add, text('1'))
    const second = client.dispatch(service, add, text('2'))
    server.readOne() // first is being served, second still queued
    k.kernel.hostEnded(server.host, { kind: 'failed', reason: 'wasm trap: unreachable' })
    const a = client.readOne().resp.resolved
    const b = client.readOne().resp.resolved
    expect([a?.callId, b?.callId]).toEqual([first.callId, second.callId])
    for (const r of [a, b])
      expect(r).toMatchObject({ resultError: 1, kernelError: KernelErr.ServiceFailed })
    expect(client.dispatch(service, add, text('3')).code).toBe(KernelErr.ServiceFailed)
    expect(
      k.events.some(
        (e) =>
          e.type === 'service-state' &&
          e.state === 'failed' &&
          e.reason === 'wasm trap: unreachable',
      ),
    ).toBe(true)
  })

  it('the inbound queue is bounded: a full queue answers CallQueueFull, never a stall', () => {
    const { server, client, service, add } = deployment({ inboundQueue: 1024 })
    for (let i = 0; i < 1024; i++) expect(client.dispatch(service, add, text(`${i}`)).code).toBe(0)
    expect(client.dispatch(service, add, text('overflow')).code).toBe(KernelErr.CallQueueFull)
    // Draining one makes room again.
    server.readOne()
    expect(client.dispatch(service, add, text('fits')).code).toBe(KernelErr.NoError)
  })

  it('1,000 queued calls to a slow service are all answered, in order, none lost', () => {
    const { k, server, client, service, add } = deployment()
    const ids = Array.from(
      { length: 1000 },
      (_, i) => client.dispatch(service, add, text(`n${i}`)).callId,
    )
    for (let i = 0; i < 1000; i++) {
      const { resp } = server.readOne()
      expect(untext(resp.param)).toBe(`n${i}`)
      k.nowMs += 1 // slow: 1 ms each, well inside the 3 s timeout
      server.returnValue(resp.callId, text(`r${i}`))
    }
    for (let i = 0; i < 1000; i++) {
      const { resp } = client.readOne()
      expect(resp.resolved?.callId).toEqual(ids[i])
      expect(untext(resp.resolved?.result)).toBe(`r${i}`)
    }
    expect(client.readOne().code).toBe('empty')
  })
})

describe('kernel: exit', () => {
  it('exit codes outside 0..192 become 192 (one rule), delivered as a resolved call', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.serve('e.v1.main')
    g.readOne()
    expect(g.exit(250).resp.pair?.code).toBe(192)
    expect(g.exit(-5).resp.pair?.code).toBe(192)
    expect(g.exit(7).resp.pair?.code).toBe(7)
    const { resp } = g.readOne()
    expect(resp.resolved?.result?.typeUrl).toBe('type.googleapis.com/syscall.v1.ExitResponse')
    k.kernel.hostEnded(g.host, { kind: 'exited', code: 0 })
    const exited = k.events.filter((e) => e.type === 'service-state' && e.state === 'exited').at(-1)
    expect(exited).toMatchObject({ exitCode: 7 })
  })

  it('a requested exit is what read_one answers once nothing else is pending', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.serve('e.v1.server')
    k.kernel.requestExit(g.host)
    expect(g.readOne().resp.resolved).toBeDefined() // launch first
    const { code, resp } = g.readOne()
    expect(code).toBe(KernelErr.NoError)
    expect(resp.exit).toBe(true)
  })
})
