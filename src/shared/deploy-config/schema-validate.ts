/**
 * Validates a parsed deploy config against `schema.ts` with Ajv, and words each failure as an
 * issue naming the key path at fault and where to point at it (positions are added by the
 * caller). Ajv runs as standalone code generated at build time (gen/validate-deploy-config.ts,
 * `npm run gen`), because compiling a schema at run time needs `new Function`, which the Studio
 * window's Content-Security-Policy forbids. Ajv finds the failure and its place; the words come
 * from here, from the TOML value as written and from the schema node (enum, bounds,
 * `patternErrorMessage`, descriptions), so they read as before: TOML types (an integer is a
 * bigint, `3000.0` a float and no integer), "did you mean", the original parigot's spelling.
 */
import { validate as generatedValidate } from './gen/validate-deploy-config'
import {
  clip,
  describeValue,
  EXPECTED,
  quote,
  suggest,
  summary,
  label,
  tomlTypeOf,
  where,
} from './issue-words'
import { deployConfigSchema, schemaAt, type JsonSchema } from './schema'
import type { KeyPath, KeySegment } from './toml-locator'

export { suggest } from './issue-words'

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

/** Ajv's report of one failure: the fields read here. */
interface AjvError {
  readonly instancePath: string
  readonly keyword: string
  readonly params: Readonly<Record<string, unknown>>
  /** Set on the failures inside `propertyNames` (the key's own checks). */
  readonly propertyName?: string
}
type StandaloneValidate = ((data: unknown) => boolean) & { errors?: readonly AjvError[] | null }
const ajvValidate = generatedValidate as unknown as StandaloneValidate

function isTable(value: unknown): value is Record<string, unknown> {
  return tomlTypeOf(value) === 'table'
}

/**
 * The parsed TOML as JSON data for Ajv: an integer (bigint) becomes a number, and a float or a
 * date-time becomes null, which no type of the schema accepts, so that `3000.0` is not an
 * integer and a date not a table. Messages describe the original value.
 */
function asJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'number' || value instanceof Date) return null
  if (Array.isArray(value)) return value.map(asJson)
  if (isTable(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJson(v)]))
  }
  return value
}

/** The key path of an Ajv instance path (a JSON pointer), with indices where `root` has arrays. */
function keyPathOf(root: unknown, pointer: string): { path: KeyPath; value: unknown } {
  const path: KeySegment[] = []
  let value = root
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const name = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(value)) {
      path.push(Number(name))
      value = value[Number(name)]
    } else {
      path.push(name)
      value = isTable(value) ? value[name] : undefined
    }
  }
  return { path, value }
}

const startsWith = (path: KeyPath, prefix: KeyPath): boolean =>
  prefix.length <= path.length && prefix.every((s, i) => path[i] === s)

/** The failures at one key path, by keyword. */
interface Failures {
  readonly path: KeyPath
  readonly value: unknown
  readonly node: JsonSchema | undefined
  readonly errors: AjvError[]
}

