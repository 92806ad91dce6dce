/**
 * Completion and hover for the deploy TOML, computed from the deploy-config JSON Schema (the one
 * source of keys, types, enums, defaults and descriptions). Pure: Monaco adapts the results in
 * monaco-toml.ts, and unit tests call these functions directly.
 */
import { deployConfigSchema, schemaAt } from '../../../../shared/deploy-config/schema'
import type { JsonSchema } from '../../../../shared/deploy-config/schema'
import {
  allHeaders,
  keysInTable,
  parseHeader,
  parseKeyValue,
  splitLines,
  tableAt,
} from './toml-context'
import type { TextPosition } from './toml-context'

export type CompletionKind = 'table' | 'key' | 'value'

export interface SchemaCompletion {
  readonly label: string
  readonly kind: CompletionKind
  /** Monaco snippet syntax when `snippet` is true (`${1:name}`, `${1|a,b|}`), else plain text. */
  readonly insertText: string
  readonly snippet: boolean
  /** One line: the type, enum and default. */
  readonly detail: string
  /** The schema description (markdown). */
  readonly documentation: string
}

export interface CompletionResult {
  readonly items: readonly SchemaCompletion[]
  /** Columns on the cursor's line the chosen item replaces (1-based, end exclusive). */
  readonly startColumn: number
  readonly endColumn: number
}

const NONE: CompletionResult = { items: [], startColumn: 1, endColumn: 1 }

/** A table of named tables (`services`, `plugin`): its keys are names the user chooses. */
function isMapOfTables(node: JsonSchema): boolean {
  const extra = node.additionalProperties
  return node.properties === undefined && typeof extra === 'object' && extra.type === 'object'
}

/** A table the user would write with its own `[header]`. */
function isTable(node: JsonSchema): boolean {
  return node.type === 'object' && !isMapOfTables(node)
}

function hasScalarKeys(node: JsonSchema): boolean {
  const props = Object.values(node.properties ?? {})
  return props.length === 0 || props.some((p) => p.type !== 'object')
}

/** `string, one of "server" | "main" (default "server")` */
export function describeType(node: JsonSchema): string {
  let out: string = node.type ?? 'value'
  if (node.type === 'array' && node.items?.type) out = `array of ${node.items.type}s`
  const choices = node.enum ?? (node.type === 'array' ? node.items?.enum : undefined)
  if (choices) out += `, one of ${choices.map((c) => JSON.stringify(c)).join(' | ')}`
  if (node.minimum !== undefined && node.maximum !== undefined) {
    out += `, ${node.minimum}..${node.maximum}`
  }
  if (node.default !== undefined && !(typeof node.default === 'object')) {
    out += ` (default ${JSON.stringify(node.default)})`
  }
  return out
}

/** Snippet text of a value of this schema, with the cursor (or a choice) where it belongs. */
function valueSnippet(node: JsonSchema): string {
  const choice = (values: readonly (string | number | boolean)[], quote: boolean): string =>
    values.length === 0
      ? '$1'
      : `${quote ? '"' : ''}\${1|${values.map((v) => String(v).replace(/[,|\\$}]/g, '\\$&')).join(',')}|}${quote ? '"' : ''}`
  switch (node.type) {
    case 'string':
      return node.enum ? choice(node.enum, true) : '"$1"'
    case 'integer': {
      const start = typeof node.default === 'number' ? node.default : (node.minimum ?? 0)
      return `\${1:${start}}`
    }
    case 'boolean':
      return choice([true, false], false)
    case 'array':
      return node.items?.enum ? `[${choice(node.items.enum, true)}]` : '[$1]'
    case 'object':
      return '{ $1 }'
    default:
      return '$1'
  }
}

function headerText(path: readonly string[]): string {
  return path.map((seg) => (/^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg))).join('.')
}

/** Escapes `$`, `}` and `\` so that a name reads literally inside a snippet. */
function snippetLiteral(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&')
}

interface HeaderCandidate {
  readonly label: string
  readonly insertText: string
  readonly snippet: boolean
  readonly node: JsonSchema
}

