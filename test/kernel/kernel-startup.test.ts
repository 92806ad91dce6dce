import { describe, expect, it } from 'vitest'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, fromRaw, newServiceId, toRaw } from '../../src/shared/id'
import { GuestDriver, KernelHarness } from './kernel-driver'

describe('kernel: registration, export, bind (reference wheeler tests)', () => {
  it('register gives a real id; the same name from the same host reuses it (existed_previously)', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    const first = g.register('bleah.blah')
    expect(first.code).toBe(KernelErr.NoError)
    expect(first.existed).toBe(false)
    const again = g.register('bleah.blah')
    expect(again).toMatchObject({ code: KernelErr.NoError, existed: true })
    expect(again.id).toEqual(first.id)
    const byName = k.kernel.serviceByName('bleah', 'blah')
    expect(byName).toHaveLength(1)
    expect(byName[0]?.host.id).toEqual(g.host)
  })

  it('the same name from two hosts gives two distinct services', () => {
    const k = new KernelHarness()
    const a = k.guest('a').register('x.y')
    const b = k.guest('b').register('x.y')
    expect(a.id).not.toEqual(b.id)
    expect(k.kernel.serviceByName('x', 'y')).toHaveLength(2)
  })

  it('lookup by name, id and id string agree; unknown names and ids find nothing', () => {
    const k = new KernelHarness()
    expect(k.kernel.serviceByName('foo', 'Foo')).toEqual([])
    expect(k.kernel.serviceById(newServiceId())).toBeUndefined()
    const g = k.guest('g')
    const { id } = g.register('foo.Foo')
    const sid = fromRaw('service', id!)
    const record = k.kernel.serviceById(sid)
    expect(record?.fullName).toBe('foo.Foo')
    expect(k.kernel.serviceByIdString(formatId(sid))).toBe(record)
    expect(k.kernel.serviceByName('foo', 'Foo')).toEqual([record])
  })

  it('export under two names records the service as the exporter of each', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('some_pkg.some_svc')
    expect(g.export('shaved.yak', 'fleazil.quux')).toBe(KernelErr.NoError)
    for (const name of ['shaved.yak', 'fleazil.quux']) {
      const exporters = k.kernel.exportersOf(name)
      expect(exporters.map((s) => s.fullName)).toEqual(['some_pkg.some_svc'])
      expect(exporters[0]?.host.id).toEqual(g.host)
    }
    expect(k.kernel.hostById(g.host)?.services.map((s) => s.fullName)).toEqual([
      'some_pkg.some_svc',
    ])
  })

  it('bind_method gives a stable id per (service, method) and refuses a blank name', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('a.b')
    const first = g.bind('fleazil')
    expect(first.code).toBe(KernelErr.NoError)
    expect(g.bind('fleazil').id).toEqual(first.id)
    expect(g.bind('other').id).not.toEqual(first.id)
    const record = k.kernel.serviceById(fromRaw('service', g.serviceId!))
    expect(formatId(record!.methodsByName.get('fleazil')!)).toBe(
      formatId(fromRaw('method', first.id!)),
    )
    expect(g.bind('').code).toBe(KernelErr.IdDispatch)
    expect(g.bind('has space').code).toBe(KernelErr.IdDispatch)
  })

  it('malformed names are refused with a log line naming them', () => {
    const k = new KernelHarness()
    expect(k.guest('g').register('.svc').code).toBe(KernelErr.BadId)
    expect(k.guest('h').register('bad name.svc').code).toBe(KernelErr.BadId)
    expect(k.logText()).toContain('"bad name" is not a dotted identifier')
  })
})

