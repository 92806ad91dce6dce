// No result lost to a bad pointer (issue 17, item 4): read_one_ with an out buffer that is
// outside memory, or overlaps the error word, answers GuestWriteFailed without consuming
// anything; the next, good read_one_ gets the result.
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../src/main/engine'
import { Supervisor } from '../../src/main/runner/supervisor'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileGuestFixture } from '../helpers/asc'

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.stopAll(1000)
  supervisor?.close()
  supervisor = undefined
})

describe('read_one_ with a bad out pointer', () => {
  it.each([true, false])(
    'returns GuestWriteFailed and keeps the result for the next read (direct calls: %s)',
    async (directCalls) => {
      const compiled = await createEngine().compile(
        await compileGuestFixture('bad-pointer-probe'),
        'bad-pointer-probe.wasm',
      )
      const logs: LogRecord[] = []
      supervisor = new Supervisor({ logSink: (r) => logs.push(r), directCalls })
      const handle = await supervisor.start({ name: 'badptr', compiled })
      const ending = await handle.ended
      const lines = logs.map((r) => `[${r.source}] ${r.message}`)
      expect(lines).toContain(`[badptr] bad outside memory -> ${KernelErr.GuestWriteFailed}`)
      expect(lines).toContain(`[badptr] bad capacity past the end -> ${KernelErr.GuestWriteFailed}`)
      expect(lines).toContain(
        `[badptr] bad overlapping the error word -> ${KernelErr.GuestWriteFailed}`,
      )
      expect(lines).toContain('[badptr] good -> launch result')
      expect(ending).toEqual({ kind: 'exited', code: 0 })
      // Each warning names the service (the log source), the syscall and what was wrong.
      expect(lines.join('\n')).toMatch(
        /\[badptr\] parigot\.read_one_: out buffer \[4294963200, \+4096\) is outside guest memory \(\d+ bytes\); the kernel was not called/,
      )
      expect(lines.join('\n')).toMatch(/overlaps the error word at \d+/)
    },
    60_000,
  )
})