/**
 * Every table header the schema allows, with the names already used in the document filled in
 * (`services.producer.env`) and a `<name>` placeholder for new ones (`services.<name>`).
 */
function headerCandidates(existing: readonly string[][]): HeaderCandidate[] {
  const out: HeaderCandidate[] = []
  const walk = (node: JsonSchema, path: string[], depth: number): void => {
    if (depth > 5) return
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      if (child.type !== 'object') continue
      const childPath = [...path, key]
      if (isTable(child) && hasScalarKeys(child)) {
        const text = headerText(childPath)
        out.push({ label: text, insertText: text, snippet: false, node: child })
      }
      walk(child, childPath, depth + 1)
    }
    const extra = node.additionalProperties
    if (isMapOfTables(node) && typeof extra === 'object') {
      const base = headerText(path)
      out.push({
        label: `${base}.<name>`,
        insertText: `${snippetLiteral(base)}.\${1:name}`,
        snippet: true,
        node: extra,
      })
      const names = new Set<string>()
      for (const header of existing) {
        const name = header[path.length]
        if (name !== undefined && path.every((seg, i) => header[i] === seg)) names.add(name)
      }
      for (const name of names) walk(extra, [...path, name], depth + 1)
    }
  }
  walk(deployConfigSchema, [], 0)
  return out
}

