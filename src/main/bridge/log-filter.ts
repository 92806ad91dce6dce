// Per-connection log filters. A filter arrives from an untrusted renderer: its regular expression
// is length-bounded by the contract, compiled here once with RE2 (linear-time matching, see
// user-pattern.ts), and refused (naming the field) when it does not compile.
import type { LogFilter, LogLine } from '../../shared/bridge/contract'
import { MAX_LOG_FILTER_CHARS } from '../../shared/bridge/contract'
import { levelRank } from '../../shared/log/log-record'
import { StudioError } from './errors'
import { compileUserPattern } from './user-pattern'

export type LogPredicate = (line: LogLine) => boolean

export const MATCH_ALL: LogPredicate = () => true

/** Separator lines pass every filter (they frame the runs) unless `separators` is false. */
export function compileLogFilter(
  filter: LogFilter,
  field = 'params.filter',
  separators = true,
): LogPredicate {
  const sources = filter.sources && filter.sources.length > 0 ? new Set(filter.sources) : undefined
  const minRank = filter.minLevel ? levelRank(filter.minLevel) : 0
  let text: ((message: string) => boolean) | undefined
  if (filter.text !== undefined && filter.text !== '') {
    if (filter.text.length > MAX_LOG_FILTER_CHARS)
      throw new StudioError(
        'invalid-params',
        `${field}.text: at most ${MAX_LOG_FILTER_CHARS} characters`,
        `${field}.text`,
      )
    text = compileUserPattern(filter.text, filter.regex === true, `${field}.text`)
  }
  const spanId = filter.spanId
  if (sources === undefined && minRank === 0 && text === undefined && spanId === undefined)
    return MATCH_ALL
  return (line) =>
    (separators && line.mark === 'separator') ||
    ((spanId === undefined || line.spanId === spanId) &&
      (sources === undefined || sources.has(line.source)) &&
      levelRank(line.level) >= minRank &&
      (text === undefined || text(line.message)))
}
