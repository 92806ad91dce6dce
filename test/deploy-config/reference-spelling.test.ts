import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { brief, diagnose, parseText, SERVICE } from './helpers'

const fixture = (name: string): string =>
  readFileSync(
    fileURLToPath(new URL(`../fixtures/deploy-config/reference/${name}`, import.meta.url)),
    'utf8',
  )

describe("the original parigot's spelling", () => {
  it('answers every key of a [config.dev] file with how to convert it', () => {
    const result = parseText(fixture('dev.toml'))
    expect(result.config).toBeUndefined()
    expect(result.diagnostics.map(brief)).toEqual([
      '2:9 error [config.dev] `config.dev` is the original parigot\'s spelling of a deployment: write `[deployment]` with `name = "dev"`, and one `[services.<name>]` table per microservice',
      "3:1 error [config.dev.ParigotLibPath] `config.dev.ParigotLibPath` is the original parigot's spelling of the syscall plugin, which is built in now: delete it",
      "4:1 error [config.dev.ParigotLibSymbol] `config.dev.ParigotLibSymbol` is the original parigot's spelling of the syscall plugin, which is built in now: delete it",
      '7:1 error [config.dev.microservice.greeting.WasmPath] `config.dev.microservice.greeting.WasmPath` is the original parigot\'s spelling: write `[services.greeting]` with `wasm = "build/greeting.p.wasm"` (a relative path now resolves against this file\'s folder, not the current directory)',
      '8:1 error [config.dev.microservice.greeting.Arg] `config.dev.microservice.greeting.Arg` is the original parigot\'s spelling: write `[services.greeting]` with `args = ["--verbose"]`',
      '9:1 error [config.dev.microservice.greeting.Env] `config.dev.microservice.greeting.Env` is the original parigot\'s spelling: write `[services.greeting]` with `env = { GREETING = "hello" }`',
      '10:1 error [config.dev.microservice.greeting.Server] `config.dev.microservice.greeting.Server` is the original parigot\'s spelling: write `[services.greeting]` with `role = "server"`',
      '13:1 error [config.dev.microservice.client.WasmPath] `config.dev.microservice.client.WasmPath` is the original parigot\'s spelling: write `[services.client]` with `wasm = "build/client.p.wasm"` (a relative path now resolves against this file\'s folder, not the current directory)',
      '14:1 error [config.dev.microservice.client.Main] `config.dev.microservice.client.Main` is the original parigot\'s spelling: write `[services.client]` with `role = "main"`',
    ])
  })

  it('answers the older [microservice.<name>] form', () => {
    expect(diagnose(fixture('older.toml'))).toEqual([
      "1:1 error [ParigotLibPath] `ParigotLibPath` is the original parigot's spelling of the syscall plugin, which is built in now: delete it",
      '4:1 error [microservice.vvv.Path] `microservice.vvv.Path` is the original parigot\'s spelling: write `[services.vvv]` with `wasm = "build/vvv.wasm"` (a relative path now resolves against this file\'s folder, not the current directory)',
      "5:1 error [microservice.vvv.SearchDir] `microservice.vvv.SearchDir` is the original parigot's spelling; it is not used: delete it",
    ])
  })

  it('answers plugin keys, false roles and unknown keys of the original tables', () => {
    expect(
      diagnose(
        '[config.prod]\nSize = "large"\nFlag = 1\nOther = 2\n[config.prod.microservice.q]\n' +
          'PluginPath = "build/queue.so"\nPluginSymbol = "ParigotInitialize"\nTest = false\nFoo = 1\n' +
          '[config.prod.microservice.x]\nPluginPath = "build/x.so"\n[config.prod.microservice.empty]\n',
      ),
    ).toEqual([
      '1:9 error [config.prod] `config.prod` is the original parigot\'s spelling of a deployment: write `[deployment]` with `name = "prod"`, and one `[services.<name>]` table per microservice',
      "2:1 error [config.prod.Size] `config.prod.Size` is the original parigot's spelling of a deployment's size, which is not used: delete it",
      "3:1 error [config.prod.Flag] `config.prod.Flag` is the original parigot's spelling; it came from the command line: delete it",
      "4:1 error [config.prod.Other] `config.prod.Other` is not a key of the original parigot's deployment table either: see [deployment] for the keys",
      '6:1 error [config.prod.microservice.q.PluginPath] `config.prod.microservice.q.PluginPath` is the original parigot\'s spelling of a Go plugin (.so), which cannot be loaded: for the built-in queue plugin write `plugins = ["queue"]` in `[services.q]`; for another plugin, write a JavaScript module and declare it as `[services.q.plugin.<name>]` with `path = "<module>.mjs"` and `symbol = "<export>"`',
      "7:1 error [config.prod.microservice.q.PluginSymbol] `config.prod.microservice.q.PluginSymbol` is the original parigot's spelling: write `symbol = \"ParigotInitialize\"` in the plugin's `[services.q.plugin.<name>]` table (the name of the JavaScript module's export)",
      '8:1 error [config.prod.microservice.q.Test] `config.prod.microservice.q.Test` is the original parigot\'s spelling: delete it (a service is a `role = "server"` unless told)',
      "9:1 error [config.prod.microservice.q.Foo] `config.prod.microservice.q.Foo` is not a key of the original parigot's microservice table either: write `[services.q]` with wasm, role, args, env, plugins or plugin",
      '11:1 error [config.prod.microservice.x.PluginPath] `config.prod.microservice.x.PluginPath` is the original parigot\'s spelling of a Go plugin (.so), which cannot be loaded: write a JavaScript module and declare it as `[services.x.plugin.<name>]` with `path = "<module>.mjs"` and `symbol = "<export>"`',
      '12:27 error [config.prod.microservice.empty] `config.prod.microservice.empty` is the original parigot\'s spelling of a microservice: write `[services.empty]` with `wasm = "..."`',
    ])
  })

  it('answers original field names inside a [services.<name>] table, case-insensitively', () => {
    expect(
      diagnose(
        '[services.greeting]\nwasmpath = "g.wasm"\nEnv = ["A=1", "B = two words"]\nMain = true\n',
      ),
    ).toEqual([
      '2:1 error [services.greeting.wasmpath] `services.greeting.wasmpath` is the original parigot\'s spelling: write `[services.greeting]` with `wasm = "g.wasm"` (a relative path now resolves against this file\'s folder, not the current directory)',
      '3:1 error [services.greeting.Env] `services.greeting.Env` is the original parigot\'s spelling: write `[services.greeting]` with `env = { A = "1", B = "two words" }`',
      '4:1 error [services.greeting.Main] `services.greeting.Main` is the original parigot\'s spelling: write `[services.greeting]` with `role = "main"`',
    ])
  })

  it('still checks the new spelling next to the original one', () => {
    expect(diagnose(`${SERVICE}[config.dev]\n`)).toEqual([
      '3:9 error [config.dev] `config.dev` is the original parigot\'s spelling of a deployment: write `[deployment]` with `name = "dev"`, and one `[services.<name>]` table per microservice',
    ])
  })
})
