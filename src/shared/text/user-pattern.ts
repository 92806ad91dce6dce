// Regular expressions and search text typed by a user, compiled the same way in the engine (log
// filters, queue search) and the renderer (lines that arrive while a new filter travels to the
// engine): RE2 (re2js), so matching time is linear in the input whatever the pattern. What RE2
// cannot do in linear time (backreferences, lookaround) is refused, and so is a pattern whose
// compiled program is large enough to make each match slow (`.{1000}` repeated).
import { RE2JS, RE2JSException } from 're2js'

/**
 * Instructions in a compiled pattern at most. Matching costs about the program's size per input
 * character on RE2's slow path: `(.{0,60}){2}x` is about 250, `^(.+)+Q` is 9, a word is ~10.
 */
export const MAX_PATTERN_PROGRAM = 250

export type TextMatcher = (text: string) => boolean

/**
 * A case-insensitive matcher for `text` (a regular expression when `regex`, else a substring),
 * or the problem that keeps it from being one.
 */
export function userPattern(
  text: string,
  regex: boolean,
): { readonly matcher: TextMatcher } | { readonly problem: string } {
  if (!regex) {
    const needle = text.toLowerCase()
    return { matcher: (candidate) => candidate.toLowerCase().includes(needle) }
  }
  let pattern: RE2JS
  try {
    pattern = RE2JS.compile(text, RE2JS.CASE_INSENSITIVE)
  } catch (err) {
    const why = err instanceof RE2JSException ? err.message : String(err)
    return {
      problem: `not a regular expression the engine runs (RE2 syntax: no backreferences or lookaround): ${why.replace(/^error parsing regexp: /, '')}`,
    }
  }
  const size = pattern.programSize()
  if (size > MAX_PATTERN_PROGRAM) {
    return {
      problem: `regular expression too large (${size} instructions compiled, at most ${MAX_PATTERN_PROGRAM}); use smaller repeat counts`,
    }
  }
  return { matcher: (candidate) => pattern.test(candidate) }
}
