// The worker side of the direct path (runner/worker/direct-path.ts), driven in one thread: two
// DirectPaths on one switchboard stand for a caller's and a callee's workers, a real Kernel keeps
// the books through a real KernelServer's notice drain. What a worker would block for is asked
// with timeout 0, so nothing here waits.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { DescMessage } from '@bufbuild/protobuf'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLogger } from '../../src/main/engine'
import { Kernel } from '../../src/main/kernel/kernel'
import { SYSCALLS } from '../../src/main/kernel/syscall-table'
import { createChannel, Word } from '../../src/main/kernel/transport/channel'
import type { Channel } from '../../src/main/kernel/transport/channel'
import { KernelServer } from '../../src/main/kernel/transport/kernel-server'
import {
  Cell,
  createSwitchboard,
  Ring,
  ringCount,
  SlotState,
} from '../../src/main/kernel/transport/switchboard'
import type { Switchboard } from '../../src/main/kernel/transport/switchboard'
import { DirectPath } from '../../src/main/runner/worker/direct-path'
import type { Answer } from '../../src/main/runner/worker/direct-path'
import { StagedNotices } from '../../src/main/runner/worker/staged-notices'
import type { KernelEvent } from '../../src/shared/events/kernel-events'
import {
  DispatchRequestSchema,
  KernelErr,
  ReadOneRequestSchema,
  ReadOneResponseSchema,
  ReturnValueRequestSchema,
} from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { ReadOneResponse } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { IdRaw } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { formatId, fromRaw, newCallId, toRaw } from '../../src/shared/id'
import type { HostId } from '../../src/shared/id'
import { GuestDriver, raw, text, untext } from '../kernel/kernel-driver'

const CAPACITY = 4096
const syscall = (name: string) => SYSCALLS.find((s) => s.name === name)!

/** One worker's side: its channel, its DirectPath, and the kernel path for what it declines. */
class Side {
  readonly channel: Channel = createChannel(64 * 1024)
  readonly path: DirectPath

  constructor(
    readonly world: World,
    readonly guest: GuestDriver,
    inboundQueue = 1024,
  ) {
    const grant = world.server.attach(guest.host, this.channel)!
    this.path = new DirectPath(
      {
        board: world.board,
        slot: grant.slot,
        gen: grant.gen,
        host: toRaw(guest.host),
        inboundQueue,
        callTimeoutMs: world.kernel.limits.callTimeoutMs,
      },
      this.channel,
      (request, capacity) => {
        const answer = this.viaKernel('read_one_', request, capacity, true)
        return { ...answer, empty: answer.code === 0 && this.channel.header[Word.EMPTY] === 1 }
      },
    )
    this.slot = grant.slot
  }

  readonly slot: number

  /**
   * A syscall as the KernelServer would serve it (run on the kernel, answer in the channel,
   * the mailbox's KERNEL_PENDING flag and the route words kept as its `run` keeps them).
   */
  viaKernel(name: string, request: Uint8Array, capacity: number, final: boolean): Answer {
    const entry = syscall(name)
    const req = fromBinary(entry.request, request)
    const resp = entry.response ? create(entry.response as DescMessage) : undefined
    const code = entry.handle(this.world.kernel, this.guest.host, req, resp, final)
    if (code === 'park') throw new Error(`${name} parked`)
    const mailbox = this.world.board.mailboxes[this.slot]!
    if (name === 'read_one_') {
      this.channel.header[Word.EMPTY] = code === 0 && (resp as ReadOneResponse).timeout ? 1 : 0
      Atomics.store(
        mailbox.header,
        Ring.KERNEL_PENDING,
        this.world.kernel.hasEvent(this.guest.host) ? 1 : 0,
      )
    }
    if (name === 'dispatch_') {
      const wanted = (req as unknown as { serviceId?: IdRaw }).serviceId
      const target = this.world.sides.find((s) => s.guest.serviceId?.high === wanted?.high)
      this.channel.header[Word.ROUTE_SLOT] = target?.slot ?? -1
      this.channel.header[Word.ROUTE_GEN] =
        target === undefined
          ? 0
          : Atomics.load(this.world.board.mailboxes[target.slot]!.header, Ring.GEN)
    }
    if (code !== 0 || resp === undefined || entry.response === undefined)
      return { code, length: 0, bytes: undefined }
    const bytes = toBinary(entry.response, resp)
    if (bytes.byteLength > capacity) {
      if (name === 'read_one_')
        this.world.kernel.unreadOne(this.guest.host, resp as ReadOneResponse)
      return { code: KernelErr.DataTooLarge, length: bytes.byteLength, bytes: undefined }
    }
    this.channel.data.set(bytes)
    return { code, length: bytes.byteLength, bytes: undefined }
  }