describe('kernel: a guest acts only as itself', () => {
  it('a request naming another host is BadId', () => {
    const k = new KernelHarness()
    const a = k.guest('a')
    const b = k.guest('b')
    a.register('a.svc')
    b.register('b.svc')
    // b tries to export, bind and launch a's service
    const forged = new GuestDriver(k.kernel, b.host, 'b')
    forged.serviceId = a.serviceId
    expect(forged.export('a.svc')).toBe(KernelErr.BadId)
    expect(forged.bind('M').code).toBe(KernelErr.BadId)
    expect(forged.launch().code).toBe(KernelErr.BadId)
    expect(k.logText()).toContain('belongs to another host')
  })

  it('a register naming a host id other than the caller is BadId', async () => {
    const { create } = await import('@bufbuild/protobuf')
    const { RegisterRequestSchema, RegisterResponseSchema } =
      await import('../../src/shared/gen/parigot/syscall/v1/syscall_pb')
    const k = new KernelHarness()
    const a = k.guest('a')
    const b = k.guest('b')
    const resp = create(RegisterResponseSchema)
    const code = k.kernel.register(
      a.host,
      create(RegisterRequestSchema, {
        fqs: { packagePath: 'x', service: 'y' },
        hostId: { high: toRaw(b.host).high, low: toRaw(b.host).low },
      }),
      resp,
    )
    expect(code).toBe(KernelErr.BadId)
    expect(k.logText()).toContain('a guest may act only as itself')
  })

  it('an unknown or ended host can make no syscall', () => {
    const k = new KernelHarness()
    const a = k.guest('a')
    k.kernel.hostEnded(a.host, { kind: 'exited', code: 0 })
    expect(a.register('a.b').code).toBe(KernelErr.BadId)
  })
})

