// Chrome trace-event files: what the Studio and `parigot run --trace` write reads back exactly,
// and a file from elsewhere is untrusted: bounded, every field checked, the bad one named.
import { describe, expect, it } from 'vitest'
import {
  decodeChromeTrace,
  encodeChromeTrace,
  MAX_TRACE_EVENTS,
  MAX_TRACE_FILE_BYTES,
} from '../../src/shared/trace/chrome-trace'
import type { LogRecord } from '../../src/shared/log/log-record'
import type { SpanRecord } from '../../src/shared/trace/span'

const root: SpanRecord = {
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0000000100000001',
  caller: 'shopper',
  callee: 'checkout',
  service: 'chain.v1.checkout',
  method: 'Total',
  startMs: 1_764_000_000_123.25,
  durationMs: 4.5,
  resultError: 0,
  kernelError: 0,
}
const child: SpanRecord = {
  ...root,
  spanId: '0000000100000002',
  parentSpanId: root.spanId,
  caller: 'checkout',
  callee: 'pricer',
  service: 'chain.v1.pricer',
  method: 'Price',
  startMs: root.startMs + 1,
  durationMs: 2,
  resultError: 5,
}
const line: LogRecord = {
  timeMs: root.startMs + 2,
  level: 'info',
  source: 'pricer',
  message: 'pricer: the store has no durian',
  traceId: root.traceId,
  spanId: child.spanId,
}

function withEvent(patch: (event: Record<string, unknown>) => void): string {
  const json = JSON.parse(encodeChromeTrace([root, child], [line])) as {
    traceEvents: Record<string, unknown>[]
  }
  const span = json.traceEvents.find((e) => e['cat'] === 'call') as Record<string, unknown>
  patch(span)
  return JSON.stringify(json)
}

describe('Chrome trace-event files', () => {
  it('round-trips spans and log lines, with a named track per program for Perfetto', () => {
    const text = encodeChromeTrace([root, child], [line])
    const events = (JSON.parse(text) as { traceEvents: { ph: string; args: { name?: string } }[] })
      .traceEvents
    expect(events.filter((e) => e.ph === 'M').map((e) => e.args.name)).toEqual([
      'parigot',
      'checkout',
      'pricer',
    ])
    const decoded = decodeChromeTrace(text)
    expect(decoded).toEqual({
      ok: true,
      // The metadata events (process name, one thread name per program) are not spans.
      trace: { spans: [root, child], logs: [line], skipped: 3 },
    })
  })

  it('names the field at fault in an untrusted file', () => {
    const cases: [string, RegExp][] = [
      [
        withEvent((e) => ((e['args'] as Record<string, unknown>)['spanId'] = 'XYZ')),
        /traceEvents\[\d+\]\.args\.spanId: expected 16 lowercase hex digits/,
      ],
      [
        withEvent((e) => ((e['args'] as Record<string, unknown>)['traceId'] = 7)),
        /\.args\.traceId: expected 32 lowercase hex digits/,
      ],
      [
        withEvent((e) => ((e['args'] as Record<string, unknown>)['durationMs'] = -1)),
        /\.args\.durationMs: expected a finite number >= 0/,
      ],
      [
        withEvent((e) => ((e['args'] as Record<string, unknown>)['method'] = 'x'.repeat(600))),
        /\.args\.method: expected a string of at most 512/,
      ],
      [
        withEvent((e) => ((e['args'] as Record<string, unknown>)['resultError'] = 1.5)),
        /\.args\.resultError: expected a 32-bit integer/,
      ],
      [withEvent((e) => delete e['args']), /\.args: expected an object/],
      ['{"traceEvents": [1]}', /traceEvents\[0\]: expected an object/],
      ['{"nope": []}', /expected \{"traceEvents": \[\.\.\.\]\} or an array of trace events/],
      ['{', /^not JSON/],
    ]
    for (const [text, error] of cases) {
      const decoded = decodeChromeTrace(text)
      expect(decoded.ok).toBe(false)
      if (!decoded.ok) expect(decoded.error).toMatch(error)
    }
  })

  it('refuses files over its bounds before looking at their events', () => {
    const tooMany = decodeChromeTrace(JSON.stringify(new Array(MAX_TRACE_EVENTS + 1).fill(0)))
    expect(tooMany).toEqual({
      ok: false,
      error: `traceEvents has ${MAX_TRACE_EVENTS + 1} events; at most ${MAX_TRACE_EVENTS} are read`,
    })
    const big = decodeChromeTrace(' '.repeat(MAX_TRACE_FILE_BYTES + 1))
    expect(big.ok).toBe(false)
  })

  it('skips (and counts) events of other tools', () => {
    const decoded = decodeChromeTrace(
      JSON.stringify([{ ph: 'X', cat: 'v8', name: 'gc', ts: 1, dur: 2, pid: 1, tid: 1 }]),
    )
    expect(decoded).toEqual({ ok: true, trace: { spans: [], logs: [], skipped: 1 } })
  })
})
