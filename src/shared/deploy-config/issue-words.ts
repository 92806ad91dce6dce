// The words of deploy-config diagnostics: TOML value types and values as messages say them,
// "did you mean" suggestions, and how key paths and tables are named.
import type { JsonSchemaType } from './schema'
import { formatKeyPath, type KeyPath } from './toml-locator'

/** The TOML name of a value's type, as messages say it. */
export function tomlTypeOf(value: unknown): string {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'bigint') return 'integer'
  if (typeof value === 'number') return 'float'
  if (typeof value === 'boolean') return 'boolean'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Date) return 'date-time'
  return 'table'
}

/** JSON text of a string, with the control characters JSON leaves alone escaped too. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(
    /\p{Cc}/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** `string "3000"`, `integer 3`, `an array`, ... */
export function describeValue(value: unknown): string {
  const type = tomlTypeOf(value)
  switch (type) {
    case 'string':
      return `string ${clip(quote(value as string))}`
    case 'float':
      return `float ${Number.isInteger(value) ? (value as number).toFixed(1) : String(value)}`
    case 'integer':
    case 'boolean':
      return `${type} ${String(value)}`
    case 'date-time':
      return `date-time ${(value as Date).toISOString()}`
    case 'array':
      return 'an array'
    default:
      return 'a table'
  }
}

export const EXPECTED: Readonly<Record<JsonSchemaType, string>> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
}

/** Edit distance counting a swap of two neighbours as one edit, for "did you mean". */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? []
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1)
      }
      row[j] = best
    }
  }
  return at(a.length, b.length)
}

export function normalise(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '')
}

/**
 * The candidate `word` most likely stands for: same letters ignoring case and separators, a
 * small edit distance, or one of its `_`-separated words (`wasm_path` -> `wasm`).
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const norm = normalise(word)
  const exact = candidates.find((c) => normalise(c) === norm)
  if (exact) return exact
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = distance(norm, normalise(c))
    if (d < bestDistance && d <= (c.length < 3 ? 0 : Math.max(1, Math.floor(c.length / 3)))) {
      best = c
      bestDistance = d
    }
  }
  if (best) return best
  const lower = word.toLowerCase()
  const prefix = candidates.find(
    (c) =>
      c.length >= 3 &&
      (lower.startsWith(c.toLowerCase()) || c.startsWith(lower)) &&
      lower.length >= 3,
  )
  if (prefix) return prefix
  const parts = word.toLowerCase().split(/[_\-.]/)
  return candidates.find((c) => parts.includes(c.toLowerCase()))
}

/** The first sentence of a description, for messages. */
export function summary(description: string): string {
  const end = description.search(/[.;](\s|$)/)
  const first = end < 0 ? description : description.slice(0, end)
  return /^[A-Z][a-z]/.test(first) ? first[0]?.toLowerCase() + first.slice(1) : first
}

export function label(path: KeyPath): string {
  let i = path.length - 1
  while (i > 0 && typeof path[i] === 'number') i--
  return `\`${formatKeyPath(path.slice(Math.max(i, 0)))}\``
}

export function where(path: KeyPath): string {
  return path.length === 0 ? 'the top level' : `[${formatKeyPath(path)}]`
}
