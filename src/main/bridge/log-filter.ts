// Per-connection log filters. A filter arrives from an untrusted renderer: its regular expression
// is length-bounded by the contract, compiled here once, and refused (naming the field) when it
// does not compile.
import type { LogFilter, LogLine } from '../../shared/bridge/contract'
import { MAX_LOG_FILTER_CHARS } from '../../shared/bridge/contract'
import { levelRank } from '../../shared/log/log-record'
import { StudioError } from './errors'

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
    if (filter.regex === true) {
      let pattern: RegExp
      try {
        pattern = new RegExp(filter.text, 'i')
      } catch (err) {
        throw new StudioError(
          'invalid-params',
          `${field}.text: not a valid regular expression (${err instanceof Error ? err.message : String(err)})`,
          `${field}.text`,
        )
      }
      text = (message) => pattern.test(message)
    } else {
      const needle = filter.text.toLowerCase()
      text = (message) => message.toLowerCase().includes(needle)
    }
  }
  if (sources === undefined && minRank === 0 && text === undefined) return MATCH_ALL
  return (line) =>
    (separators && line.mark === 'separator') ||
    ((sources === undefined || sources.has(line.source)) &&
      levelRank(line.level) >= minRank &&
      (text === undefined || text(line.message)))
}