/** Validates a parsed deploy config (smol-toml with `integersAsBigInt`) against the schema. */
export function validateDeployConfig(value: unknown, hooks: ValidateHooks = {}): SchemaIssue[] {
  if (ajvValidate(asJson(value))) return []
  const byPath = new Map<string, Failures>()
  for (const error of ajvValidate.errors ?? []) {
    // A key's own checks arrive twice: inside `propertyNames`, and as the `propertyNames` failure.
    if (error.propertyName !== undefined && error.keyword !== 'propertyNames') continue
    let entry = byPath.get(error.instancePath)
    if (entry === undefined) {
      const { path, value: at } = keyPathOf(value, error.instancePath)
      entry = { path, value: at, node: schemaAt(path, deployConfigSchema), errors: [] }
      byPath.set(error.instancePath, entry)
    }
    entry.errors.push(error)
  }
  const all = [...byPath.values()]
  // Keys first: a key refused by name is not validated further, and a key taken for a known
  // one (`wasm_path` for `wasm`) answers that key's "missing" as well.
  const refusedKeys = all.flatMap((f) =>
    f.errors
      .filter((e) => e.keyword === 'propertyNames')
      .map((e): KeyPath => [...f.path, String(e.params['propertyName'])]),
  )
  const erring = all.filter((f) => !refusedKeys.some((k) => startsWith(f.path, k)))
  const issues: SchemaIssue[] = []
  const hinted = new Map<string, Set<string>>()
  for (const f of erring) {
    const names = new Set<string>()
    hinted.set(JSON.stringify(f.path), names)
    for (const e of f.errors) {
      if (e.keyword === 'additionalProperties') {
        issues.push(...unknownKey(f, String(e.params['additionalProperty']), hooks, names))
      } else if (e.keyword === 'propertyNames') {
        issues.push(keyName(f, String(e.params['propertyName'])))
      }
    }
  }
  for (const f of erring) {
    issues.push(...valueIssues(f, hinted.get(JSON.stringify(f.path)) ?? new Set(), erring))
  }
  return issues
}

function unknownKey(
  f: Failures,
  key: string,
  hooks: ValidateHooks,
  hinted: Set<string>,
): SchemaIssue[] {
  const keyPath = [...f.path, key]
  const known = Object.keys(f.node?.properties ?? {})
  const replaced = hooks.unknownKey?.(keyPath, isTable(f.value) ? f.value[key] : undefined)
  if (replaced) {
    for (const k of known) if (replaced.some((r) => r.message.includes(`\`${k} = `))) hinted.add(k)
    return replaced
  }
  const hint = suggest(key, known)
  if (hint) hinted.add(hint)
  const tail = hint
    ? `did you mean \`${hint}\`?`
    : known.length > 0
      ? `expected one of ${known.join(', ')}`
      : 'no keys are allowed here'
  return [
    {
      code: 'unknown-key',
      severity: 'error',
      path: keyPath,
      at: 'key',
      message: `unknown key \`${key}\` in ${where(f.path)}: ${tail}`,
    },
  ]
}

function keyName(f: Failures, key: string): SchemaIssue {
  const names = f.node?.propertyNames
  const issue = { code: 'key-name', severity: 'error', path: [...f.path, key], at: 'key' } as const
  if (names?.pattern !== undefined && !new RegExp(names.pattern, 'u').test(key)) {
    const what = names.patternErrorMessage ?? `must match ${names.pattern}`
    return { ...issue, message: `key ${clip(quote(key))} in ${where(f.path)} ${what}` }
  }
  return { ...issue, message: `an empty key is not allowed in ${where(f.path)}` }
}