  /** What syscall-client does: the direct path first, the kernel when it declines. */
  syscall(
    name: string,
    request: Uint8Array,
    capacity = CAPACITY,
  ): { answer: Answer; direct: boolean } {
    const direct = this.path.serve(name, request, capacity)
    if (direct !== undefined) return { answer: direct, direct: true }
    this.path.beforeKernel()
    const answer = this.viaKernel(name, request, capacity, true)
    this.path.kernelAnswered(name, answer.code)
    return { answer, direct: false }
  }

  dispatch(service: IdRaw, method: IdRaw, value: string) {
    const callId = raw(newCallId())
    const req = create(DispatchRequestSchema, {
      serviceId: service,
      methodId: method,
      callId,
      param: text(value),
    })
    return { callId, ...this.syscall('dispatch_', toBinary(DispatchRequestSchema, req)) }
  }

  /** read_one_ with timeout 0 (never waits): the event and whether the kernel was bypassed. */
  read(filter?: { service: IdRaw; method: IdRaw }): ReadOneResponse {
    const req = create(ReadOneRequestSchema, {
      timeoutInMillis: 0,
      call: filter ? [{ serviceId: filter.service, methodId: filter.method }] : [],
    })
    const { answer } = this.syscall('read_one_', toBinary(ReadOneRequestSchema, req))
    expect(answer.code).toBe(KernelErr.NoError)
    const bytes = (answer.bytes ?? this.channel.data).subarray(0, answer.length)
    return fromBinary(ReadOneResponseSchema, bytes)
  }

  /** Reads until something other than a launch completion arrives. */
  next(): ReadOneResponse {
    for (;;) {
      const ev = this.read()
      if (ev.resolved?.callId === undefined || !this.launches.has(ev.resolved.callId.high))
        return ev
    }
  }

  readonly launches = new Set<bigint>()

  returnValue(callId: IdRaw | undefined, value: string, resultError = 0) {
    const req = create(ReturnValueRequestSchema, { callId, result: text(value), resultError })
    return this.syscall('return_value_', toBinary(ReturnValueRequestSchema, req))
  }
}

class World {
  nowMs = 1_000
  readonly events: KernelEvent[] = []
  readonly log = createMemoryLogger('test')
  readonly board: Switchboard = createSwitchboard()
  readonly kernel: Kernel
  readonly server: KernelServer
  readonly sides: Side[] = []

  constructor() {
    const late: { server?: KernelServer } = {}
    this.kernel = new Kernel({
      now: () => this.nowMs,
      logger: this.log.logger,
      onEvent: (e) => this.events.push(e),
      onWake: (h: HostId) => late.server?.wake(h),
    })
    this.server = new KernelServer(this.kernel, this.log.logger, () => this.nowMs, 0, 2, this.board)
    late.server = this.server
  }

  side(name: string, setUp: (g: GuestDriver) => IdRaw, inboundQueue?: number): Side {
    const guest = new GuestDriver(this.kernel, this.kernel.addHost(name), name)
    const side = new Side(this, guest, inboundQueue)
    this.sides.push(side)
    side.launches.add(setUp(guest).high)
    return side
  }

  /** An echo server and a client that required it, both running. */
  static pair(inboundQueue?: number) {
    const w = new World()
    const callee = w.side('echo', (g) => g.serve('test.v1.echo', ['Call', 'Other']), inboundQueue)
    const caller = w.side(
      'client',
      (g) => {
        g.register('test.v1.client')
        g.require('test.v1.echo')
        return g.launch().callId
      },
      inboundQueue,
    )
    const service = callee.guest.serviceId!
    const method = callee.guest.bind('Call').id!
    const other = callee.guest.bind('Other').id!
    current = w
    return { w, callee, caller, service, method, other }
  }

  finished() {
    this.server.drainNotices()
    return this.events.filter((e) => e.type === 'call-finished')
  }
}

let current: World | undefined
afterEach(() => {
  current?.server.close()
  current = undefined
})

