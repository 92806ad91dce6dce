import type { BridgeParams, LogLine } from '../../../shared/bridge/contract'
import { levelRank } from '../../../shared/log/log-record'
import type { LogLevel } from '../../../shared/log/log-record'
import { userPattern } from '../../../shared/text/user-pattern'

/** What the filter bar edits; turned into the engine's LogFilter by `toBridgeFilter`. */
export interface LogFilterInput {
  source: string
  minLevel: LogLevel
  text: string
  regex: boolean
  /** Only the lines of one call (a span id, from the Calls panel), or ''. */
  span: string
  /** How the chip names that call (`checkout → pricer.Price`). */
  spanLabel: string
}

export function toBridgeFilter(input: LogFilterInput): BridgeParams<'logs.subscribe'>['filter'] {
  return {
    ...(input.source === '' ? {} : { sources: [input.source] }),
    minLevel: input.minLevel,
    ...(input.text === '' ? {} : { text: input.text, regex: input.regex }),
    ...(input.span === '' ? {} : { spanId: input.span }),
  }
}

/** The problem with the text as a regular expression (as the engine's RE2 sees it), or ''. */
export function regexProblem(input: LogFilterInput): string {
  if (!input.regex || input.text === '') return ''
  const compiled = userPattern(input.text, true)
  return 'problem' in compiled ? compiled.problem : ''
}

/**
 * The same test the engine applies, used on lines that arrive while a new filter is on its way
 * to the engine (they were selected by the old one).
 */
export function lineMatcher(input: LogFilterInput): (line: LogLine) => boolean {
  const rank = levelRank(input.minLevel)
  let text: (message: string) => boolean = () => true
  if (input.text !== '') {
    // The engine's own matcher (RE2), so both sides agree on every line.
    const compiled = userPattern(input.text, input.regex)
    if ('matcher' in compiled) text = compiled.matcher
  }
  return (line) =>
    line.mark === 'separator' ||
    ((input.span === '' || line.spanId === input.span) &&
      (input.source === '' || line.source === input.source) &&
      levelRank(line.level) >= rank &&
      text(line.message))
}

export const NO_FILTER: Readonly<LogFilterInput> = {
  source: '',
  minLevel: 'debug',
  text: '',
  regex: false,
  span: '',
  spanLabel: '',
}

export type FilterKey = 'source' | 'minLevel' | 'text' | 'span'

/** The filters in force, as the chips above the log name them (none: an empty list). */
export function activeFilters(input: LogFilterInput): { key: FilterKey; label: string }[] {
  const chips: { key: FilterKey; label: string }[] = []
  if (input.span !== '')
    chips.push({ key: 'span', label: `call: ${input.spanLabel || input.span}` })
  if (input.source !== '') chips.push({ key: 'source', label: `source: ${input.source}` })
  if (input.minLevel !== 'debug')
    chips.push({ key: 'minLevel', label: `level ≥ ${input.minLevel}` })
  if (input.text !== '')
    chips.push({ key: 'text', label: `${input.regex ? 'regex' : 'text'}: ${input.text}` })
  return chips
}
