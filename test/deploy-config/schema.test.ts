import { describe, expect, it } from 'vitest'
import { DEFAULT_KERNEL_LIMITS } from '../../src/main/kernel/limits'
import {
  deployConfigSchema,
  schemaAt,
  type JsonSchema,
} from '../../src/shared/deploy-config/schema'
import { suggest, validateAgainstSchema } from '../../src/shared/deploy-config/schema-validate'

function* nodes(schema: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  yield [path, schema]
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    yield* nodes(child, `${path}.${key}`)
  }
  if (typeof schema.additionalProperties === 'object') {
    yield* nodes(schema.additionalProperties, `${path}.*`)
  }
  if (schema.propertyNames) yield* nodes(schema.propertyNames, `${path}.<key>`)
  if (schema.items) yield* nodes(schema.items, `${path}[]`)
}

describe('deployConfigSchema', () => {
  it('describes every node', () => {
    const undocumented = [...nodes(deployConfigSchema, '$')]
      .filter(([, s]) => typeof s.description !== 'string' || s.description.length < 10)
      .map(([p]) => p)
    expect(undocumented).toEqual([])
  })

  it('is JSON (so the editor can load it as is) and says its draft', () => {
    expect(JSON.parse(JSON.stringify(deployConfigSchema))).toEqual(deployConfigSchema)
    expect(deployConfigSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
  })

  it('has every pattern compile with the u flag', () => {
    for (const [, s] of nodes(deployConfigSchema, '$')) {
      if (s.pattern) expect(() => new RegExp(s.pattern!, 'u')).not.toThrow()
    }
  })

  it('defaults to the kernel limits', () => {
    expect(schemaAt(['deployment', 'launch_timeout_ms'])?.default).toBe(
      DEFAULT_KERNEL_LIMITS.launchTimeoutMs,
    )
    expect(schemaAt(['deployment', 'call_timeout_ms'])?.default).toBe(
      DEFAULT_KERNEL_LIMITS.callTimeoutMs,
    )
    expect(schemaAt(['deployment', 'inbound_queue'])?.default).toBe(
      DEFAULT_KERNEL_LIMITS.inboundQueue,
    )
  })

  it('finds the node of a path for hover and completion', () => {
    expect(schemaAt(['services', 'anything', 'role'])?.enum).toEqual(['server', 'main', 'test'])
    expect(schemaAt(['services', 'x', 'args', 0])?.type).toBe('string')
    expect(schemaAt(['services', 'x', 'plugin', 'm', 'symbol'])?.type).toBe('string')
    expect(schemaAt(['services', 'x', 'nope'])).toBeUndefined()
    expect(schemaAt(['constructor'])).toBeUndefined()
  })
})

describe('validateAgainstSchema', () => {
  it('takes its rules from the schema it is given', () => {
    const schema: JsonSchema = {
      description: 'test schema',
      type: 'object',
      additionalProperties: false,
      required: ['n'],
      properties: { n: { description: 'a number', type: 'integer', minimum: 5, maximum: 7 } },
    }
    expect(validateAgainstSchema({ n: 4n }, schema).map((i) => i.message)).toEqual([
      '`n` must be between 5 and 7, got 4',
    ])
    expect(validateAgainstSchema({ n: 6n }, schema)).toEqual([])
    expect(validateAgainstSchema({ zzz: 6n }, schema).map((i) => i.message)).toEqual([
      'unknown key `zzz` in the top level: expected one of n',
      'missing required key `n` in the top level: a number',
    ])
  })

  it('does not take inherited names for keys', () => {
    const issues = validateAgainstSchema(
      { services: { a: { wasm: 'a.wasm', toString: 1 } } },
      deployConfigSchema,
    )
    expect(issues.map((i) => i.message)).toEqual([
      'unknown key `toString` in [services.a]: expected one of wasm, role, args, env, plugins, plugin, memory_limit_mb, host',
    ])
  })
})

describe('suggest', () => {
  it('finds near misses, case and separator variants, and words of a compound', () => {
    const keys = ['wasm', 'role', 'args', 'env', 'plugins', 'plugin']
    expect(suggest('wasm_path', keys)).toBe('wasm')
    expect(suggest('WASM', keys)).toBe('wasm')
    expect(suggest('arg', keys)).toBe('args')
    expect(suggest('rloe', keys)).toBe('role')
    expect(suggest('pluggins', keys)).toBe('plugins')
    expect(suggest('something', keys)).toBeUndefined()
  })
})
