// Regular expressions and search text that arrive from a client. They run on the engine's own
// thread over log lines and queue payloads, so they go through RE2 (re2js): matching time is
// linear in the input, whatever the pattern (no backtracking, so `^(.+)+Q` cannot stall the
// engine). What RE2 cannot do in linear time (backreferences, lookaround) is refused, and so is a
// pattern whose compiled program is large enough to make each match slow (`.{1000}` repeated).
import { RE2JS, RE2JSException } from 're2js'
import { StudioError } from './errors'

/**
 * Instructions in a compiled pattern at most. Matching costs about the program's size per input
 * character on RE2's slow path: `(.{0,60}){2}x` is about 250, `^(.+)+Q` is 9, a word is ~10.
 */
export const MAX_PATTERN_PROGRAM = 250

/**
 * How long one request may spend matching (a log backfill, a queue search) before it answers
 * with what it found so far, marked as incomplete. Keeps every answer well under 100 ms.
 */
export const MATCH_BUDGET_MS = 25

export type TextMatcher = (text: string) => boolean

/** A case-insensitive matcher for `text`: a regular expression when `regex`, else a substring. */
export function compileUserPattern(text: string, regex: boolean, field: string): TextMatcher {
  if (!regex) {
    const needle = text.toLowerCase()
    return (candidate) => candidate.toLowerCase().includes(needle)
  }
  let pattern: RE2JS
  try {
    pattern = RE2JS.compile(text, RE2JS.CASE_INSENSITIVE)
  } catch (err) {
    const why = err instanceof RE2JSException ? err.message : String(err)
    throw new StudioError(
      'invalid-params',
      `${field}: not a regular expression the engine runs (RE2 syntax: no backreferences or lookaround): ${why.replace(/^error parsing regexp: /, '')}`,
      field,
    )
  }
  const size = pattern.programSize()
  if (size > MAX_PATTERN_PROGRAM)
    throw new StudioError(
      'invalid-params',
      `${field}: regular expression too large (${size} instructions compiled, at most ${MAX_PATTERN_PROGRAM}); use smaller repeat counts`,
      field,
    )
  return (candidate) => pattern.test(candidate)
}
