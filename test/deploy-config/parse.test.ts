import { describe, expect, it } from 'vitest'
import { formatDiagnostic } from '../../src/shared/deploy-config/parse'
import { diagnose, FILE, parseText, SERVICE } from './helpers'

describe('parseDeployConfig: a valid file', () => {
  it('applies every default and resolves paths against the file folder', () => {
    const { config, diagnostics } = parseText('[services.greeting]\nwasm = "build/g.wasm"\n')
    expect(diagnostics).toEqual([])
    expect(config).toEqual({
      file: FILE,
      name: 'deploy',
      dataDir: '/project/app/.parigot-data/deploy',
      logLevel: 'info',
      limits: {
        launchTimeoutMs: 10_000,
        callTimeoutMs: 3_000,
        inboundQueue: 1024,
        memoryLimitMb: 256,
      },
      stopGraceMs: 2_000,
      placement: 'manual',
      services: [
        {
          name: 'greeting',
          wasm: '/project/app/build/g.wasm',
          role: 'server',
          args: [],
          env: {},
          plugins: [],
        },
      ],
      descriptors: [],
    })
  })

  it('keeps absolute paths, resolves ../ and a relative data_dir', () => {
    const { config } = parseText(
      '[deployment]\ndata_dir = "../var"\n[services.a]\nwasm = "/abs/a.wasm"\n' +
        '[services.b]\nwasm = "../b/b.wasm"\n',
    )
    expect(config?.dataDir).toBe('/project/var')
    expect(config?.services.map((s) => s.wasm)).toEqual(['/abs/a.wasm', '/project/b/b.wasm'])
  })

  it('uses the deployment name in the default data_dir', () => {
    const { config } = parseText(`[deployment]\nname = "hello"\n${SERVICE}`)
    expect(config?.name).toBe('hello')
    expect(config?.dataDir).toBe('/project/app/.parigot-data/hello')
  })

  it('keeps services in file order, allows several mains and test services', () => {
    const { config } = parseText(
      '[services.b]\nwasm = "b.wasm"\nrole = "main"\n[services.a]\nwasm = "a.wasm"\nrole = "main"\n' +
        '[services.t]\nwasm = "t.wasm"\nrole = "test"\n',
    )
    expect(config?.services.map((s) => `${s.name}:${s.role}`)).toEqual([
      'b:main',
      'a:main',
      't:test',
    ])
  })

  it('builds built-in and third-party plugins with their settings', () => {
    const { config, diagnostics } = parseText(
      `${SERVICE}plugins = ["queue", "file"]\n` +
        '[services.greeting.plugin.metrics]\npath = "p/m.mjs"\nsymbol = "M"\n' +
        '[services.greeting.plugin.metrics.settings]\nevery = 5\nat = 1979-05-27T07:32:00Z\n' +
        '[plugins.queue]\nsynchronous = "FULL"\n',
    )
    expect(diagnostics).toEqual([])
    expect(config?.services[0]?.plugins).toEqual([
      { name: 'queue', builtin: 'queue', settings: { synchronous: 'FULL' } },
      { name: 'file', builtin: 'file', settings: {} },
      {
        name: 'metrics',
        path: '/project/app/p/m.mjs',
        symbol: 'M',
        settings: { every: 5, at: '1979-05-27T07:32:00.000Z' },
      },
    ])
  })

  it('accepts UTF-8 printable args and env values, and an empty env value', () => {
    const { config, diagnostics } = parseText(
      `${SERVICE}args = ["héllo wörld", "日本"]\nenv = { "NAME" = "", X = "ça va" }\n`,
    )
    expect(diagnostics).toEqual([])
    expect(config?.services[0]?.args).toEqual(['héllo wörld', '日本'])
    expect(config?.services[0]?.env).toEqual({ NAME: '', X: 'ça va' })
  })

  it('ignores a byte-order mark', () => {
    expect(parseText(`\uFEFF${SERVICE}`).config?.services).toHaveLength(1)
  })
})