describe('kernel: dependency-ordered launch', () => {
  // a exports x.x, requires y.y and w.w; b exports x.x, y.y, requires w.w, z.z;
  // c exports z.z; d exports z.z and w.w, requires z.z. Start order: C, D, B, A.
  function fourServices() {
    const k = new KernelHarness()
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => k.guest(n)) as [
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
    ]
    a.register('svc.a')
    b.register('svc.b')
    c.register('svc.c')
    d.register('svc.d')
    a.export('x.x')
    b.export('x.x', 'y.y')
    c.export('z.z')
    d.export('z.z', 'w.w')
    expect(a.require('y.y', 'w.w')).toBe(KernelErr.NoError)
    expect(b.require('w.w', 'z.z')).toBe(KernelErr.NoError)
    expect(d.require('z.z')).toBe(KernelErr.NoError)
    return { k, a, b, c, d }
  }

  it('StartupSimple: nothing runs until c launches, then all four do', () => {
    const { k, a, b, c, d } = fourServices()
    const la = a.launch().callId
    const lb = b.launch().callId
    const ld = d.launch().callId
    expect([a.hasLaunched(la), b.hasLaunched(lb), d.hasLaunched(ld)]).toEqual([false, false, false])
    const lc = c.launch().callId
    expect([a.hasLaunched(la), b.hasLaunched(lb), c.hasLaunched(lc), d.hasLaunched(ld)]).toEqual([
      true,
      true,
      true,
      true,
    ])
    const order = k.events
      .filter((e) => e.type === 'service-state' && e.state === 'running')
      .map((e) => (e.type === 'service-state' ? e.name : ''))
    expect(order).toEqual(['svc.c', 'svc.d', 'svc.b', 'svc.a'])
  })

  it('StartupScrambled: c alone runs; b adds nothing; d completes everything', () => {
    const { c, a, b, d } = fourServices()
    const lc = c.launch().callId
    const la = a.launch().callId
    expect([c.hasLaunched(lc), a.hasLaunched(la)]).toEqual([true, false])
    const lb = b.launch().callId
    expect([a.hasLaunched(la), b.hasLaunched(lb), c.hasLaunched(lc)]).toEqual([false, false, true])
    const ld = d.launch().callId
    expect([a, b, c, d].map((g, i) => g.hasLaunched([la, lb, lc, ld][i]!))).toEqual([
      true,
      true,
      true,
      true,
    ])
  })

  it('launch completes through read_one as a resolved call with the launch call id', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    const launchId = g.serve('solo.svc')
    const { code, resp } = g.readOne()
    expect(code).toBe(KernelErr.NoError)
    expect(resp.resolved?.callId).toEqual(launchId)
    expect(resp.resolved?.resultError).toBe(0)
    expect(resp.resolved?.result?.typeUrl).toBe('type.googleapis.com/syscall.v1.LaunchResponse')
    expect(g.readOne().code).toBe('empty')
  })

  it('path-exists is transitive and directional (StartupGates)', () => {
    const k = new KernelHarness()
    const [fleazil, foo, bar, baz] = ['fleazil', 'foo', 'bar', 'baz'].map((n) => {
      const g = k.guest(n)
      g.register(`gate.${n}`)
      g.export(`gate.${n}`)
      return g
    }) as [
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
    ]
    expect(fleazil.require('gate.foo')).toBe(KernelErr.NoError)
    expect(bar.require('gate.baz')).toBe(KernelErr.NoError)
    expect(foo.require('gate.baz')).toBe(KernelErr.NoError)
    const rec = (g: typeof foo) => k.kernel.serviceById(fromRaw('service', g.serviceId!))!
    expect(k.kernel.pathExists(rec(fleazil), rec(baz))).toBe(true)
    expect(k.kernel.pathExists(rec(bar), rec(foo))).toBe(false)
    expect(k.kernel.pathExists(rec(foo), rec(bar))).toBe(false)
    // baz has no requirements: it runs at once; bar then runs too; nothing else launched yet.
    const lbaz = baz.launch().callId
    expect(baz.hasLaunched(lbaz)).toBe(true)
    const lfoo = foo.launch().callId
    const lfl = fleazil.launch().callId
    expect([foo.hasLaunched(lfoo), fleazil.hasLaunched(lfl)]).toEqual([true, true])
    expect(rec(bar).state).toBe('exported')
    expect(bar.hasLaunched(bar.launch().callId)).toBe(true)
  })

  it('a require that closes a cycle of three services is refused and the cycle is named', () => {
    const k = new KernelHarness()
    const [a, b, c] = ['a', 'b', 'c'].map((n) => {
      const g = k.guest(n)
      g.register(`ring.${n}`)
      g.export(`ring.${n}`)
      return g
    }) as [
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
      ReturnType<KernelHarness['guest']>,
    ]
    expect(a.require('ring.b')).toBe(KernelErr.NoError)
    expect(b.require('ring.c')).toBe(KernelErr.NoError)
    expect(c.require('ring.a')).toBe(KernelErr.DependencyCycle)
    expect(k.logText()).toContain(
      'ring.c: requiring ring.a would create a dependency cycle: ring.c -> ring.a -> ring.b -> ring.c; refused',
    )
    const cycle = k.events.find((e) => e.type === 'dependency-cycle')
    expect(cycle?.type === 'dependency-cycle' && cycle.cycle).toHaveLength(4)
    // The refused edge was not recorded: c can still run.
    const lc = c.launch().callId
    expect(c.hasLaunched(lc)).toBe(true)
  })

  it('an export that closes a cycle is refused too, as is requiring oneself', () => {
    const k = new KernelHarness()
    const a = k.guest('a')
    const b = k.guest('b')
    a.register('p.a')
    b.register('p.b')
    expect(a.require('p.bee')).toBe(KernelErr.NoError)
    expect(b.require('p.ay')).toBe(KernelErr.NoError)
    expect(a.export('p.ay')).toBe(KernelErr.NoError)
    expect(b.export('p.bee')).toBe(KernelErr.DependencyCycle)
    expect(k.logText()).toContain('p.b: exporting p.bee would create a dependency cycle')
    const s = k.guest('s')
    s.register('p.self')
    s.export('p.self')
    expect(s.require('p.self')).toBe(KernelErr.DependencyCycle)
  })

  it('a missing exporter gives RunTimeout after the launch timeout, naming the requirement and why', () => {
    const k = new KernelHarness({ launchTimeoutMs: 10_000 })
    const waiting = k.guest('frontend')
    waiting.register('app.frontend')
    waiting.require('app.backend', 'app.auth')
    const auth = k.guest('auth')
    auth.register('app.auth')
    auth.export('app.auth')
    auth.require('app.db')
    auth.launch()
    const launchId = waiting.launch().callId
    k.advance(9_999)
    expect(waiting.readOne().code).toBe('empty')
    k.advance(1)
    const { resp } = waiting.readOne()
    expect(resp.resolved?.callId).toEqual(launchId)
    expect(resp.resolved?.resultError).toBe(KernelErr.RunTimeout)
    expect(resp.resolved?.kernelError).toBe(KernelErr.RunTimeout)
    const log = k.logText()
    expect(log).toContain(
      'frontend (app.frontend): launch timed out after 10000 ms; unmet: app.backend (nobody exports app.backend)',
    )
    expect(log).toMatch(
      /app\.auth \(its exporter app\.auth (is itself waiting for app\.db \(nobody exports app\.db\)|failed)/,
    )
    const state = k.events
      .filter((e) => e.type === 'service-state' && e.name === 'app.frontend')
      .at(-1)
    expect(state).toMatchObject({ state: 'failed' })
  })

  it('waiting-for events name each unmet requirement as it is', () => {
    const k = new KernelHarness()
    const g = k.guest('g')
    g.register('w.client')
    g.require('w.server')
    g.launch()
    const waiting = k.events.filter((e) => e.type === 'waiting-for')
    expect(waiting.at(-1)).toMatchObject({
      name: 'w.client',
      unmet: [{ name: 'w.server', reason: 'nobody exports w.server' }],
    })
  })

  // Whichever of the two happens first, require or export, the last word must be the present.
  for (const order of ['require first', 'export first'] as const) {
    it(`a waiter's unmet list follows its exporter to its end (${order})`, () => {
      const k = new KernelHarness()
      const client = k.guest('client')
      const server = k.guest('server')
      server.register('w.server')
      client.register('w.client')
      if (order === 'export first') server.export('w.server')
      client.require('w.server')
      client.launch()
      if (order === 'require first') server.export('w.server')
      const lastUnmet = () =>
        k.events.filter((e) => e.type === 'waiting-for' && e.name === 'w.client').at(-1)
      expect(lastUnmet()).toMatchObject({
        unmet: [{ name: 'w.server', reason: 'its exporter w.server has not launched' }],
      })
      k.kernel.hostEnded(server.host, { kind: 'exited', code: 6 })
      expect(lastUnmet()).toMatchObject({
        unmet: [{ name: 'w.server', reason: 'its exporter w.server has exited (code 6)' }],
      })
    })
  }

  it('a launch waits, not refused, while the ended exporter runs again under its name (a restart)', () => {
    const k = new KernelHarness()
    const client = k.guest('client')
    const old = k.guest('server')
    old.register('w.server')
    old.export('w.server')
    k.kernel.hostEnded(old.host, { kind: 'exited', code: 0 })
    // The restarted guest: a new host of the same name, not exported yet.
    const again = k.guest('server')
    again.register('w.server')
    client.register('w.client')
    client.require('w.server')
    const launch = client.launch()
    expect(launch.code).toBe(KernelErr.NoError)
    expect(client.hasLaunched(launch.callId)).toBe(false)
    again.export('w.server')
    again.launch()
    expect(client.hasLaunched(launch.callId)).toBe(true)
  })

  it('a launch refused because its exporter already ended says so in the unmet list, and fails', () => {
    const k = new KernelHarness()
    const client = k.guest('client')
    const server = k.guest('server')
    server.register('w.server')
    server.export('w.server')
    client.register('w.client')
    client.require('w.server')
    k.kernel.hostEnded(server.host, { kind: 'exited', code: 6 })
    expect(client.launch().code).toBe(KernelErr.ServiceFailed)
    expect(
      k.events.filter((e) => e.type === 'waiting-for' && e.name === 'w.client').at(-1),
    ).toMatchObject({
      unmet: [{ name: 'w.server', reason: 'its exporter w.server has exited (code 6)' }],
    })
    expect(
      k.events.filter((e) => e.type === 'service-state' && e.name === 'w.client').at(-1),
    ).toMatchObject({
      state: 'failed',
      reason: 'launch refused: requires w.server, whose only exporter server exited 6',
    })
  })
})
