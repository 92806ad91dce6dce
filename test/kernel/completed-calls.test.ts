// Direct calls that started and returned between two drains of the notice ring are booked in
// one step (completed-calls.ts); the drain pairs their notices (notice-drain.ts answersInBatch).
import { toBinary } from '@bufbuild/protobuf'
import { describe, expect, it } from 'vitest'
import { answersInBatch } from '../../src/main/kernel/transport/notice-drain'
import type { Notice } from '../../src/main/kernel/transport/notice-cells'
import { Cell } from '../../src/main/kernel/transport/switchboard'
import { IdRawSchema } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { newCallId } from '../../src/shared/id'
import { KernelHarness, raw } from './kernel-driver'
import { bookedCallEvents } from '../../src/main/kernel/kernel'
import type { BookedDirectCall } from '../../src/main/kernel/kernel'
import {
  callKeyOfIdText,
  callWordsOfIdText,
  fastRawId,
  latin1Bytes,
} from '../../src/main/kernel/raw-id-bytes'
import { callKeyOfWords } from '../../src/main/kernel/transport/trace-words'
import { formatId, fromRaw } from '../../src/shared/id'

/** An id as the notices carry it: its IdRaw bytes as text, one character per byte. */
const idText = (id: IdRaw): string => String.fromCharCode(...toBinary(IdRawSchema, id))

function deployment(harness = new KernelHarness()) {
  const server = harness.guest('server')
  server.serve('calc.v1.calc', ['Add'])
  server.readOne()
  const client = harness.guest('client')
  client.register('calc.v1.client')
  client.require('calc.v1.calc')
  client.launch()
  client.readOne()
  const located = client.locate('calc.v1.calc')
  const add = located.resp.binding.find((b) => b.methodName === 'Add')!.methodId!
  const call = (over: { callId?: string; method?: string } = {}) => ({
    caller: client.host,
    callee: server.host,
    callId: over.callId ?? idText(raw(newCallId())),
    serviceId: idText(located.resp.serviceId!),
    methodId: over.method ?? idText(add),
    startedMs: 1_000,
    finishedMs: 1_003,
    resultError: 0,
  })
  return { harness, server, client, call }
}

describe('kernel: a direct call booked in one step', () => {
  it('tells its listeners the call started and finished, with its latency, and keeps nothing pending', () => {
    const { harness, call } = deployment()
    harness.events.length = 0
    expect(harness.kernel.directCallCompleted({ ...call(), resultError: 7 })).toBe(true)
    const [started, finished] = harness.events
    expect(started).toMatchObject({
      type: 'call-started',
      caller: expect.stringMatching(/^svc-/),
      target: expect.stringMatching(/^svc-/),
      method: 'Add',
      startMs: 1_000,
    })
    expect(finished).toMatchObject({
      type: 'call-finished',
      call: (started as { call: string }).call,
      method: 'Add',
      latencyMs: 3,
      resultError: 7,
      kernelError: 0,
    })
    const { caller, target } = started as { caller: string; target: string }
    expect(caller).not.toBe(target)
    expect(harness.kernel.nextDeadline()).toBeUndefined()
  })

  it('leaves to the two-step path a call it would not have allowed, so the fault is named there', () => {
    const { harness, server, call } = deployment()
    const unknownMethod = idText(raw(newCallId()))
    expect(harness.kernel.directCallCompleted(call({ method: unknownMethod }))).toBe(false)
    expect(harness.kernel.directCallCompleted({ ...call(), callee: call().caller })).toBe(false)
    harness.kernel.hostEnded(server.host, { kind: 'failed', reason: 'wasm trap: unreachable' })
    expect(harness.kernel.directCallCompleted(call())).toBe(false)
    expect(harness.events.filter((e) => e.type === 'call-started')).toEqual([])
  })

  it('refuses a call id that is still pending, as dispatch_ does', () => {
    const { harness, client, call } = deployment()
    const located = client.locate('calc.v1.calc')
    const add = located.resp.binding.find((b) => b.methodName === 'Add')!.methodId!
    const sent = client.dispatch(located.resp.serviceId!, add, undefined)
    expect(sent.code).toBe(KernelErr.NoError)
    expect(harness.kernel.directCallCompleted(call({ callId: idText(sent.callId) }))).toBe(false)
  })

  it('without a listener books the call and makes no events', () => {
    const quiet = new KernelHarness({}, () => 0, false)
    const { call } = deployment(quiet)
    expect(quiet.kernel.directCallCompleted(call())).toBe(true)
    expect(quiet.events).toEqual([])
  })
})

