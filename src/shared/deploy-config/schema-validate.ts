/**
 * A small interpreter for the JSON Schema subset of `schema.ts`, over values parsed by smol-toml
 * with `integersAsBigInt` (so that an integer is a bigint and a float a number, and `3000.0` is
 * not mistaken for an integer). Each failure is an issue naming the key path at fault and where
 * to point at it; positions are added by the caller.
 */
import { formatKeyPath, type KeyPath } from './toml-locator'
import type { JsonSchema, JsonSchemaType } from './schema'

export type IssueCode =
  | 'syntax'
  | 'type'
  | 'unknown-key'
  | 'key-name'
  | 'required'
  | 'dependent-required'
  | 'enum'
  | 'range'
  | 'length'
  | 'pattern'
  | 'unique'
  | 'count'
  | 'reference-spelling'
  | 'semantic'

export interface SchemaIssue {
  readonly code: IssueCode
  readonly severity: 'error' | 'warning'
  /** The key the diagnostic names. */
  readonly path: KeyPath
  /** Where to point: this path's key or value (defaults to `path` / 'value'). */
  readonly locate?: KeyPath
  readonly at?: 'key' | 'value'
  readonly message: string
}

export interface ValidateHooks {
  /**
   * Called for a key the schema does not allow, before the generic "unknown key" issue; the
   * issues returned replace it (used for the original parigot's spelling).
   */
  unknownKey?(path: KeyPath, value: unknown): SchemaIssue[] | undefined
}

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

function clip(text: string): string {
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

const EXPECTED: Readonly<Record<JsonSchemaType, string>> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
}

function matchesType(value: unknown, type: JsonSchemaType): boolean {
  const actual = tomlTypeOf(value)
  return type === 'object' ? actual === 'table' : actual === type
}

/** Edit distance counting a swap of two neighbours as one edit, for "did you mean". */
function distance(a: string, b: string): number {
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

function normalise(word: string): string {
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

function ownProperty(schema: JsonSchema, key: string): JsonSchema | undefined {
  const props = schema.properties
  return props && Object.hasOwn(props, key) ? props[key] : undefined
}

/** The first sentence of a description, for messages. */
export function summary(description: string): string {
  const end = description.search(/[.;](\s|$)/)
  const first = end < 0 ? description : description.slice(0, end)
  return /^[A-Z][a-z]/.test(first) ? first[0]?.toLowerCase() + first.slice(1) : first
}

function label(path: KeyPath): string {
  let i = path.length - 1
  while (i > 0 && typeof path[i] === 'number') i--
  return `\`${formatKeyPath(path.slice(Math.max(i, 0)))}\``
}

function where(path: KeyPath): string {
  return path.length === 0 ? 'the top level' : `[${formatKeyPath(path)}]`
}

export function validateAgainstSchema(
  value: unknown,
  schema: JsonSchema,
  hooks: ValidateHooks = {},
): SchemaIssue[] {
  const issues: SchemaIssue[] = []
  visit(value, schema, [], hooks, issues)
  return issues
}

function visit(
  value: unknown,
  schema: JsonSchema,
  path: KeyPath,
  hooks: ValidateHooks,
  issues: SchemaIssue[],
): void {
  const error = (code: IssueCode, message: string, extra: Partial<SchemaIssue> = {}): void => {
    issues.push({ code, severity: 'error', path, message, ...extra })
  }
  if (schema.type && !matchesType(value, schema.type)) {
    const unquote =
      schema.type === 'integer' && typeof value === 'string' && /^[+-]?\d[\d_]*$/.test(value)
        ? ' (write it without quotes)'
        : ''
    error(
      'type',
      `${label(path)} must be ${EXPECTED[schema.type]}, got ${describeValue(value)}${unquote}`,
    )
    return
  }
  if (schema.enum && !schema.enum.includes(value as string)) {
    const allowed = schema.enum.map((v) => JSON.stringify(v)).join(', ')
    const hint = typeof value === 'string' ? suggest(value, schema.enum.map(String)) : undefined
    error(
      'enum',
      `${label(path)} must be one of ${allowed}, got ${describeValue(value)}` +
        (hint ? ` (did you mean "${hint}"?)` : ''),
    )
    return
  }
  if (typeof value === 'bigint') checkRange(value, schema, path, error)
  if (typeof value === 'string') checkString(value, schema, path, error)
  if (Array.isArray(value)) visitArray(value, schema, path, hooks, issues, error)
  else if (tomlTypeOf(value) === 'table') {
    visitTable(value as Record<string, unknown>, schema, path, hooks, issues, error)
  }
}

type Report = (code: IssueCode, message: string, extra?: Partial<SchemaIssue>) => void

function checkRange(value: bigint, schema: JsonSchema, path: KeyPath, error: Report): void {
  const { minimum: min, maximum: max } = schema
  const low = min !== undefined && value < BigInt(min)
  const high = max !== undefined && value > BigInt(max)
  if (!low && !high) return
  const bounds =
    min !== undefined && max !== undefined
      ? `between ${min} and ${max}`
      : min !== undefined
        ? `at least ${min}`
        : `at most ${max}`
  error('range', `${label(path)} must be ${bounds}, got ${value}`)
}

function checkString(value: string, schema: JsonSchema, path: KeyPath, error: Report): void {
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    error(
      'length',
      schema.minLength === 1
        ? `${label(path)} must not be empty`
        : `${label(path)} must have at least ${schema.minLength} characters`,
    )
  } else if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    error('length', `${label(path)} must have at most ${schema.maxLength} characters`)
  } else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    const what = schema.patternErrorMessage ?? `must match ${schema.pattern}`
    error('pattern', `${label(path)} ${what}, got ${clip(quote(value))}`)
  }
}

