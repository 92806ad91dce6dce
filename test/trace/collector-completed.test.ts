// A traced deployment's direct calls reach the collector booked whole (Kernel onCallCompleted):
// each becomes a span at once, linked to its parent's, and is the context of its own children.
import { describe, expect, it } from 'vitest'
import type { BookedDirectCall } from '../../src/main/kernel/kernel'
import { TraceCollector } from '../../src/main/runner/trace/collector'
import type { SpanRecord } from '../../src/shared/trace/span'
import { SPAN_ID, TRACE_ID } from '../../src/shared/trace/span'

const names = (caller: string, target: string) => ({
  caller: caller.replace('svc-', ''),
  callee: target.replace('svc-', ''),
  service: `${target.replace('svc-', '')}.v1.Service`,
})

/** Call keys as the kernel makes them (formatId of a call id). */
const key = (n: number) => `call-00000000000000-${n.toString(16).padStart(16, '0')}`
const [A, B, C, GONE, R] = [key(0xa), key(0xb), key(0xc), key(0x90e), key(0x7)]

function booked(call: string, parent?: string, over: Partial<BookedDirectCall> = {}) {
  return {
    call,
    parent,
    caller: 'svc-client',
    target: 'svc-server',
    method: 'Add',
    startMs: 1_000,
    latencyMs: 3,
    resultError: 0,
    timeMs: 1_004,
    ...over,
  }
}

describe('trace collector: direct calls booked whole', () => {
  it('makes a root span, then children in its trace with its span as parent', () => {
    const collector = new TraceCollector(names)
    const spans: SpanRecord[] = []
    collector.subscribe((s) => spans.push(s))
    collector.completed(booked(A))
    collector.completed(booked(B, A, { method: 'Mul', resultError: 2 }))
    collector.completed(booked(C, GONE))
    const [root, child, orphan] = spans
    expect(root).toMatchObject({
      caller: 'client',
      callee: 'server',
      service: 'server.v1.Service',
      method: 'Add',
      startMs: 1_000,
      durationMs: 3,
      resultError: 0,
      kernelError: 0,
    })
    expect(root!.traceId).toMatch(TRACE_ID)
    expect(root!.spanId).toMatch(SPAN_ID)
    expect(root).not.toHaveProperty('parentSpanId')
    expect(child).toMatchObject({
      traceId: root!.traceId,
      parentSpanId: root!.spanId,
      method: 'Mul',
    })
    expect(child!.spanId).not.toBe(root!.spanId)
    // A parent the collector no longer knows: a new trace rather than a dangling link.
    expect(orphan!.traceId).not.toBe(root!.traceId)
    expect(orphan).not.toHaveProperty('parentSpanId')
    expect(collector.contextOf(B)).toMatchObject({
      traceId: root!.traceId,
      spanId: child!.spanId,
    })
  })

  it('keys contexts by the words the kernel read, the same as by the call keys', () => {
    const collector = new TraceCollector(names)
    const spans: SpanRecord[] = []
    collector.subscribe((s) => spans.push(s))
    const words = (n: number) => [0, 0, 0, n] as const
    // As the traced drain books them: words only, the keys never made.
    const byWords = (n: number, parent: number) => ({
      ...booked('', undefined),
      call: 'not read',
      callWords: words(n),
      parentWords: words(parent),
    })
    collector.completed(byWords(0xa, 0))
    collector.completed(byWords(0xb, 0xa))
    // A record with keys finds a context kept by words, and the reverse.
    collector.completed(booked(C, B))
    collector.completed(byWords(0x90e, 0xc))
    const [root, child, grandchild, last] = spans
    expect(root).not.toHaveProperty('parentSpanId')
    expect(child).toMatchObject({ traceId: root!.traceId, parentSpanId: root!.spanId })
    expect(grandchild).toMatchObject({ traceId: root!.traceId, parentSpanId: child!.spanId })
    expect(last).toMatchObject({ traceId: root!.traceId, parentSpanId: grandchild!.spanId })
    expect(collector.contextOf(GONE)).toEqual({ traceId: root!.traceId, spanId: last!.spanId })
  })

  it('takes a remote parent noted for the call (a call that came from another host)', () => {
    const collector = new TraceCollector(names)
    const spans: SpanRecord[] = []
    collector.subscribe((s) => spans.push(s))
    const remote = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }
    collector.noteRemoteParent(R, remote)
    collector.completed(booked(R))
    expect(spans[0]).toMatchObject({ traceId: remote.traceId, parentSpanId: remote.spanId })
  })
})
