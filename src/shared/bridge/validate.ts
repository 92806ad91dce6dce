// Runtime validators for bridge messages. Every message from the renderer is untrusted: the
// main side checks shape, types and sizes before acting, and answers a bad message with the
// path of the first offending field. Pure TypeScript, no platform imports.

export interface ValidationProblem {
  /** Dotted path of the field at fault, e.g. `params.filter.sources[2]`. */
  readonly path: string
  readonly expected: string
}

export type Validator = (value: unknown, path: string) => ValidationProblem | undefined

/** Marks the type a validator accepts, so contracts can derive parameter types from them. */
export interface Checked<T> {
  readonly check: Validator
  readonly _type?: T
}

export type CheckedType<C> = C extends Checked<infer T> ? T : never

function checked<T>(check: Validator): Checked<T> {
  return { check }
}

function problem(path: string, expected: string): ValidationProblem {
  return { path, expected }
}

export function str(options: { max: number; min?: number; pattern?: RegExp }): Checked<string> {
  return checked((value, path) => {
    if (typeof value !== 'string') return problem(path, 'a string')
    if (value.length > options.max) return problem(path, `at most ${options.max} characters`)
    if (value.length < (options.min ?? 0))
      return problem(path, `at least ${options.min ?? 0} characters`)
    if (options.pattern && !options.pattern.test(value))
      return problem(path, `a string matching ${String(options.pattern)}`)
    return undefined
  })
}

export function int(options: { min: number; max: number }): Checked<number> {
  return checked((value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return problem(path, 'an integer')
    if (value < options.min || value > options.max)
      return problem(path, `an integer from ${options.min} to ${options.max}`)
    return undefined
  })
}

export function bool(): Checked<boolean> {
  return checked((value, path) =>
    typeof value === 'boolean' ? undefined : problem(path, 'true or false'),
  )
}

export function oneOf<const T extends readonly string[]>(values: T): Checked<T[number]> {
  return checked((value, path) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : problem(path, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`),
  )
}

export function array<T>(item: Checked<T>, options: { max: number }): Checked<T[]> {
  return checked((value, path) => {
    if (!Array.isArray(value)) return problem(path, 'an array')
    if (value.length > options.max) return problem(path, `at most ${options.max} items`)
    for (let i = 0; i < value.length; i++) {
      const found = item.check(value[i], `${path}[${i}]`)
      if (found) return found
    }
    return undefined
  })
}

type Shape = Record<string, Checked<unknown> | Optional<unknown>>

export interface Optional<T> {
  readonly optional: Checked<T>
}

export function optional<T>(inner: Checked<T>): Optional<T> {
  return { optional: inner }
}

type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Optional<unknown> ? never : K
}[keyof S]
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>

export type ObjectOf<S extends Shape> = {
  readonly [K in RequiredKeys<S>]: S[K] extends Checked<infer T> ? T : never
} & {
  readonly [K in OptionalKeys<S>]?: S[K] extends Optional<infer T> ? T : never
}

/** A plain object with exactly these keys (unknown keys are refused, not ignored). */
export function object<S extends Shape>(shape: S): Checked<ObjectOf<S>> {
  return checked((value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return problem(path, 'an object')
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(shape, key))
        return problem(`${path}.${key}`, `no such field (known: ${Object.keys(shape).join(', ')})`)
    }
    for (const [key, rule] of Object.entries(shape)) {
      const field = record[key]
      const fieldPath = `${path}.${key}`
      if ('optional' in rule) {
        if (field === undefined) continue
        const found = rule.optional.check(field, fieldPath)
        if (found) return found
      } else {
        const found = rule.check(field, fieldPath)
        if (found) return found
      }
    }
    return undefined
  })
}

export function formatProblem(p: ValidationProblem): string {
  return `${p.path}: expected ${p.expected}`
}
