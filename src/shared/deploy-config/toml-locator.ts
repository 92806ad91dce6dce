/**
 * Maps key paths of a TOML document to their source positions, so that a schema error found on
 * the parsed value can name the line and column it comes from. This is not a TOML parser: it
 * assumes the text already parsed (smol-toml accepted it) and only tracks where each key, table
 * header, value and array element starts. It covers table headers, arrays of tables, bare,
 * quoted and dotted keys, inline tables, arrays (nested, multi-line, with comments) and every
 * string form.
 */

/** One segment of a key path: a key name, or an index into an array (or array of tables). */
export type KeySegment = string | number
export type KeyPath = readonly KeySegment[]

/** A 1-based position; `column` counts UTF-16 code units, as editors (Monaco) do. */
export interface SourcePosition {
  readonly line: number
  readonly column: number
}

/** Where a key was written, and where its value starts (absent for tables from headers). */
export interface KeyLocation {
  readonly key: SourcePosition
  readonly value?: SourcePosition
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/

/** `services.greeting.args[1]`; segments that are not bare keys are quoted. */
export function formatKeyPath(path: KeyPath): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else {
      const text = BARE_KEY.test(segment) ? segment : JSON.stringify(segment)
      out += out === '' ? text : `.${text}`
    }
  }
  return out
}

function pathId(path: KeyPath): string {
  return JSON.stringify(path)
}

const ESCAPES: Readonly<Record<string, string>> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  e: '\x1b',
  '"': '"',
  '\\': '\\',
}