describe('parseDeployConfig: diagnostics', () => {
  it('reports TOML syntax errors with their position and no config', () => {
    const result = parseText('[services.a]\nwasm = \n')
    expect(result.config).toBeUndefined()
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} [${d.key}] ${d.message}`)).toEqual([
      '2:8 [] invalid TOML: invalid value',
    ])
  })

  it('reports a redefined key as a syntax error', () => {
    expect(diagnose(`${SERVICE}wasm = "b.wasm"\n`)).toEqual([
      '3:1 error [] invalid TOML: trying to redefine an already defined table or value',
    ])
  })

  it('requires at least one service', () => {
    expect(diagnose('')).toEqual([
      '1:1 error [services] missing required key `services` in the top level: the microservices, one `[services.<name>]` table each, in start order',
    ])
    expect(diagnose('[services]\n')).toEqual([
      '1:2 error [services] [services] must have at least 1 entry',
    ])
  })

  it('requires wasm, pointing at the table header', () => {
    expect(diagnose('[services.greeting]\nrole = "main"\n')).toEqual([
      "1:11 error [services.greeting.wasm] missing required key `wasm` in [services.greeting]: path of the service's .wasm file",
    ])
  })

  it('reports unknown keys with a suggestion, at the key', () => {
    expect(
      diagnose(
        '[deployment]\nloglevel = "info"\ncolour = 1\n[services.greeting]\n  wasm_path = "g.wasm"\nrol = "main"\n[servces.x]\n',
      ),
    ).toEqual([
      '2:1 error [deployment.loglevel] unknown key `loglevel` in [deployment]: did you mean `log_level`?',
      '3:1 error [deployment.colour] unknown key `colour` in [deployment]: expected one of name, data_dir, log_level, launch_timeout_ms, call_timeout_ms, inbound_queue, memory_limit_mb, stop_grace_ms, placement, descriptors',
      '5:3 error [services.greeting.wasm_path] unknown key `wasm_path` in [services.greeting]: did you mean `wasm`?',
      '6:1 error [services.greeting.rol] unknown key `rol` in [services.greeting]: did you mean `role`?',
      '7:2 error [servces] unknown key `servces` in the top level: did you mean `services`?',
    ])
  })

  it('reports wrong types, saying expected and got, at the value', () => {
    expect(
      diagnose(
        '[deployment]\ncall_timeout_ms = "3000"\ninbound_queue = 3.0\nname = 12\n' +
          '[services.greeting]\nwasm = ["g.wasm"]\nargs = "a"\nenv = ["K=V"]\nplugins = "file"\n' +
          '[plugins]\nqueue = true\n',
      ),
    ).toEqual([
      '2:19 error [deployment.call_timeout_ms] `call_timeout_ms` must be an integer, got string "3000" (write it without quotes)',
      '3:17 error [deployment.inbound_queue] `inbound_queue` must be an integer, got float 3.0',
      '4:8 error [deployment.name] `name` must be a string, got integer 12',
      '6:8 error [services.greeting.wasm] `wasm` must be a string, got an array',
      '7:8 error [services.greeting.args] `args` must be an array, got string "a"',
      '8:7 error [services.greeting.env] `env` must be a table, got an array: write `env = { K = "V" }`',
      '9:11 error [services.greeting.plugins] `plugins` must be an array, got string "file"',
      '11:9 error [plugins.queue] `queue` must be a table, got boolean true',
    ])
  })

  it('checks enums with a suggestion', () => {
    expect(diagnose(`[deployment]\nlog_level = "warning"\n${SERVICE}role = "mian"\n`)).toEqual([
      '2:13 error [deployment.log_level] `log_level` must be one of "debug", "info", "warn", "error", got string "warning" (did you mean "warn"?)',
      '5:8 error [services.greeting.role] `role` must be one of "server", "main", "test", got string "mian" (did you mean "main"?)',
    ])
  })

  it('checks integer ranges', () => {
    expect(
      diagnose(
        '[deployment]\nlaunch_timeout_ms = 0\ncall_timeout_ms = 3_600_001\ninbound_queue = 1_000_001\n' +
          `stop_grace_ms = -1\n${SERVICE}`,
      ),
    ).toEqual([
      '2:21 error [deployment.launch_timeout_ms] `launch_timeout_ms` must be between 1 and 3600000, got 0',
      '3:19 error [deployment.call_timeout_ms] `call_timeout_ms` must be between 1 and 3600000, got 3600001',
      '4:17 error [deployment.inbound_queue] `inbound_queue` must be between 1 and 1000000, got 1000001',
      '5:17 error [deployment.stop_grace_ms] `stop_grace_ms` must be between 0 and 3600000, got -1',
    ])
  })

  it('accepts the range bounds', () => {
    const { config } = parseText(
      '[deployment]\nlaunch_timeout_ms = 3_600_000\ncall_timeout_ms = 1\ninbound_queue = 1_000_000\n' +
        `stop_grace_ms = 0\n${SERVICE}`,
    )
    expect(config?.limits).toEqual({
      launchTimeoutMs: 3_600_000,
      callTimeoutMs: 1,
      inboundQueue: 1_000_000,
      memoryLimitMb: 256,
    })
    expect(config?.stopGraceMs).toBe(0)
  })

  it('requires identifiers for service, plugin and deployment names', () => {
    expect(
      diagnose(
        '[deployment]\nname = "my app"\n[services.1abc]\nwasm = "a.wasm"\n[services."a b"]\nwasm = "b.wasm"\n' +
          '[services.ok.plugin."m.x"]\npath = "m.mjs"\nsymbol = "M"\n[services.ok]\nwasm = "c.wasm"\n',
      ),
    ).toEqual([
      '2:8 error [deployment.name] `name` must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters), got "my app"',
      '3:11 error [services.1abc] key "1abc" in [services] must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters)',
      '5:11 error [services."a b"] key "a b" in [services] must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters)',
      '7:21 error [services.ok.plugin."m.x"] key "m.x" in [services.ok.plugin] must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters)',
    ])
  })

  it('checks env keys and values', () => {
    expect(
      diagnose(
        `${SERVICE}env = { "A=B" = "x", "" = "y", "N\\u0000" = "z", C = "\\u0001", D = 4 }\n`,
      ),
    ).toEqual([
      '3:9 error [services.greeting.env."A=B"] key "A=B" in [services.greeting.env] must not contain `=` or control characters',
      '3:22 error [services.greeting.env.""] key "" in [services.greeting.env] must not contain `=` or control characters',
      '3:32 error [services.greeting.env."N\\u0000"] key "N\\u0000" in [services.greeting.env] must not contain `=` or control characters',
      '3:53 error [services.greeting.env.C] `C` must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed, got "\\u0001"',
      '3:67 error [services.greeting.env.D] `D` must be a string, got integer 4',
    ])
  })

  it('checks args: non-empty printable strings', () => {
    expect(diagnose(`${SERVICE}args = ["ok", "", "tab\\there", "\\u0085", 3]\n`)).toEqual([
      '3:15 error [services.greeting.args[1]] `args[1]` must not be empty',
      '3:19 error [services.greeting.args[2]] `args[2]` must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed, got "tab\\there"',
      '3:32 error [services.greeting.args[3]] `args[3]` must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed, got "\\u0085"',
      '3:42 error [services.greeting.args[4]] `args[4]` must be a string, got integer 3',
    ])
  })

  it('rejects an empty wasm path', () => {
    expect(diagnose('[services.greeting]\nwasm = ""\n')).toEqual([
      '2:8 error [services.greeting.wasm] `wasm` must not be empty',
    ])
  })

  it('checks built-in plugin names and duplicates', () => {
    expect(diagnose(`${SERVICE}plugins = ["file", "queu", "sql", "file"]\n`)).toEqual([
      '3:20 error [services.greeting.plugins[1]] `plugins[1]` must be one of "file", "queue", got string "queu" (did you mean "queue"?)',
      '3:28 error [services.greeting.plugins[2]] `plugins[2]` must be one of "file", "queue", got string "sql"',
      '3:35 error [services.greeting.plugins[3]] `plugins[3]` repeats string "file", already listed at `plugins[0]`',
    ])
  })

  it('refuses unknown built-in settings tables', () => {
    expect(diagnose(`${SERVICE}[plugins.sqlite]\nx = 1\n`)).toEqual([
      '3:10 error [plugins.sqlite] unknown key `sqlite` in [plugins]: expected one of file, queue',
    ])
  })

  it('warns about built-in settings no service uses, and still gives the config', () => {
    const result = parseText(`${SERVICE}[plugins.queue]\nsynchronous = "FULL"\n`)
    expect(
      result.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`),
    ).toEqual([
      '3:10 warning settings of the built-in plugin `queue` are unused: no service lists it in `plugins`',
    ])
    expect(result.config).toBeDefined()
  })

  it('needs both path and symbol for a third-party plugin', () => {
    expect(
      diagnose(
        `${SERVICE}[services.greeting.plugin.a]\npath = "a.mjs"\n` +
          '[services.greeting.plugin.b]\nsymbol = "B"\n' +
          '[services.greeting.plugin.c]\nsettings = {}\n' +
          '[services.greeting.plugin.d]\npath = "d.mjs"\nsymbol = "not-an-id"\nextra = 1\n',
      ),
    ).toEqual([
      "4:1 error [services.greeting.plugin.a.path] `path` is given without `symbol`: name of the module's export that implements the plugin",
      "6:1 error [services.greeting.plugin.b.symbol] `symbol` is given without `path`: path of the plugin's JavaScript module (.js or .mjs)",
      "7:27 error [services.greeting.plugin.c.path] missing required key `path` in [services.greeting.plugin.c]: path of the plugin's JavaScript module (.js or .mjs)",
      "7:27 error [services.greeting.plugin.c.symbol] missing required key `symbol` in [services.greeting.plugin.c]: name of the module's export that implements the plugin",
      '11:10 error [services.greeting.plugin.d.symbol] `symbol` must be a JavaScript identifier (the name of an export), got "not-an-id"',
      '12:1 error [services.greeting.plugin.d.extra] unknown key `extra` in [services.greeting.plugin.d]: expected one of path, symbol, settings',
    ])
  })

  it('refuses a third-party plugin named like a built-in', () => {
    expect(
      diagnose(
        `${SERVICE}plugins = ["queue"]\n[services.greeting.plugin.queue]\npath = "q.mjs"\nsymbol = "Q"\n`,
      ),
    ).toEqual([
      '4:27 error [services.greeting.plugin.queue] plugin name `queue` is taken by the built-in plugin: list the built-in in `plugins = ["queue"]`, or give this third-party plugin another name',
    ])
  })

  it('reads `worker`: an identifier; at most one main per worker', () => {
    const two = (extra: string) =>
      `[services.a]\nwasm = "a.wasm"\nworker = "shop"\n[services.b]\nwasm = "b.wasm"\n${extra}`
    expect(parseText(two('worker = "shop"\n')).config?.services.map((s) => s.worker)).toEqual([
      'shop',
      'shop',
    ])
    expect(parseText(two('')).config?.services.map((s) => s.worker)).toEqual(['shop', undefined])
    expect(diagnose(two('worker = "no spaces"\n'))).toEqual([
      expect.stringMatching(/^6:10 error \[services\.b\.worker\] .*must start with a letter/),
    ])
    const mains =
      '[services.a]\nwasm = "a.wasm"\nrole = "main"\nworker = "w"\n' +
      '[services.b]\nwasm = "b.wasm"\nrole = "main"\nworker = "w"\n'
    expect(diagnose(mains)).toEqual([
      '8:10 error [services.b.worker] worker `w` already runs the main service `a`: a worker holds at most one main (give `b` another worker)',
    ])
  })

  it('refuses a worker shared across hosts: a worker thread lives in one process', () => {
    const text =
      '[cluster]\nnats = "nats://127.0.0.1:4222"\n' +
      '[services.a]\nwasm = "a.wasm"\nworker = "w"\nhost = "left"\n' +
      '[services.b]\nwasm = "b.wasm"\nworker = "w"\n'
    expect(diagnose(text)).toEqual([
      '9:10 error [services.b.worker] worker `w` runs `a` on host `left`, but `b` is on host `local`: services sharing a worker share a host',
    ])
  })

  it('refuses plugin settings integers a JavaScript number cannot hold', () => {
    expect(
      diagnose(`${SERVICE}plugins = ["file"]\n[plugins.file]\nmaxOpenFiles = 9007199254740993\n`),
    ).toEqual([
      '5:16 error [plugins.file.maxOpenFiles] `maxOpenFiles` is too large for a plugin setting (at most 9007199254740991 in magnitude), got 9007199254740993',
    ])
  })

  it('sorts diagnostics by position and gives no config on error', () => {
    const result = parseText('[services.b]\nwasm = 1\n[deployment]\nlog_level = 2\n')
    expect(result.config).toBeUndefined()
    expect(result.diagnostics.map((d) => d.line)).toEqual([2, 4])
  })

  it('formats a diagnostic as file:line:column: severity: message [key]', () => {
    const [d] = parseText('[services.greeting]\nwasm = ""\n').diagnostics
    expect(formatDiagnostic(d!)).toBe(
      '/project/app/deploy.toml:2:8: error: `wasm` must not be empty [services.greeting.wasm]',
    )
    const [syntax] = parseText('x = \n').diagnostics
    expect(formatDiagnostic(syntax!)).toBe(
      '/project/app/deploy.toml:1:5: error: invalid TOML: invalid value',
    )
  })
})
