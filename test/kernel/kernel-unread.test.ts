import { describe, expect, it } from 'vitest'
import { KernelHarness, text, untext } from './kernel-driver'

describe('kernel: an answer that did not fit is put back', () => {
  it('a resolved call read then unread is delivered again, first', () => {
    const k = new KernelHarness()
    const server = k.guest('server')
    server.serve('big.v1.srv', ['M'])
    const launch = server.readOne().resp // the launch result
    expect(launch.resolved).toBeDefined()
    k.kernel.unreadOne(server.host, launch)
    expect(server.readOne().resp.resolved?.callId).toEqual(launch.resolved?.callId)
    expect(server.readOne().code).toBe('empty')
  })

  it('an inbound call read then unread is delivered again with its param, still answerable', () => {
    const k = new KernelHarness()
    const server = k.guest('server')
    server.serve('big.v1.srv', ['M'])
    server.readOne()
    const client = k.guest('client')
    client.register('big.v1.cli')
    client.require('big.v1.srv')
    client.launch()
    client.readOne()
    const located = client.locate('big.v1.srv').resp
    const call = client.dispatch(located.serviceId!, located.binding[0]!.methodId!, text('large'))
    const first = server.readOne().resp
    k.kernel.unreadOne(server.host, first)
    const again = server.readOne().resp
    expect(again.callId).toEqual(call.callId)
    expect(untext(again.param)).toBe('large')
    expect(server.returnValue(again.callId, text('ok'))).toBe(0)
    expect(untext(client.readOne().resp.resolved?.result)).toBe('ok')
  })

  it('a call that timed out meanwhile is not put back', () => {
    const k = new KernelHarness({ callTimeoutMs: 100 })
    const server = k.guest('server')
    server.serve('big.v1.srv', ['M'])
    server.readOne()
    const client = k.guest('client')
    client.register('big.v1.cli')
    client.require('big.v1.srv')
    client.launch()
    client.readOne()
    const located = client.locate('big.v1.srv').resp
    client.dispatch(located.serviceId!, located.binding[0]!.methodId!, text('late'))
    const taken = server.readOne().resp
    k.advance(100)
    k.kernel.unreadOne(server.host, taken)
    expect(server.readOne().code).toBe('empty')
  })
})