function headerCompletions(
  lines: readonly string[],
  lineText: string,
  column: number,
  openEnd: number,
): CompletionResult {
  const existing = allHeaders(lines)
  const written = new Set(existing.map((h) => JSON.stringify(h)))
  const closed = /^\s*\]/.test(lineText.slice(column - 1))
  const doubled = /^\s*\[\[/.test(lineText)
  const close = closed ? '' : doubled ? ']]' : ']'
  const items = headerCandidates(existing)
    .filter((c) => c.snippet || !written.has(JSON.stringify(c.label.split('.'))))
    .map((c): SchemaCompletion => ({
      label: c.label,
      kind: 'table',
      insertText: c.insertText + close,
      snippet: c.snippet,
      detail: 'table',
      documentation: c.node.description,
    }))
  return { items, startColumn: openEnd + 1, endColumn: column }
}

function keyCompletions(
  lines: readonly string[],
  lineNumber: number,
  typed: string,
  startColumn: number,
  column: number,
): CompletionResult {
  const dotted = typed.split('.')
  const table = [...tableAt(lines, lineNumber), ...dotted.slice(0, -1)]
  const node = schemaAt(table)
  if (!node?.properties) return NONE
  const present = dotted.length === 1 ? keysInTable(lines, lineNumber) : new Set<string>()
  const typedPrefix = dotted.slice(0, -1).join('.')
  const lead = typedPrefix === '' ? '' : `${typedPrefix}.`
  const items: SchemaCompletion[] = []
  for (const [key, child] of Object.entries(node.properties)) {
    if (present.has(key)) continue
    const documentation = child.description
    if (isTable(child) && child.properties !== undefined) {
      // A sub-table (`[deployment]` from the root): offer its header, not an inline table.
      const path = headerText([...table, key])
      items.push({
        label: `[${path}]`,
        kind: 'table',
        insertText: `[${snippetLiteral(path)}]\n$0`,
        snippet: true,
        detail: 'table',
        documentation,
      })
    } else if (isMapOfTables(child)) {
      const path = snippetLiteral(headerText([...table, key]))
      items.push({
        label: `[${headerText([...table, key])}.<name>]`,
        kind: 'table',
        insertText: `[${path}.\${1:name}]\n$0`,
        snippet: true,
        detail: 'table',
        documentation,
      })
    } else {
      items.push({
        label: key,
        kind: 'key',
        insertText: `${lead}${key} = ${valueSnippet(child)}`,
        snippet: true,
        detail: describeType(child),
        documentation,
      })
    }
  }
  return { items, startColumn, endColumn: column }
}

function valueItem(value: string | number | boolean, node: JsonSchema, quote: boolean) {
  const text = quote && typeof value === 'string' ? JSON.stringify(value) : String(value)
  const isDefault = node.default === value
  return {
    label: text,
    kind: 'value' as const,
    insertText: text,
    snippet: false,
    detail: isDefault ? 'default' : describeType(node),
    documentation: node.description,
  }
}

function valueCompletions(
  path: readonly string[],
  lineText: string,
  valueStart: number,
  column: number,
): CompletionResult {
  const node = schemaAt(path)
  if (!node) return NONE
  const value = lineText.slice(valueStart, column - 1)
  const after = lineText.slice(column - 1)
  // A quote the editor closed automatically is part of what the chosen value replaces.
  const eatQuote = after.startsWith('"') ? 1 : 0
  if (node.type === 'array' && node.items?.enum) {
    const inside = /^\s*\[([^\]]*)$/.exec(value)
    if (!inside) return NONE
    const list = inside[1] ?? ''
    const lastSep = Math.max(list.lastIndexOf(','), -1)
    const current = list.slice(lastSep + 1)
    const chosen = new Set(
      [...list.slice(0, lastSep + 1).matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
    )
    const lead = current.length - current.trimStart().length
    const start = column - (current.length - lead)
    const items = node.items.enum
      .filter((v) => !chosen.has(String(v)))
      .map((v) => valueItem(v, node.items ?? node, true))
    return { items, startColumn: start, endColumn: column + eatQuote }
  }
  const trimmed = value.trimStart()
  // Only a value still being typed: nothing after a closed string or a complete literal.
  if (!/^("[^"]*)?$|^[A-Za-z0-9_-]*$/.test(trimmed)) return NONE
  const start = column - trimmed.length
  let candidates: readonly (string | number | boolean)[] = []
  if (node.enum) candidates = node.enum
  else if (node.type === 'boolean') candidates = [true, false]
  else if (node.type === 'integer' && typeof node.default === 'number') candidates = [node.default]
  const items = candidates.map((v) => valueItem(v, node, true))
  return { items, startColumn: start, endColumn: column + (trimmed.startsWith('"') ? eatQuote : 0) }
}

/** Completions at `position` of `text` (1-based line and column, as Monaco gives them). */
export function completeAt(text: string, position: TextPosition): CompletionResult {
  const lines = splitLines(text)
  const lineText = lines[position.line - 1] ?? ''
  const before = lineText.slice(0, position.column - 1)
  if (/^\s*#/.test(before)) return NONE
  const open = /^\s*\[\[?/.exec(before)
  if (open && !before.includes(']')) {
    return headerCompletions(lines, lineText, position.column, open[0].length)
  }
  const typing = /^(\s*)([A-Za-z0-9_.-]*)$/.exec(before)
  if (typing) {
    const indent = typing[1] ?? ''
    return keyCompletions(lines, position.line, typing[2] ?? '', indent.length + 1, position.column)
  }
  const kv = parseKeyValue(before)
  if (kv) {
    const table = tableAt(lines, position.line)
    const path = [...table, ...kv.key.map((k) => k.name)]
    return valueCompletions(path, lineText, kv.valueStart, position.column)
  }
  return NONE
}

export interface HoverResult {
  /** Dotted key path, e.g. `services.producer.role`. */
  readonly key: string
  readonly startColumn: number
  readonly endColumn: number
  /** Markdown: the key, its description, its type. */
  readonly markdown: string
}

/** The description of the key or table header segment under `position`, if any. */
export function hoverAt(text: string, position: TextPosition): HoverResult | undefined {
  const lines = splitLines(text)
  const lineText = lines[position.line - 1] ?? ''
  let base: string[] = []
  let segments = parseHeader(lineText)?.path
  if (!segments) {
    segments = parseKeyValue(lineText)?.key
    base = tableAt(lines, position.line)
  }
  if (!segments) return undefined
  const at = segments.findIndex((s) => position.column >= s.start && position.column < s.end)
  const segment = segments[at]
  if (!segment) return undefined
  const path = [...base, ...segments.slice(0, at + 1).map((s) => s.name)]
  const node = schemaAt(path)
  if (!node) return undefined
  const key = headerText(path)
  const type = node.type === 'object' ? 'table' : describeType(node)
  return {
    key,
    startColumn: segment.start,
    endColumn: segment.end,
    markdown: `**${key}** — ${type}\n\n${node.description}`,
  }
}