/** The issues of one value, worded from its schema node; at most one per kind of check. */
function valueIssues(f: Failures, hinted: Set<string>, erring: readonly Failures[]): SchemaIssue[] {
  const { path, value, node } = f
  if (node === undefined) return []
  const has = (keyword: string): boolean => f.errors.some((e) => e.keyword === keyword)
  const issue = (code: IssueCode, message: string, extra: Partial<SchemaIssue> = {}) =>
    ({ code, severity: 'error', path, message, ...extra }) as SchemaIssue
  if (has('type') && node.type) {
    const unquote =
      node.type === 'integer' && typeof value === 'string' && /^[+-]?\d[\d_]*$/.test(value)
        ? ' (write it without quotes)'
        : ''
    const message = `${label(path)} must be ${EXPECTED[node.type]}, got ${describeValue(value)}`
    return [issue('type', message + unquote)]
  }
  if (has('enum') && node.enum) {
    const allowed = node.enum.map((v) => JSON.stringify(v)).join(', ')
    const hint = typeof value === 'string' ? suggest(value, node.enum.map(String)) : undefined
    const message = `${label(path)} must be one of ${allowed}, got ${describeValue(value)}`
    return [issue('enum', message + (hint ? ` (did you mean "${hint}"?)` : ''))]
  }
  const out: SchemaIssue[] = []
  if (has('minimum') || has('maximum')) out.push(issue('range', rangeMessage(path, value, node)))
  if (has('minLength')) {
    const min = node.minLength ?? 0
    out.push(
      issue(
        'length',
        min === 1
          ? `${label(path)} must not be empty`
          : `${label(path)} must have at least ${min} characters`,
      ),
    )
  } else if (has('maxLength')) {
    out.push(issue('length', `${label(path)} must have at most ${node.maxLength} characters`))
  } else if (has('pattern')) {
    const what = node.patternErrorMessage ?? `must match ${node.pattern}`
    out.push(issue('pattern', `${label(path)} ${what}, got ${clip(quote(String(value)))}`))
  }
  if (has('maxItems') && Array.isArray(value)) {
    const message = `${label(path)} has ${value.length} items, at most ${node.maxItems} allowed`
    out.push(issue('count', message))
  }
  if (has('uniqueItems') && Array.isArray(value)) out.push(...repeats(path, value, erring))
  for (const e of f.errors) {
    if (e.keyword !== 'required') continue
    const missing = String(e.params['missingProperty'])
    if (hinted.has(missing)) continue
    out.push(requiredIssue(path, value, node, missing))
  }
  const keys = isTable(value) ? Object.keys(value).length : 0
  if (has('minProperties')) {
    const n = node.minProperties ?? 0
    const message = `${where(path)} must have at least ${n} ${n === 1 ? 'entry' : 'entries'}`
    out.push(issue('count', message, { at: 'key' }))
  }
  if (has('maxProperties')) {
    const message = `${where(path)} has ${keys} entries, at most ${node.maxProperties} allowed`
    out.push(issue('count', message, { at: 'key' }))
  }
  return out
}

function rangeMessage(path: KeyPath, value: unknown, node: JsonSchema): string {
  const { minimum: min, maximum: max } = node
  const bounds =
    min !== undefined && max !== undefined
      ? `between ${min} and ${max}`
      : min !== undefined
        ? `at least ${min}`
        : `at most ${max}`
  return `${label(path)} must be ${bounds}, got ${String(value)}`
}

/** Every item repeating an earlier one; items with problems of their own are not compared. */
function repeats(path: KeyPath, value: readonly unknown[], erring: readonly Failures[]) {
  const issues: SchemaIssue[] = []
  const seen = new Map<string, number>()
  value.forEach((item, index) => {
    const itemPath = [...path, index]
    if (erring.some((f) => startsWith(f.path, itemPath))) return
    const id = typeof item === 'bigint' ? `${item}n` : JSON.stringify(item)
    const first = seen.get(id)
    if (first === undefined) {
      seen.set(id, index)
      return
    }
    issues.push({
      code: 'unique',
      severity: 'error',
      path: itemPath,
      message: `${label(itemPath)} repeats ${describeValue(item)}, already listed at ${label([...path, first])}`,
    })
  })
  return issues
}

function requiredIssue(
  path: KeyPath,
  value: unknown,
  node: JsonSchema,
  missing: string,
): SchemaIssue {
  const table = isTable(value) ? value : {}
  const cause = Object.entries(node.dependentRequired ?? {}).find(
    ([given, needs]) => Object.hasOwn(table, given) && needs.includes(missing),
  )
  const props = node.properties
  const description = props && Object.hasOwn(props, missing) ? props[missing]?.description : ''
  const why = description ? `: ${summary(description)}` : ''
  if (cause) {
    return {
      code: 'dependent-required',
      severity: 'error',
      path: [...path, cause[0]],
      at: 'key',
      message: `\`${cause[0]}\` is given without \`${missing}\`${why}`,
    }
  }
  return {
    code: 'required',
    severity: 'error',
    path: [...path, missing],
    locate: path,
    at: 'key',
    message: `missing required key \`${missing}\` in ${where(path)}${why}`,
  }
}
