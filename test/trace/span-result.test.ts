import { describe, expect, it } from 'vitest'
import type { SpanRecord } from '../../src/shared/trace/span'
import { spanResult } from '../../src/shared/trace/span-result'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'

function span(resultError: number, kernelError: number): SpanRecord {
  return { resultError, kernelError } as SpanRecord
}

describe('spanResult', () => {
  it('names kernel errors from the KernelErr enum, with the number', () => {
    expect(spanResult(span(1, KernelErr.NotFound))).toBe(
      `kernel error NotFound (${KernelErr.NotFound})`,
    )
  })
  it('says when a kernel error has no name in this build', () => {
    expect(spanResult(span(1, 9999))).toBe('kernel error 9999 (unknown to this build)')
  })
  it("shows a service's own code as a number marked as a service error", () => {
    expect(spanResult(span(3, 0))).toBe('service error 3')
  })
  it('says ok for a call that succeeded', () => {
    expect(spanResult(span(0, 0))).toBe('ok')
  })
})
