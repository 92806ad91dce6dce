// Config diagnostics as editor markers. The engine gives a start position only; the squiggle
// should cover the token there (a key, a string, a word) so that it is visible and hoverable.
import type { ConfigDiagnostic } from '../../../../shared/deploy-config/types'
import { splitLines } from './toml-context'

export interface DiagnosticMarker {
  readonly severity: 'error' | 'warning'
  readonly message: string
  readonly startLineNumber: number
  readonly startColumn: number
  readonly endLineNumber: number
  readonly endColumn: number
}

/** The column (1-based, exclusive) where the token starting at `column` ends. */
export function tokenEnd(lineText: string, column: number): number {
  const i = column - 1
  const first = lineText[i]
  if (first === undefined) return column + 1
  if (first === '"' || first === "'") {
    let j = i + 1
    while (j < lineText.length && lineText[j] !== first) j += lineText[j] === '\\' ? 2 : 1
    return Math.min(j + 1, lineText.length) + 1
  }
  const word = /^[A-Za-z0-9_.+:-]+/.exec(lineText.slice(i))
  return column + (word ? word[0].length : 1)
}

/** What the problem list and the marker say: the message, and the key at fault. */
export function diagnosticText(d: ConfigDiagnostic): string {
  return d.key === '' ? d.message : `${d.message} [${d.key}]`
}

export function toMarkers(text: string, diagnostics: readonly ConfigDiagnostic[]) {
  const lines = splitLines(text)
  return diagnostics.map((d): DiagnosticMarker => {
    const line = Math.max(1, Math.min(d.line, lines.length))
    const lineText = lines[line - 1] ?? ''
    const column = Math.max(1, Math.min(d.column, lineText.length + 1))
    return {
      severity: d.severity,
      message: diagnosticText(d),
      startLineNumber: line,
      startColumn: column,
      endLineNumber: line,
      endColumn: tokenEnd(lineText, column),
    }
  })
}
