/**
 * Maps key paths of a TOML document to their source positions, so that a schema error found on
 * the parsed value can name the line and column it comes from. The positions come from the
 * syntax tree of toml-eslint-parser (the parser of eslint-plugin-toml, written for exactly this:
 * every key, table header, value and array element with its location); smol-toml, which has
 * already accepted the text, still produces the values and the syntax errors.
 */
import { parseTOML, type AST } from 'toml-eslint-parser'

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

/** The parser's positions have 0-based columns; ours are 1-based. */
function start(node: AST.TOMLNode): SourcePosition {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 }
}

const keyName = (k: AST.TOMLBare | AST.TOMLQuoted): string =>
  k.type === 'TOMLBare' ? k.name : k.value

/**
 * The text is parsed for positions on the first lookup, not before: a valid config whose files
 * all exist needs none, and that second parse was a good part of `parigot validate`'s own time.
 */
export class TomlLocator {
  private readonly locations = new Map<string, KeyLocation>()
  private text: string | undefined

  constructor(text: string) {
    this.text = text
  }

  /** The exact location of `path`, if it was written (or implied by a header or dotted key). */
  locate(path: KeyPath): KeyLocation | undefined {
    if (this.text !== undefined) this.index(this.text)
    return this.locations.get(pathId(path))
  }

  private index(text: string): void {
    this.text = undefined
    let program: AST.TOMLProgram
    try {
      // 'latest' accepts what smol-toml accepts (TOML 1.1: \e, \x escapes, newlines in inline
      // tables), so a text that parsed there is located here.
      program = parseTOML(text, { tomlVersion: 'latest' })
    } catch {
      // Should both parsers ever disagree, lookups fall back to 1:1 rather than fail the parse.
      return
    }
    for (const node of program.body[0].body) {
      if (node.type === 'TOMLKeyValue') this.keyValue([], node)
      else this.table(node)
    }
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

  /** The first place a path is written wins (a header before the dotted keys under it). */
  private record(path: KeyPath, key: SourcePosition, value?: SourcePosition): void {
    const id = pathId(path)
    if (!this.locations.has(id)) this.locations.set(id, value ? { key, value } : { key })
  }

  /** `[a.b]` or `[[a.b]]`: each header segment, and for an array of tables its element. */
  private table(node: AST.TOMLTable): void {
    const keys = node.key.keys
    const names = keys.map(keyName)
    keys.forEach((k, i) => this.record(names.slice(0, i + 1), start(k)))
    const last = keys.at(-1)
    if (node.kind === 'array' && last) this.record(node.resolvedKey, start(last))
    for (const kv of node.body) this.keyValue(node.resolvedKey, kv)
  }

  /** `a.b = value`: each segment of the dotted key; the last one with its value. */
  private keyValue(base: KeyPath, node: AST.TOMLKeyValue): void {
    const path = [...base]
    const keys = node.key.keys
    keys.forEach((k, i) => {
      path.push(keyName(k))
      this.record(path, start(k), i === keys.length - 1 ? start(node.value) : undefined)
    })
    this.value(path, node.value)
  }

  private value(path: KeyPath, node: AST.TOMLContentNode): void {
    if (node.type === 'TOMLArray') {
      node.elements.forEach((element, index) => {
        const at = start(element)
        this.record([...path, index], at, at)
        this.value([...path, index], element)
      })
    } else if (node.type === 'TOMLInlineTable') {
      for (const kv of node.body) this.keyValue(path, kv)
    }
  }
}