function visitArray(
  value: readonly unknown[],
  schema: JsonSchema,
  path: KeyPath,
  hooks: ValidateHooks,
  issues: SchemaIssue[],
  error: Report,
): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    error('count', `${label(path)} has ${value.length} items, at most ${schema.maxItems} allowed`)
  }
  const seen = new Map<string, number>()
  value.forEach((item, index) => {
    const itemPath = [...path, index]
    if (schema.items) {
      const before = issues.length
      visit(item, schema.items, itemPath, hooks, issues)
      if (issues.length > before) return
    }
    if (schema.uniqueItems) {
      const id = typeof item === 'bigint' ? `${item}n` : JSON.stringify(item)
      const first = seen.get(id)
      if (first !== undefined) {
        issues.push({
          code: 'unique',
          severity: 'error',
          path: itemPath,
          message: `${label(itemPath)} repeats ${describeValue(item)}, already listed at ${label([...path, first])}`,
        })
      } else seen.set(id, index)
    }
  })
}

function visitTable(
  value: Record<string, unknown>,
  schema: JsonSchema,
  path: KeyPath,
  hooks: ValidateHooks,
  issues: SchemaIssue[],
  error: Report,
): void {
  const keys = Object.keys(value)
  const known = Object.keys(schema.properties ?? {})
  const children: [string, JsonSchema][] = []
  /** Keys an unknown key was taken for: their "missing required key" would say it twice. */
  const hinted = new Set<string>()
  for (const key of keys) {
    const keyPath = [...path, key]
    const prop = ownProperty(schema, key)
    if (prop) {
      children.push([key, prop])
      continue
    }
    if (schema.additionalProperties === false || schema.additionalProperties === undefined) {
      const replaced = hooks.unknownKey?.(keyPath, value[key])
      if (replaced) {
        issues.push(...replaced)
        for (const k of known)
          if (replaced.some((r) => r.message.includes(`\`${k} = `))) hinted.add(k)
        continue
      }
      const hint = suggest(key, known)
      if (hint) hinted.add(hint)
      const tail = hint
        ? `did you mean \`${hint}\`?`
        : known.length > 0
          ? `expected one of ${known.join(', ')}`
          : 'no keys are allowed here'
      issues.push({
        code: 'unknown-key',
        severity: 'error',
        path: keyPath,
        at: 'key',
        message: `unknown key \`${key}\` in ${where(path)}: ${tail}`,
      })
      continue
    }
    const names = schema.propertyNames
    if (names?.pattern !== undefined && !new RegExp(names.pattern, 'u').test(key)) {
      const what = names.patternErrorMessage ?? `must match ${names.pattern}`
      issues.push({
        code: 'key-name',
        severity: 'error',
        path: keyPath,
        at: 'key',
        message: `key ${clip(quote(key))} in ${where(path)} ${what}`,
      })
      continue
    }
    if (names?.minLength !== undefined && key.length < names.minLength) {
      issues.push({
        code: 'key-name',
        severity: 'error',
        path: keyPath,
        at: 'key',
        message: `an empty key is not allowed in ${where(path)}`,
      })
      continue
    }
    if (typeof schema.additionalProperties === 'object') {
      children.push([key, schema.additionalProperties])
    }
  }
  for (const missing of schema.required ?? []) {
    if (Object.hasOwn(value, missing) || hinted.has(missing)) continue
    const cause = Object.entries(schema.dependentRequired ?? {}).find(
      ([given, needs]) => Object.hasOwn(value, given) && needs.includes(missing),
    )
    const description = ownProperty(schema, missing)?.description
    const why = description ? `: ${summary(description)}` : ''
    if (cause) {
      error('dependent-required', `\`${cause[0]}\` is given without \`${missing}\`${why}`, {
        path: [...path, cause[0]],
        at: 'key',
      })
    } else {
      error('required', `missing required key \`${missing}\` in ${where(path)}${why}`, {
        path: [...path, missing],
        locate: path,
        at: 'key',
      })
    }
  }
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    const n = schema.minProperties
    error('count', `${where(path)} must have at least ${n} ${n === 1 ? 'entry' : 'entries'}`, {
      at: 'key',
    })
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    error(
      'count',
      `${where(path)} has ${keys.length} entries, at most ${schema.maxProperties} allowed`,
      { at: 'key' },
    )
  }
  for (const [key, child] of children) visit(value[key], child, [...path, key], hooks, issues)
}