describe('notice drain: pairing a call with its answer in one batch', () => {
  const started = (callId: string, slot = 0): Notice => ({
    kind: Cell.STARTED,
    slot,
    atNs: 0,
    callId,
    serviceId: 's',
    methodId: 'm',
    parent: undefined,
  })
  const returned = (callId: string, slot = 1): Notice => ({
    kind: Cell.RETURNED,
    slot,
    atNs: 0,
    callId,
    resultError: 0,
  })

  it('pairs each answer with its start, leaves open calls and stray answers unpaired', () => {
    const batch = [started('a'), started('b'), returned('b'), returned('z'), started('c')]
    expect([...answersInBatch(batch)]).toEqual([-1, 2, 1, -1, -1])
  })

  it('pairs a call id used twice in order, each start with the answer after it', () => {
    const batch = [started('a'), returned('a'), started('a'), returned('a')]
    expect([...answersInBatch(batch)]).toEqual([1, 0, 3, 2])
  })

  it('never pairs an answer with a start that comes after it', () => {
    expect([...answersInBatch([returned('a'), started('a')])]).toEqual([-1, -1])
  })
})

describe('kernel: a direct call booked whole for a traced deployment (onCallCompleted)', () => {
  it('gives one record with its parent instead of two events, saying what the events would', () => {
    const records: BookedDirectCall[] = []
    const whole = deployment(new KernelHarness({}, () => 0, false, records))
    const evented = deployment()
    const parentKey = 'call-00000000000001-0000000000000002'
    const shared = whole.call()
    evented.harness.events.length = 0
    // As the traced drain gives it: the call's words read from its bytes, the parent's from the notice.
    const callWords = callWordsOfIdText(shared.callId)
    expect(callWords).toBeDefined()
    expect(
      whole.harness.kernel.directCallCompleted({ ...shared, callWords, parentWords: [0, 1, 0, 2] }),
    ).toBe(true)
    expect(
      evented.harness.kernel.directCallCompleted(evented.call({ callId: shared.callId })),
    ).toBe(true)
    expect(whole.harness.events.filter((e) => e.type.startsWith('call-'))).toEqual([])
    expect(records).toHaveLength(1)
    const record = records[0]!
    expect(record).toMatchObject({ parent: parentKey, method: 'Add', latencyMs: 3, startMs: 1_000 })
    expect(record.callWords).toEqual(callWords)
    expect(record.call).toBe(formatId(fromRaw('call', fastRawId(latin1Bytes(shared.callId)))))
    // Same names as the evented kernel's (service keys differ between two kernels: compare shape).
    const made = bookedCallEvents(record).map((e) => ({ ...e, caller: '', target: '' }))
    const seen = evented.harness.events.map((e) => ({ ...e, caller: '', target: '' }))
    expect(made).toEqual(seen)
  })
})

describe("a call's key from its IdRaw bytes, on the kernel thread's traced path", () => {
  it('is formatId of the id for any call id, and the same from its four words', () => {
    for (let i = 0; i < 2000; i++) {
      const id = newCallId()
      const text = idText(raw(id))
      const key = callKeyOfIdText(text)
      expect(key).toBe(formatId(fromRaw('call', fastRawId(latin1Bytes(text)))))
      const high = raw(id).high & 0x00ff_ffff_ffff_ffffn
      const low = raw(id).low
      const words = [high >> 32n, high & 0xffff_ffffn, low >> 32n, low & 0xffff_ffffn].map(Number)
      expect(callKeyOfWords(words[0]!, words[1]!, words[2]!, words[3]!)).toBe(key)
      // The collector's key for the call's context: the same words, unsigned.
      expect(callWordsOfIdText(text)).toEqual(words)
    }
    const small = idText({ $typeName: 'protosupport.v1.IdRaw', high: 0x63n << 56n, low: 1n })
    expect(callKeyOfIdText(small)).toBe('call-00000000000000-0000000000000001')
  })

  it('is undefined for the empty id and for bytes of another shape (the generic decoder names them)', () => {
    expect(callKeyOfIdText('')).toBeUndefined()
    expect(callKeyOfIdText('\x08')).toBeUndefined()
    expect(callKeyOfIdText('\x08\xff')).toBeUndefined()
    expect(callKeyOfIdText('\x18\x01')).toBeUndefined()
    expect(callKeyOfIdText('\x08' + '\xff'.repeat(10) + '\x01')).toBeUndefined()
  })
})