describe('DirectPath: calls between two workers without the kernel thread', () => {
  it('the first dispatch_ goes through the kernel and teaches the route; the next goes to the mailbox, and the kernel books both', () => {
    const { w, callee, caller, service, method } = World.pair()
    const first = caller.dispatch(service, method, 'one')
    expect(first.direct).toBe(false)
    const second = caller.dispatch(service, method, 'two')
    expect(second).toMatchObject({ direct: true, answer: { code: KernelErr.NoError } })
    // The kernel-queued call is read first (KERNEL_PENDING), then the mailbox's.
    const c1 = callee.next()
    const c2 = callee.next()
    expect([untext(c1.param), untext(c2.param)]).toEqual(['one', 'two'])
    expect(c2.callId).toEqual(second.callId)
    expect(c2.call?.methodId).toEqual(method)
    // Answering the mailbox call goes straight to the caller's mailbox; the other via the kernel.
    expect(callee.returnValue(c2.callId, 'TWO').direct).toBe(true)
    expect(callee.returnValue(c1.callId, 'ONE').direct).toBe(false)
    const results = [caller.next(), caller.next()]
    expect(results.map((r) => untext(r.resolved?.result)).sort()).toEqual(['ONE', 'TWO'])
    expect(w.finished()).toHaveLength(2)
    expect(w.events.filter((e) => e.type === 'call-started')).toHaveLength(2)
  })

  it('the watchdog times a mailbox call from the first look that saw it, and a new call anew', () => {
    const { w, callee, caller, service, method } = World.pair()
    caller.dispatch(service, method, 'learn')
    callee.returnValue(callee.next().callId, 'x')
    caller.dispatch(service, method, 'first')
    const first = callee.next()
    expect(w.server.servingSince(callee.guest.host)).toMatchObject({
      sinceMs: 1_000,
      call: expect.stringContaining('Call') as string,
    })
    // Later looks at the same call keep the time of the first (the worker reads no clock).
    w.nowMs += 250
    expect(w.server.servingSince(callee.guest.host)?.sinceMs).toBe(1_000)
    callee.returnValue(first.callId, 'done')
    expect(w.server.servingSince(callee.guest.host)).toBeUndefined()
    caller.dispatch(service, method, 'second')
    callee.next()
    w.nowMs += 100
    expect(w.server.servingSince(callee.guest.host)?.sinceMs).toBe(1_350)
  })

  it("read_one_'s filter leaves calls of other methods in the mailbox; nothing to read answers timeout", () => {
    const { callee, caller, service, method, other } = World.pair()
    caller.dispatch(service, method, 'learn')
    callee.next()
    caller.dispatch(service, method, 'direct')
    expect(callee.read({ service, method: other }).timeout).toBe(true)
    expect(untext(callee.read({ service, method }).param)).toBe('direct')
    expect(callee.read().timeout).toBe(true)
  })

  it('a closed slot or a new generation sends dispatch_ through the kernel, which teaches the new route', () => {
    const { w, callee, caller, service, method } = World.pair()
    caller.dispatch(service, method, 'learn')
    expect(caller.dispatch(service, method, 'direct').direct).toBe(true)
    const h = w.board.mailboxes[callee.slot]!.header
    Atomics.store(h, Ring.STATE, SlotState.CLOSED)
    expect(caller.dispatch(service, method, 'closed').direct).toBe(false)
    Atomics.store(h, Ring.STATE, SlotState.OPEN)
    Atomics.add(h, Ring.GEN, 1)
    expect(caller.dispatch(service, method, 'new gen').direct).toBe(false)
    expect(caller.dispatch(service, method, 'relearned').direct).toBe(true)
  })

  it("at the callee's inbound bound, dispatch_ goes to the kernel (which applies the bound)", () => {
    const { callee, caller, service, method } = World.pair(1)
    caller.dispatch(service, method, 'learn')
    expect(caller.dispatch(service, method, 'queued').direct).toBe(true)
    expect(caller.dispatch(service, method, 'over').direct).toBe(false)
    expect(callee.next().param).toBeDefined()
  })

  it('a result that arrives after the kernel timed the call out is dropped, and the timeout is delivered once', () => {
    const { w, callee, caller, service, method } = World.pair()
    caller.dispatch(service, method, 'learn')
    callee.returnValue(callee.next().callId, 'learnt')
    caller.next()
    const late = caller.dispatch(service, method, 'slow')
    const call = callee.next()
    w.server.drainNotices()
    w.nowMs += w.kernel.limits.callTimeoutMs + 1
    w.kernel.tick()
    const timedOut = caller.next()
    expect(timedOut.resolved?.callId).toEqual(late.callId)
    expect(timedOut.resolved?.kernelError).toBe(KernelErr.CallTimeout)
    expect(callee.returnValue(call.callId, 'too late').direct).toBe(true)
    expect(caller.read().timeout).toBe(true)
    w.server.drainNotices()
    expect(w.log.records.map((r) => r.message).join('\n')).toContain('late result')
  })

  it('a request naming another host is left to the kernel (BadId there)', () => {
    const { caller, callee, service, method } = World.pair()
    caller.dispatch(service, method, 'learn')
    const req = create(DispatchRequestSchema, {
      serviceId: service,
      methodId: method,
      callId: raw(newCallId()),
      hostId: toRaw(callee.guest.host),
    })
    const { answer, direct } = caller.syscall('dispatch_', toBinary(DispatchRequestSchema, req))
    expect(direct).toBe(false)
    expect(answer.code).toBe(KernelErr.BadId)
  })

  /** Caller and callee as guests of one worker (colocated-group.ts links them so). */
  function worker(w: World, caller: Side, callee: Side) {
    const state = { calleeAlive: true }
    const shared = {
      peer: (slot: number) =>
        slot === callee.slot && state.calleeAlive
          ? callee.path
          : slot === caller.slot
            ? caller.path
            : undefined,
      wait: () => false,
      notices: new StagedNotices(w.board, () => caller.slot),
    }
    caller.path.shared = shared
    callee.path.shared = shared
    return { shared, state }
  }

  /** The kinds of the notices in the ring, oldest first (left there for the kernel). */
  function noticeKinds(board: Switchboard): number[] {
    const ring = board.notices
    const head = Atomics.load(ring.header, Ring.HEAD)
    const kinds: number[] = []
    for (let i = head; i !== Atomics.load(ring.header, Ring.TAIL); i++) {
      kinds.push(ring.view.getUint32((i % ring.cellCount) * ring.cellBytes, true))
    }
    return kinds
  }

  it('between guests of one worker, the call and its result skip the mailboxes; the kernel gets one COMPLETED notice per call', () => {
    const { w, callee, caller, service, method } = World.pair()
    const { state } = worker(w, caller, callee)
    caller.dispatch(service, method, 'learn')
    callee.returnValue(callee.next().callId, 'learnt')
    caller.next()
    w.finished()
    const sent = caller.dispatch(service, method, 'local')
    expect(sent.direct).toBe(true)
    expect(ringCount(w.board.mailboxes[callee.slot]!)).toBe(0)
    expect(noticeKinds(w.board)).toEqual([])
    expect(callee.path.hasWork()).toBe(true)
    const call = callee.next()
    expect(untext(call.param)).toBe('local')
    expect(callee.returnValue(call.callId, 'LOCAL').direct).toBe(true)
    expect(noticeKinds(w.board)).toEqual([Cell.COMPLETED])
    expect(ringCount(w.board.mailboxes[caller.slot]!)).toBe(0)
    expect(untext(caller.next().resolved?.result)).toBe('LOCAL')
    const finished = w.finished()
    expect(finished).toHaveLength(2)
    expect(w.events.filter((e) => e.type === 'call-started')).toHaveLength(2)
    const local = finished[1]
    expect(local?.type === 'call-finished' && local.call).toBe(
      formatId(fromRaw('call', sent.callId)),
    )
    // A worker-mate that has ended is no peer: the call goes to its mailbox as between workers.
    state.calleeAlive = false
    expect(caller.dispatch(service, method, 'mailbox').direct).toBe(true)
    expect(ringCount(w.board.mailboxes[callee.slot]!)).toBe(1)
    expect(noticeKinds(w.board)).toEqual([Cell.STARTED])
  })

  it('between guests of one worker, a call still out after a turn is told to the kernel (STARTED), its answer then as RETURNED; the kernel times it out meanwhile', () => {
    const { w, callee, caller, service, method } = World.pair()
    const { shared } = worker(w, caller, callee)
    caller.dispatch(service, method, 'learn')
    callee.returnValue(callee.next().callId, 'learnt')
    caller.next()
    w.finished()
    caller.dispatch(service, method, 'slow')
    shared.notices.endTurn()
    expect(noticeKinds(w.board)).toEqual([])
    shared.notices.endTurn()
    expect(noticeKinds(w.board)).toEqual([Cell.STARTED])
    w.server.drainNotices()
    expect(w.events.filter((e) => e.type === 'call-started')).toHaveLength(2)
    const call = callee.next()
    expect(callee.returnValue(call.callId, 'SLOW').direct).toBe(true)
    expect(noticeKinds(w.board)).toEqual([Cell.RETURNED])
    expect(untext(caller.next().resolved?.result)).toBe('SLOW')
    expect(w.finished()).toHaveLength(2)
    // Flushed before a sleep, an ending or a kernel syscall: the kernel then times the call out.
    caller.dispatch(service, method, 'never answered')
    shared.notices.flush()
    expect(noticeKinds(w.board)).toEqual([Cell.STARTED])
    w.server.drainNotices()
    w.nowMs += w.kernel.limits.callTimeoutMs + 1
    w.kernel.tick()
    expect(caller.next().resolved?.kernelError).toBe(KernelErr.CallTimeout)
  })

  it('between guests of one worker, a syscall to the kernel sends the held notices first', () => {
    const { w, callee, caller, service, method } = World.pair()
    worker(w, caller, callee)
    caller.dispatch(service, method, 'learn')
    callee.returnValue(callee.next().callId, 'learnt')
    caller.next()
    w.finished()
    caller.dispatch(service, method, 'held')
    expect(noticeKinds(w.board)).toEqual([])
    caller.path.beforeKernel()
    expect(noticeKinds(w.board)).toEqual([Cell.STARTED])
  })
})
