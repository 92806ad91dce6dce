import { describe, expect, it } from 'vitest'
import {
  formatTime,
  hexAsText,
  payloadDetail,
  payloadSummary,
  shortId,
} from '../../src/renderer/src/panels/queue/queue-format'

const any = { typeUrl: 'type.googleapis.com/orders.v1.Order', typeName: 'orders.v1.Order' }

describe('queue-format', () => {
  it('summarises JSON payloads compactly and cuts long ones', () => {
    expect(payloadSummary({ ...any, json: { id: 7, items: ['a'] } })).toBe('{"id":7,"items":["a"]}')
    const long = payloadSummary({ ...any, json: 'x'.repeat(500) }, 20)
    expect(long).toHaveLength(20)
    expect(long.endsWith('…')).toBe(true)
  })

  it('falls back to hex, grouped by byte in the detail view, and reads text hidden in it', () => {
    const hex = Buffer.from('order-17').toString('hex')
    expect(payloadSummary({ ...any, hex, problem: 'unknown type' })).toBe(`0x${hex}`)
    expect(payloadDetail({ ...any, hex })).toBe('6f 72 64 65 72 2d 31 37')
    expect(hexAsText(hex)).toBe('order-17')
    // Binary (invalid UTF-8 or control bytes) is not passed off as text.
    expect(hexAsText('ff00fe')).toBeUndefined()
    expect(hexAsText('0a08')).toBeUndefined()
  })

  it('writes today as a time and other days with their date', () => {
    const now = new Date(2026, 2, 4, 15, 0, 0).getTime()
    expect(formatTime(new Date(2026, 2, 4, 9, 5, 7, 42).getTime(), now)).toBe('09:05:07.042')
    expect(formatTime(new Date(2025, 11, 31, 23, 59, 59, 1).getTime(), now)).toBe(
      '2025-12-31 23:59:59.001',
    )
    expect(formatTime(undefined, now)).toBe('—')
  })

  it('shortens long ids, keeping both ends', () => {
    expect(shortId('m0123456789abcdef0123456789abcdef')).toBe('m0123456…cdef')
    expect(shortId('q12')).toBe('q12')
  })
})
