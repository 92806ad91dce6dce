// Client-supplied patterns on the engine's own thread: compiled by the shared RE2 compiler
// (src/shared/text/user-pattern.ts), refused with a typed error naming the field.
import { userPattern } from '../../shared/text/user-pattern'
import type { TextMatcher } from '../../shared/text/user-pattern'
import { StudioError } from './errors'

export { MAX_PATTERN_PROGRAM } from '../../shared/text/user-pattern'
export type { TextMatcher } from '../../shared/text/user-pattern'

/**
 * How long one request may spend matching (a log backfill, a queue search) before it answers
 * with what it found so far, marked as incomplete. Keeps every answer well under 100 ms.
 */
export const MATCH_BUDGET_MS = 25

/** A case-insensitive matcher for `text`: a regular expression when `regex`, else a substring. */
export function compileUserPattern(text: string, regex: boolean, field: string): TextMatcher {
  const compiled = userPattern(text, regex)
  if ('problem' in compiled)
    throw new StudioError('invalid-params', `${field}: ${compiled.problem}`, field)
  return compiled.matcher
}
