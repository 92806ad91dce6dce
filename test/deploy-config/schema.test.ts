import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEFAULT_KERNEL_LIMITS } from '../../src/main/kernel/limits'
import {
  deployConfigSchema,
  schemaAt,
  type JsonSchema,
} from '../../src/shared/deploy-config/schema'
import { suggest, validateDeployConfig } from '../../src/shared/deploy-config/schema-validate'
import { diagnose } from './helpers'

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

describe('validateDeployConfig', () => {
  it('takes its rules from the schema: bounds, unknown keys, missing keys', () => {
    const messages = (value: unknown): string[] => validateDeployConfig(value).map((i) => i.message)
    const service = { wasm: 'a.wasm' }
    expect(messages({ services: { a: service }, deployment: { call_timeout_ms: 0n } })).toEqual([
      '`call_timeout_ms` must be between 1 and 3600000, got 0',
    ])
    expect(messages({ services: { a: service }, deployment: { call_timeout_ms: 5n } })).toEqual([])
    expect(messages({ zzz: 6n })).toEqual([
      'unknown key `zzz` in the top level: expected one of deployment, services, cluster, telemetry, plugins',
      'missing required key `services` in the top level: the microservices, one `[services.<name>]` table each, in start order',
    ])
  })

  it('does not take inherited names for keys', () => {
    const issues = validateDeployConfig({ services: { a: { wasm: 'a.wasm', toString: 1 } } })
    expect(issues.map((i) => i.message)).toEqual([
      'unknown key `toString` in [services.a]: expected one of wasm, role, args, env, plugins, plugin, memory_limit_mb, worker, host',
    ])
  })

  it('tells a float from an integer and a date-time from a table, as TOML does', () => {
    const issues = validateDeployConfig({
      services: { a: { wasm: 'a.wasm', memory_limit_mb: 64.0, env: new Date(0) } },
    })
    // In schema order here; parse.ts sorts diagnostics by position.
    expect(issues.map((i) => i.message)).toEqual([
      '`env` must be a table, got date-time 1970-01-01T00:00:00.000Z',
      '`memory_limit_mb` must be an integer, got float 64.0',
    ])
  })
})

describe('deploy config validation through Ajv', () => {
  it('runs code generated from the current schema (else: npm run gen)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parigot-validator-'))
    try {
      const fresh = join(dir, 'validate-deploy-config.ts')
      const script = fileURLToPath(
        new URL('../../scripts/gen-deploy-validator.ts', import.meta.url),
      )
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, fresh], {
        encoding: 'utf8',
      })
      expect(run.stderr).toBe('')
      const current = fileURLToPath(
        new URL('../../src/shared/deploy-config/gen/validate-deploy-config.ts', import.meta.url),
      )
      expect(
        readFileSync(fresh, 'utf8') === readFileSync(current, 'utf8'),
        'src/shared/deploy-config/gen is older than schema.ts: run `npm run gen`',
      ).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // The words and positions the hand-written validator gave, kept when Ajv took over (checked
  // then against it on 6000 mutants as well): TOML types, bounds with the value as written,
  // every repeat, patterns with their readable message, and the keys before the values.
  it('words every kind of failure as before', () => {
    const text = [
      '[deployment]',
      'call_timeout_ms = 3000.0',
      'launch_timeout_ms = 1979-05-27',
      'inbound_queue = "12"',
      'memory_limit_mb = 99999999999999999999',
      'stop_grace_ms = -1',
      'log_level = "inof"',
      'name = "9bad"',
      'data_dir = ""',
      'descriptors = ["a", "a", "a", 3, "b\\u0001"]',
      '[services."has space"]',
      'wasm = "x"',
      '[services.b]',
      'wasm = "y"',
      'env = { "A=B" = "y", OK = 3 }',
    ].join('\n')
    expect(diagnose(text)).toEqual([
      '2:19 error [deployment.call_timeout_ms] `call_timeout_ms` must be an integer, got float 3000.0',
      '3:21 error [deployment.launch_timeout_ms] `launch_timeout_ms` must be an integer, got date-time 1979-05-27',
      '4:17 error [deployment.inbound_queue] `inbound_queue` must be an integer, got string "12" (write it without quotes)',
      '5:19 error [deployment.memory_limit_mb] `memory_limit_mb` must be between 1 and 4096, got 99999999999999999999',
      '6:17 error [deployment.stop_grace_ms] `stop_grace_ms` must be between 0 and 3600000, got -1',
      '7:13 error [deployment.log_level] `log_level` must be one of "debug", "info", "warn", "error", got string "inof" (did you mean "info"?)',
      '8:8 error [deployment.name] `name` must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters), got "9bad"',
      '9:12 error [deployment.data_dir] `data_dir` must not be empty',
      '10:21 error [deployment.descriptors[1]] `descriptors[1]` repeats string "a", already listed at `descriptors[0]`',
      '10:26 error [deployment.descriptors[2]] `descriptors[2]` repeats string "a", already listed at `descriptors[0]`',
      '10:31 error [deployment.descriptors[3]] `descriptors[3]` must be a string, got integer 3',
      '10:34 error [deployment.descriptors[4]] `descriptors[4]` must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed, got "b\\u0001"',
      '11:11 error [services."has space"] key "has space" in [services] must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters)',
      '15:9 error [services.b.env."A=B"] key "A=B" in [services.b.env] must not contain `=` or control characters',
      '15:27 error [services.b.env.OK] `OK` must be a string, got integer 3',
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
