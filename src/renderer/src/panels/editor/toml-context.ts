/**
 * Just enough TOML reading for completion and hover while the user types: which table a line is
 * in, and the key path of a header or a `key = value` line. The text being edited is often not
 * valid TOML, so nothing here needs the whole document to parse; each line is read on its own.
 */

/** A 1-based line and column (UTF-16 units), as Monaco counts them. */
export interface TextPosition {
  readonly line: number
  readonly column: number
}

/** One key segment with the columns it spans on its line (1-based, end exclusive). */
export interface KeySpan {
  readonly name: string
  readonly start: number
  readonly end: number
}

const BARE = /[A-Za-z0-9_-]/

/**
 * Reads a dotted key (`a."b c".d`) starting at `from` (0-based index into `text`). Answers the
 * segments and the index after the key, or undefined if no key starts there. `allowTrailingDot`
 * accepts a key the user is still typing (`services.`), whose last segment is then empty.
 */
export function readDottedKey(
  text: string,
  from: number,
  allowTrailingDot = false,
): { readonly segments: KeySpan[]; readonly end: number } | undefined {
  const segments: KeySpan[] = []
  let i = from
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++
    const start = i
    const quote = text[i]
    let name = ''
    if (quote === '"' || quote === "'") {
      i++
      while (i < text.length && text[i] !== quote) {
        // Only the escapes a key plausibly holds; anything fancier is rare in a deploy config.
        if (quote === '"' && text[i] === '\\' && i + 1 < text.length) i++
        name += text[i]
        i++
      }
      if (text[i] !== quote) return undefined
      i++
    } else {
      while (i < text.length && BARE.test(text[i] ?? '')) name += text[i++]
      if (name === '') {
        if (allowTrailingDot && segments.length > 0) {
          segments.push({ name: '', start: start + 1, end: start + 1 })
          return { segments, end: i }
        }
        return undefined
      }
    }
    segments.push({ name, start: start + 1, end: i + 1 })
    let j = i
    while (text[j] === ' ' || text[j] === '\t') j++
    if (text[j] !== '.') return { segments, end: i }
    i = j + 1
  }
}

export interface HeaderLine {
  readonly path: KeySpan[]
  /** `[[...]]`: an array of tables. */
  readonly arrayOfTables: boolean
}

/** The table header on this line (`[a.b]`, `[[a]]`, with an optional comment), if it is one. */
export function parseHeader(line: string): HeaderLine | undefined {
  const open = /^\s*(\[\[?)/.exec(line)
  if (!open?.[1]) return undefined
  const arrayOfTables = open[1] === '[['
  const key = readDottedKey(line, open[0].length)
  if (!key) return undefined
  const rest = line.slice(key.end)
  const close = arrayOfTables ? /^\s*\]\]\s*(#.*)?$/ : /^\s*\](?!\])\s*(#.*)?$/
  if (!close.test(rest)) return undefined
  return { path: key.segments, arrayOfTables }
}

export interface KeyValueLine {
  readonly key: KeySpan[]
  /** 0-based index of the first character after `=`. */
  readonly valueStart: number
}

/** A `key = value` line (the value may be incomplete), if it is one. */
export function parseKeyValue(line: string): KeyValueLine | undefined {
  const key = readDottedKey(line, 0)
  if (!key) return undefined
  const eq = /^\s*=/.exec(line.slice(key.end))
  if (!eq) return undefined
  return { key: key.segments, valueStart: key.end + eq[0].length }
}

/**
 * The table that line `lineNumber` (1-based) belongs to: the path of the nearest header above
 * it, or the root. Array-of-tables headers count as their table (the schema has none).
 */
export function tableAt(lines: readonly string[], lineNumber: number): string[] {
  for (let n = Math.min(lineNumber, lines.length) - 1; n >= 0; n--) {
    const header = parseHeader(lines[n] ?? '')
    if (header) return header.path.map((s) => s.name)
  }
  return []
}

/** Every table header path in the document, in order. */
export function allHeaders(lines: readonly string[]): string[][] {
  const out: string[][] = []
  for (const line of lines) {
    const header = parseHeader(line)
    if (header) out.push(header.path.map((s) => s.name))
  }
  return out
}

/**
 * The keys already written directly in the table whose header is above `lineNumber` (to leave
 * them out of completion): `key = ...` lines up to the next header.
 */
export function keysInTable(lines: readonly string[], lineNumber: number): Set<string> {
  const keys = new Set<string>()
  let start = 0
  for (let n = Math.min(lineNumber, lines.length) - 1; n >= 0; n--) {
    if (parseHeader(lines[n] ?? '')) {
      start = n + 1
      break
    }
  }
  for (let n = start; n < lines.length; n++) {
    const line = lines[n] ?? ''
    if (parseHeader(line)) break
    const kv = parseKeyValue(line)
    const first = kv?.key[0]
    if (first && n !== lineNumber - 1) keys.add(first.name)
  }
  return keys
}

/** Splits text into lines the way Monaco numbers them (\n, \r\n or \r). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/)
}
