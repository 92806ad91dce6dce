// The renderer filters the lines that arrive while a new filter travels to the engine with the
// engine's own matcher (RE2), so the two never disagree and no pattern can stall the page.
import { describe, expect, it } from 'vitest'
import { lineMatcher, regexProblem } from '../../src/renderer/src/lib/log-filter'
import type { LogLine } from '../../src/shared/bridge/contract'

const line = (message: string): LogLine => ({
  seq: 1,
  timeMs: 0,
  level: 'info',
  source: 'svc',
  message,
})
const filter = (text: string) => ({
  source: '',
  minLevel: 'debug' as const,
  text,
  regex: true,
  span: '',
  spanLabel: '',
})

describe('renderer log filter: RE2, as the engine', () => {
  it('refuses what RE2 cannot run in linear time, with the engine’s words', () => {
    expect(regexProblem(filter('(a)\\1'))).toMatch(/RE2 syntax: no backreferences or lookaround/)
    expect(regexProblem(filter('(?=x)y'))).toMatch(/RE2 syntax/)
    expect(regexProblem(filter('^(.+)+Q'))).toBe('')
  })

  it('matches a catastrophic pattern over a long line at once, case-insensitively', () => {
    const match = lineMatcher(filter('^(a+)+!'))
    const started = performance.now()
    expect(match(line(`${'a'.repeat(5000)}b`))).toBe(false)
    expect(match(line('AAAA!'))).toBe(true)
    expect(performance.now() - started).toBeLessThan(100)
  })
})
