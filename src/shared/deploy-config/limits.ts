/**
 * Limits a deploy config is held to before it is parsed, so that every input is answered
 * quickly (a 10 MB key, a header 100,000 keys deep or 300,000 services would otherwise keep the
 * parser and the schema checks busy for minutes). Real configs are far below every limit. One
 * linear pass over the text; strings (including multi-line ones) and comments are skipped, so a
 * long string value is measured only by the line and size limits.
 */
import type { ConfigDiagnostic } from './types'

export const CONFIG_LIMITS = {
  /** Characters in the whole file. */
  chars: 1024 * 1024,
  lines: 10_000,
  /** Characters in one line. */
  lineChars: 10_000,
  /** Dots outside strings in one line: the depth of a dotted key (`a.b.c`) is bounded by it. */
  dotsPerLine: 32,
  /** Table headers (`[services.x]`, `[[x]]`) in the file. */
  tables: 5000,
  /** Nesting of arrays and inline tables (passed to the TOML parser). */
  depth: 32,
} as const

function problem(file: string, line: number, column: number, message: string): ConfigDiagnostic {
  return { severity: 'error', file, line, column, key: '', message }
}

/** The first limit `text` breaks, as a diagnostic at its position; undefined when within. */
export function checkConfigLimits(text: string, file: string): ConfigDiagnostic | undefined {
  if (text.length > CONFIG_LIMITS.chars)
    return problem(
      file,
      1,
      1,
      `the deploy config has ${text.length} characters, over the limit of ${CONFIG_LIMITS.chars}`,
    )
  let line = 1
  let lineStart = 0
  let dots = 0
  let tables = 0
  /** Inside a multi-line string: its closing quotes. */
  let multi: string | undefined
  let atLineStart = true
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text[i] : '\n'
    if (c === '\n') {
      if (i - lineStart > CONFIG_LIMITS.lineChars)
        return problem(
          file,
          line,
          1,
          `line ${line} has ${i - lineStart} characters, over the limit of ${CONFIG_LIMITS.lineChars}`,
        )
      line++
      if (line > CONFIG_LIMITS.lines)
        return problem(file, line, 1, `the deploy config has over ${CONFIG_LIMITS.lines} lines`)
      lineStart = i + 1
      dots = 0
      atLineStart = true
      continue
    }
    if (multi !== undefined) {
      if (text.startsWith(multi, i)) {
        i += 2
        multi = undefined
      } else if (multi === '"""' && c === '\\') i++
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r') continue
    if (c === '[' && atLineStart && ++tables > CONFIG_LIMITS.tables)
      return problem(
        file,
        line,
        i - lineStart + 1,
        `the deploy config has over ${CONFIG_LIMITS.tables} tables`,
      )
    atLineStart = false
    if (c === '#') {
      const end = text.indexOf('\n', i)
      i = (end < 0 ? text.length : end) - 1
      continue
    }
    if (c === '"' || c === "'") {
      const triple = c.repeat(3)
      if (text.startsWith(triple, i)) {
        multi = triple
        i += 2
        continue
      }
      // A one-line string: skip to its closing quote (or the end of the line).
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++)
        if (c === '"' && text[i] === '\\') i++
      if (text[i] === '\n') i--
      continue
    }
    if (c === '.' && ++dots > CONFIG_LIMITS.dotsPerLine)
      return problem(
        file,
        line,
        i - lineStart + 1,
        `line ${line} nests keys more than ${CONFIG_LIMITS.dotsPerLine} levels deep`,
      )
  }
  return undefined
}
