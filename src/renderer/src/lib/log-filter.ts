import type { BridgeParams, LogLine } from '../../../shared/bridge/contract'
import { levelRank } from '../../../shared/log/log-record'
import type { LogLevel } from '../../../shared/log/log-record'

/** What the filter bar edits; turned into the engine's LogFilter by `toBridgeFilter`. */
export interface LogFilterInput {
  source: string
  minLevel: LogLevel
  text: string
  regex: boolean
}

export function toBridgeFilter(input: LogFilterInput): BridgeParams<'logs.subscribe'>['filter'] {
  return {
    ...(input.source === '' ? {} : { sources: [input.source] }),
    minLevel: input.minLevel,
    ...(input.text === '' ? {} : { text: input.text, regex: input.regex }),
  }
}

/** The problem with the text as a regular expression, or '' if it compiles. */
export function regexProblem(input: LogFilterInput): string {
  if (!input.regex || input.text === '') return ''
  try {
    new RegExp(input.text, 'i')
    return ''
  } catch (error) {
    return error instanceof Error ? error.message : 'not a regular expression'
  }
}

/**
 * The same test the engine applies, used on lines that arrive while a new filter is on its way
 * to the engine (they were selected by the old one).
 */
export function lineMatcher(input: LogFilterInput): (line: LogLine) => boolean {
  const rank = levelRank(input.minLevel)
  let text: (message: string) => boolean = () => true
  if (input.text !== '') {
    if (input.regex && regexProblem(input) === '') {
      const re = new RegExp(input.text, 'i')
      text = (message) => re.test(message)
    } else if (!input.regex) {
      const needle = input.text.toLowerCase()
      text = (message) => message.toLowerCase().includes(needle)
    }
  }
  return (line) =>
    (input.source === '' || line.source === input.source) &&
    levelRank(line.level) >= rank &&
    text(line.message)
}