export class TomlLocator {
  private readonly locations = new Map<string, KeyLocation>()
  private readonly lineStarts: number[] = [0]
  private readonly arrayTableCounts = new Map<string, number>()
  private pos = 0

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1)
    try {
      this.document()
    } catch {
      // The text is valid TOML by the time this runs; whatever was recorded before an
      // unexpected construct is still right, and lookups fall back to the nearest ancestor.
    }
  }

  /** The exact location of `path`, if it was written (or implied by a header or dotted key). */
  locate(path: KeyPath): KeyLocation | undefined {
    return this.locations.get(pathId(path))
  }

  /**
   * The position to report for `path`: its value (or key, when `at` is 'key'), falling back to
   * the nearest recorded ancestor's key, and to 1:1 for the document itself.
   */
  position(path: KeyPath, at: 'key' | 'value' = 'value'): SourcePosition {
    const exact = this.locate(path)
    if (exact) return at === 'value' ? (exact.value ?? exact.key) : exact.key
    for (let n = path.length - 1; n > 0; n--) {
      const found = this.locate(path.slice(0, n))
      if (found) return found.key
    }
    return { line: 1, column: 1 }
  }

  // ---- scanning ----------------------------------------------------------------------------

  private at(offset: number): SourcePosition {
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 }
  }

  private peek(n = 0): string {
    return this.text[this.pos + n] ?? ''
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos)
  }

  private record(path: KeyPath, key: SourcePosition, value?: SourcePosition): void {
    const id = pathId(path)
    if (!this.locations.has(id)) this.locations.set(id, value ? { key, value } : { key })
  }

  /** Spaces and tabs. */
  private skipBlank(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++
  }

  /** Spaces, tabs, newlines and comments. */
  private skipSpace(): void {
    for (;;) {
      const c = this.peek()
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++
      else if (c === '#') this.skipComment()
      else return
    }
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.peek() !== '\n') this.pos++
  }

  private skipToLineEnd(): void {
    this.skipComment()
  }

  private document(): void {
    let table: KeySegment[] = []
    for (;;) {
      this.skipSpace()
      if (this.pos >= this.text.length) return
      if (this.peek() === '[') {
        const isArray = this.peek(1) === '['
        this.pos += isArray ? 2 : 1
        this.skipBlank()
        const key = this.key()
        const names = key.map((k) => k.name)
        for (let i = 0; i < key.length; i++) {
          const seg = key[i]
          if (seg) this.record(names.slice(0, i + 1), seg.at)
        }
        const last = key[key.length - 1]
        if (isArray && last) {
          const id = pathId(names)
          const index = this.arrayTableCounts.get(id) ?? 0
          this.arrayTableCounts.set(id, index + 1)
          table = [...names, index]
          this.record(table, last.at)
        } else table = names
        this.skipToLineEnd()
      } else {
        this.keyValue(table)
        this.skipToLineEnd()
      }
    }
  }

  private key(): { name: string; at: SourcePosition }[] {
    const parts: { name: string; at: SourcePosition }[] = []
    for (;;) {
      this.skipBlank()
      const at = this.at(this.pos)
      const c = this.peek()
      let name: string
      if (c === '"') name = this.basicString()
      else if (c === "'") name = this.literalString()
      else {
        const start = this.pos
        while (/[A-Za-z0-9_-]/.test(this.peek())) this.pos++
        if (this.pos === start) throw new Error('key expected')
        name = this.text.slice(start, this.pos)
      }
      parts.push({ name, at })
      this.skipBlank()
      if (this.peek() !== '.') return parts
      this.pos++
    }
  }

  private keyValue(base: KeyPath): void {
    const key = this.key()
    if (this.peek() !== '=') throw new Error('= expected')
    this.pos++
    this.skipBlank()
    const valueAt = this.at(this.pos)
    const path = [...base]
    for (let i = 0; i < key.length; i++) {
      const seg = key[i]
      if (!seg) continue
      path.push(seg.name)
      this.record(path, seg.at, i === key.length - 1 ? valueAt : undefined)
    }
    this.value(path)
  }

  private value(path: KeyPath): void {
    const c = this.peek()
    if (c === '"') this.basicString()
    else if (c === "'") this.literalString()
    else if (c === '[') this.array(path)
    else if (c === '{') this.inlineTable(path)
    else {
      const start = this.pos
      while (this.pos < this.text.length && !/[\s,\]}#]/.test(this.peek())) this.pos++
      // A date-time may separate date and time with one space.
      const token = this.text.slice(start, this.pos)
      if (/^\d{4}-\d{2}-\d{2}$/.test(token) && this.peek() === ' ' && /\d/.test(this.peek(1))) {
        this.pos++
        while (this.pos < this.text.length && !/[\s,\]}#]/.test(this.peek())) this.pos++
      }
      if (this.pos === start) throw new Error('value expected')
    }
  }

  private array(path: KeyPath): void {
    this.pos++ // [
    let index = 0
    for (;;) {
      this.skipSpace()
      if (this.peek() === ']') {
        this.pos++
        return
      }
      if (this.pos >= this.text.length) throw new Error('unterminated array')
      const element = [...path, index]
      const at = this.at(this.pos)
      this.record(element, at, at)
      this.value(element)
      index++
      this.skipSpace()
      if (this.peek() === ',') this.pos++
    }
  }

  private inlineTable(path: KeyPath): void {
    this.pos++ // {
    for (;;) {
      this.skipSpace()
      if (this.peek() === '}') {
        this.pos++
        return
      }
      if (this.pos >= this.text.length) throw new Error('unterminated inline table')
      this.keyValue(path)
      this.skipSpace()
      if (this.peek() === ',') this.pos++
    }
  }

  /** A basic or multi-line basic string; returns its decoded value. */
  private basicString(): string {
    const multi = this.startsWith('"""')
    this.pos += multi ? 3 : 1
    if (multi && this.peek() === '\r') this.pos++
    if (multi && this.peek() === '\n') this.pos++
    let out = ''
    while (this.pos < this.text.length) {
      const c = this.peek()
      if (c === '\\') {
        const e = this.peek(1)
        if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8
          const hex = this.text.slice(this.pos + 2, this.pos + 2 + len)
          out += String.fromCodePoint(parseInt(hex, 16))
          this.pos += 2 + len
        } else if (e === 'x') {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 4), 16))
          this.pos += 4
        } else if (multi && /[ \t\r\n]/.test(e)) {
          // Line-ending backslash: trims the newline and the whitespace that follows.
          this.pos++
          while (/[ \t\r\n]/.test(this.peek())) this.pos++
        } else {
          out += ESCAPES[e] ?? e
          this.pos += 2
        }
      } else if (multi && this.startsWith('"""')) {
        this.pos += 3
        // Up to two quotes may close the content right before the delimiter.
        for (let i = 0; i < 2 && this.peek() === '"'; i++) {
          out += '"'
          this.pos++
        }
        return out
      } else if (!multi && c === '"') {
        this.pos++
        return out
      } else {
        out += c
        this.pos++
      }
    }
    throw new Error('unterminated string')
  }

  private literalString(): string {
    const multi = this.startsWith("'''")
    this.pos += multi ? 3 : 1
    if (multi && this.peek() === '\r') this.pos++
    if (multi && this.peek() === '\n') this.pos++
    const close = multi ? "'''" : "'"
    const end = this.text.indexOf(close, this.pos)
    if (end < 0) throw new Error('unterminated string')
    let out = this.text.slice(this.pos, end)
    this.pos = end + close.length
    for (let i = 0; multi && i < 2 && this.peek() === "'"; i++) {
      out += "'"
      this.pos++
    }
    return out
  }
}
