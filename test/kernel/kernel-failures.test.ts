// Failure propagation in the kernel (issue 17): a launch that can no longer succeed ends at
// once, naming the requirement, its exporter and how that ended; no timer is involved.
import { describe, expect, it } from 'vitest'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { newCallId, newMethodId, newServiceId } from '../../src/shared/id'
import { KernelHarness, raw } from './kernel-driver'

describe('kernel: a launch waiting on an exporter that ends fails at once', () => {
  it.each([
    [{ kind: 'exited', code: 1 } as const, 'exited 1'],
    [
      { kind: 'failed', reason: 'wasm trap: unreachable' } as const,
      'failed (wasm trap: unreachable)',
    ],
  ])(
    'exporter %j: the waiting launch resolves ServiceFailed with no time passing',
    (ending, how) => {
      const k = new KernelHarness()
      const greet = k.guest('greet')
      greet.register('greeting.v1.Greeting')
      greet.export('greeting.v1.Greeting')
      greet.require('store.v1.Store') // so greet waits, and main waits on greet
      greet.launch()
      const main = k.guest('helloworld')
      main.register('helloworld.v1.hello')
      main.require('greeting.v1.Greeting')
      const launchId = main.launch().callId
      expect(main.readOne().code).toBe('empty')
      k.kernel.hostEnded(greet.host, ending)
      const { resp } = main.readOne()
      expect(resp.resolved?.callId).toEqual(launchId)
      expect(resp.resolved?.kernelError).toBe(KernelErr.ServiceFailed)
      expect(resp.resolved?.resultError).toBe(KernelErr.ServiceFailed)
      expect(k.logText()).toContain(
        `helloworld (helloworld.v1.hello): launch failed: requires greeting.v1.Greeting, whose only exporter greet ${how}`,
      )
      const state = k.events.filter((e) => e.type === 'service-state').at(-1)
      expect(state).toMatchObject({ name: 'helloworld.v1.hello', state: 'failed' })
    },
  )

  it('a launch after the only exporter ended is refused at once, with the reason logged', () => {
    const k = new KernelHarness()
    const greet = k.guest('greet')
    greet.serve('greeting.v1.Greeting')
    k.kernel.hostEnded(greet.host, { kind: 'exited', code: 3 })
    const main = k.guest('helloworld')
    main.register('helloworld.v1.hello')
    main.require('greeting.v1.Greeting')
    expect(main.launch().code).toBe(KernelErr.ServiceFailed)
    expect(k.logText()).toContain('whose only exporter greet exited 3')
  })

  it('failure cascades: a service waiting on a service that just failed its launch fails too', () => {
    const k = new KernelHarness()
    const db = k.guest('db')
    db.serve('app.Db')
    const api = k.guest('api')
    api.register('app.Api')
    api.export('app.Api')
    api.require('app.Db', 'app.Auth') // app.Auth nobody exports yet: api waits
    api.launch()
    const web = k.guest('web')
    web.register('app.Web')
    web.require('app.Api')
    web.launch()
    k.kernel.hostEnded(db.host, { kind: 'failed', reason: 'out of memory' })
    expect(web.readOne().resp.resolved?.kernelError).toBe(KernelErr.ServiceFailed)
    expect(k.logText()).toContain(
      'web (app.Web): launch failed: requires app.Api, whose only exporter api failed (launch failed: requires app.Db, whose only exporter db failed (out of memory))',
    )
  })

  it('a name with a second, live exporter keeps the launch waiting', () => {
    const k = new KernelHarness()
    const a = k.guest('a')
    a.register('x.v1.X')
    a.export('x.v1.X')
    a.require('y.v1.Y')
    a.launch()
    const b = k.guest('b')
    b.register('x.v1.X')
    b.export('x.v1.X')
    b.require('y.v1.Y')
    b.launch()
    const main = k.guest('main')
    main.register('m.v1.M')
    main.require('x.v1.X')
    main.launch()
    k.kernel.hostEnded(a.host, { kind: 'exited', code: 0 })
    expect(main.readOne().code).toBe('empty')
    k.kernel.hostEnded(b.host, { kind: 'exited', code: 2 })
    expect(main.readOne().resp.resolved?.kernelError).toBe(KernelErr.ServiceFailed)
    expect(k.logText()).toContain('whose exporters a exited 0, b exited 2')
  })
})

describe('kernel: the exit-code rule', () => {
  it.each([
    [0, 0],
    [7, 7],
    [192, 192],
    [193, 192],
    [5000, 192],
    [-1, 192],
  ])('exit_(%i) then a normal return ends the host with %i, in every event', (code, expected) => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.serve('e.v1.main')
    expect(g.exit(code).resp.pair?.code).toBe(expected)
    const ending = k.kernel.hostEnded(g.host, { kind: 'exited', code: 0 })
    expect(ending).toEqual({ kind: 'exited', code: expected })
    const ended = k.events.find((e) => e.type === 'host-ended')
    expect(ended).toMatchObject({ exitCode: expected })
    const state = k.events.filter((e) => e.type === 'service-state').at(-1)
    expect(state).toMatchObject({ state: 'exited', exitCode: expected })
  })

  it.each([
    [5000, 192],
    [-3, 192],
    [42, 42],
  ])('proc_exit(%i) without exit_ ends the host with %i', (code, expected) => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.serve('e.v1.main')
    expect(k.kernel.hostEnded(g.host, { kind: 'exited', code })).toEqual({
      kind: 'exited',
      code: expected,
    })
  })
})

