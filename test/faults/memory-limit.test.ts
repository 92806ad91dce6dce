// Resource limits (issue 17, item 6): a guest's linear memory is capped at memory_limit_mb
// (default 256, per deployment, per service); a guest that grows past it fails with a message
// naming the limit, the process stays far below it, and the other services keep running.
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { compileGuest, createEngine } from '../../src/main/engine'
import type { CompiledGuest } from '../../src/main/engine'
import { limitMemory } from '../../src/main/engine/memory-limit'
import { DEFAULT_MEMORY_LIMIT_MB } from '../../src/main/runner/deployment'
import { Supervisor } from '../../src/main/runner/supervisor'
import type { LogRecord } from '../../src/shared/log/log-record'
import { compileGuestFixture } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { assembleFixture, assembleWat } from '../helpers/wat'

let hogBytes: Uint8Array
let server: CompiledGuest
let client: CompiledGuest

beforeAll(async () => {
  hogBytes = await assembleFixture('memory-hog')
  const engine = createEngine()
  server = await engine.compile(await compileGuestFixture('test-server'), 'test-server.wasm')
  client = await engine.compile(await compileGuestFixture('test-client'), 'test-client.wasm')
}, 120_000)

let supervisor: Supervisor | undefined
afterEach(async () => {
  await supervisor?.stopAll(1000)
  supervisor?.close()
  supervisor = undefined
})

describe('memory_limit_mb', () => {
  it('the default cap stops a memory-hungry guest; RSS stays < 1 GB; others keep serving', async () => {
    const hog = await compileGuest(hogBytes, 'memory-hog.wat', undefined, DEFAULT_MEMORY_LIMIT_MB)
    const logs: LogRecord[] = []
    supervisor = new Supervisor({ logSink: (r) => logs.push(r) })
    await supervisor.start({ name: 'echo', compiled: server })
    const handle = await supervisor.start({
      name: 'hog',
      compiled: hog,
      memoryLimitMb: DEFAULT_MEMORY_LIMIT_MB,
    })
    const ending = await handle.ended
    const rss = process.memoryUsage().rss
    expect(ending.kind).toBe('failed')
    expect(ending.kind === 'failed' && ending.reason).toMatch(
      /its linear memory is at its memory_limit_mb: 255 of 256 MiB in use/,
    )
    expect(rss).toBeLessThan(1024 * 1024 * 1024)
    // The echo server never noticed.
    const c = await supervisor.start({
      name: 'client',
      compiled: client,
      args: ['client', 'test.v1.echo', 'echo:still-here'],
    })
    expect(await c.ended).toEqual({ kind: 'exited', code: 0 })
    expect(logs.map((r) => r.message)).toContain('result echo:still-here -> ok echo:still-here')
  }, 60_000)

  it('a module whose initial memory is over the cap does not start, naming the limit', async () => {
    const big = await assembleWat(
      '(module (memory (export "memory") 512) (func (export "_start")))',
    )
    expect(() => limitMemory(big, 16, 'big.wat')).toThrow(
      'big.wat: needs 32 MiB of memory at start, over its memory_limit_mb of 16',
    )
  })

  it.each([
    ['no maximum', '', 64, 64 * 16],
    ['a maximum below the cap (kept)', '8', 64, 8],
    ['a maximum above the cap (lowered)', '4096', 64, 64 * 16],
  ])('%s: memory.grow stops at the effective maximum', async (_what, declared, cap, pages) => {
    const bytes = await assembleWat(
      `(module (memory (export "memory") 1 ${declared})
         (func (export "_start") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))))
         (func (export "size") (result i32) (memory.size)))`,
    )
    const instance = new WebAssembly.Instance(new WebAssembly.Module(limitMemory(bytes, cap, 'x')))
    ;(instance.exports['_start'] as () => void)()
    expect((instance.exports['size'] as () => number)()).toBe(pages)
  })

  it('from the deploy config: a per-service override, named in the log; the main still runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-mem-'))
    await writeFile(join(dir, 'hog.wasm'), hogBytes)
    await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
    await writeFile(join(dir, 'client.wasm'), await compileGuestFixture('test-client'))
    const file = join(dir, 'deploy.toml')
    await writeFile(
      file,
      `[deployment]
memory_limit_mb = 64

[services.echo]
wasm = "server.wasm"

[services.hog]
wasm = "hog.wasm"
memory_limit_mb = 8

[services.client]
wasm = "client.wasm"
role = "main"
args = ["client", "test.v1.echo", "echo:fine"]
`,
    )
    const run = await runParigot(['run', file], { cwd: dir })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(
      /\[host\] error: hog failed: .*wasm trap.*memory_limit_mb: 7 of 8 MiB in use/,
    )
    expect(run.stdout).toContain('[client] result echo:fine -> ok echo:fine')
  }, 60_000)
})
