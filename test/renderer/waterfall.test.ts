import { describe, expect, it } from 'vitest'
import { waterfallRows } from '../../src/renderer/src/panels/calls/waterfall'
import type { SpanRecord } from '../../src/shared/trace/span'

const span = (
  id: string,
  parent: string | undefined,
  over: Partial<SpanRecord> = {},
): SpanRecord => ({
  traceId: 'a'.repeat(32),
  spanId: id.padStart(16, '0'),
  ...(parent !== undefined ? { parentSpanId: parent.padStart(16, '0') } : {}),
  caller: 'shopper@desk',
  callee: 'checkout@front',
  service: 'chain.v1.checkout',
  method: 'Total',
  startMs: 1000,
  durationMs: 10,
  resultError: 0,
  kernelError: 0,
  ...over,
})

describe('waterfall rows', () => {
  it('nests children under parents in start order, on the trace time axis', () => {
    const rows = waterfallRows([
      span('1', undefined, { durationMs: 20 }),
      span('3', '1', {
        startMs: 1010,
        durationMs: 5,
        caller: 'checkout@front',
        callee: 'pricer@front',
        method: 'Price',
      }),
      span('2', '1', {
        startMs: 1002,
        durationMs: 5,
        caller: 'checkout@front',
        callee: 'pricer@front',
        method: 'Price',
      }),
    ])
    expect(rows.map((r) => [r.span.spanId.slice(-1), r.depth])).toEqual([
      ['1', 0],
      ['2', 1],
      ['3', 1],
    ])
    expect(rows[1]).toMatchObject({ left: 0.1, width: 0.25 })
  })

  it("marks the caller's side of a call served on another host as sent, and only that one", () => {
    const rows = waterfallRows([
      span('1', undefined, { durationMs: 20 }),
      // The serving host's span of the same call, its parent the caller's.
      // The serving host knows the caller's host only.
      span('2', '1', { startMs: 1005, durationMs: 4, caller: '@desk' }),
      span('3', '2', {
        startMs: 1006,
        durationMs: 1,
        caller: 'checkout@front',
        callee: 'pricer@front',
        method: 'Price',
      }),
    ])
    expect(rows.map((r) => r.sent)).toEqual([true, false, false])
  })
})