describe('kernel: every warning about guest input names the guest, the syscall and the fault', () => {
  const setup = () => {
    const k = new KernelHarness()
    const server = k.guest('greet')
    server.serve('greeting.v1.Greeting', ['Fetch'])
    const client = k.guest('hello')
    client.register('helloworld.v1.hello')
    client.require('greeting.v1.Greeting')
    return { k, server, client }
  }
  const serverIds = (k: KernelHarness) => {
    const svc = k.kernel.serviceByName('greeting.v1', 'Greeting')[0]
    const method = svc?.methodsByName.get('Fetch')
    if (svc === undefined || method === undefined) throw new Error('no server')
    return { service: raw(svc.id), method: raw(method) }
  }
  const cases: [string, (d: ReturnType<typeof setup>) => KernelErr | 'empty', KernelErr, RegExp][] =
    [
      [
        'register_ bad name',
        (d) => d.client.register('bad name.x').code,
        KernelErr.BadId,
        /register_ from hello: package name "bad name" is not a dotted identifier/,
      ],
      [
        'export_ bad name',
        (d) => d.client.export('x.1y'),
        KernelErr.BadId,
        /export_ from hello: service name "1y" is not a dotted identifier/,
      ],
      [
        'require_ empty name',
        (d) => d.client.require('.'),
        KernelErr.BadId,
        /require_ from hello: package name "" is not a dotted identifier/,
      ],
      [
        'bind_method_ bad name',
        (d) => d.client.bind('no way').code,
        KernelErr.IdDispatch,
        /bind_method_ from hello: helloworld\.v1\.hello: method name "no way" is not an identifier/,
      ],
      [
        'dispatch_ a call id as service_id',
        (d) => d.client.dispatch(raw(newCallId()), serverIds(d.k).method, undefined).code,
        KernelErr.BadId,
        /dispatch_ from hello: service_id is not a service id/,
      ],
      [
        'dispatch_ unknown service',
        (d) => d.client.dispatch(raw(newServiceId()), serverIds(d.k).method, undefined).code,
        KernelErr.NotFound,
        /dispatch_ from hello: no service svc-/,
      ],
      [
        'dispatch_ unknown method',
        (d) => d.client.dispatch(serverIds(d.k).service, raw(newMethodId()), undefined).code,
        KernelErr.NotFound,
        /dispatch_ from hello: greeting\.v1\.Greeting has no method /,
      ],
      [
        'dispatch_ duplicate call id',
        (d) => {
          const id = raw(newCallId())
          d.client.dispatch(serverIds(d.k).service, serverIds(d.k).method, undefined, id)
          return d.client.dispatch(serverIds(d.k).service, serverIds(d.k).method, undefined, id)
            .code
        },
        KernelErr.BadCallId,
        /dispatch_ from hello: call_id .* is already in flight/,
      ],
      [
        'return_value_ unknown call',
        (d) => d.server.returnValue(raw(newCallId())),
        KernelErr.BadCallId,
        /return_value_ from greet: no call .* is waiting for a result/,
      ],
      [
        'return_value_ empty call id',
        (d) => d.server.returnValue(undefined),
        KernelErr.BadId,
        /return_value_ from greet: call_id is empty/,
      ],
      [
        "launch_ of another host's service",
        (d) => {
          d.client.serviceId = serverIds(d.k).service
          return d.client.launch().code
        },
        KernelErr.BadId,
        /launch_ from hello: service greeting\.v1\.Greeting belongs to another host/,
      ],
    ]
  it.each(cases)('%s', (_name, act, code, message) => {
    const d = setup()
    expect(act(d)).toBe(code)
    expect(d.k.logText()).toMatch(message)
  })
})

describe('kernel: hostile but legal sequences', () => {
  it('re-register answers the same id with existed_previously; export twice changes nothing', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    const first = g.register('a.v1.A')
    const again = g.register('a.v1.A')
    expect(again).toMatchObject({ code: KernelErr.NoError, existed: true, id: first.id })
    expect(g.export('a.v1.A')).toBe(KernelErr.NoError)
    expect(g.export('a.v1.A')).toBe(KernelErr.NoError)
    expect(k.kernel.exportersOf('a.v1.A')).toHaveLength(1)
    expect(k.events.filter((e) => e.type === 'service-exported')).toHaveLength(1)
  })

  it('require self (the only exporter) is DependencyCycle, named in the log', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('a.v1.A')
    g.export('a.v1.A')
    expect(g.require('a.v1.A')).toBe(KernelErr.DependencyCycle)
    expect(k.logText()).toContain('a.v1.A: requiring a.v1.A would create a dependency cycle')
  })

  it('a call to itself is delivered to its own read_one_ and can be answered', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.serve('a.v1.A', ['Ping'])
    g.readOne() // the launch
    const svc = k.kernel.serviceByName('a.v1', 'A')[0]
    const method = svc?.methodsByName.get('Ping')
    if (svc === undefined || method === undefined) throw new Error('not served')
    const sent = g.dispatch(raw(svc.id), raw(method), undefined)
    expect(sent.code).toBe(KernelErr.NoError)
    const inbound = g.readOne().resp
    expect(inbound.callId).toEqual(sent.callId)
    expect(g.returnValue(inbound.callId)).toBe(KernelErr.NoError)
    expect(g.readOne().resp.resolved?.callId).toEqual(sent.callId)
  })
})
