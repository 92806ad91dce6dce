import { describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, EngineError } from '../../src/main/engine'
import { assembleWat } from '../helpers/wat'

async function compileError(source: string, maxBytes?: number): Promise<EngineError> {
  const engine = createEngine(maxBytes === undefined ? {} : { maxModuleBytes: maxBytes })
  const bytes = await assembleWat(source)
  const err = await engine.compile(bytes, 'guest.wasm').then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`)
  return err
}

describe('compiling and instantiating guests', () => {
  it('refuses bytes that are not wasm, naming the file', async () => {
    const engine = createEngine()
    const err = await engine
      .compile(new TextEncoder().encode('not wasm'), 'svc/bad.wasm')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).code).toBe('CompileFailed')
    expect((err as EngineError).message).toContain('svc/bad.wasm: not a valid WebAssembly module')
  })

  it('refuses a module over the size limit', async () => {
    const err = await compileError('(module (memory (export "memory") 1))', 10)
    expect(err.code).toBe('ModuleTooLarge')
    expect(err.message).toMatch(/over the limit of 10 bytes/)
  })

  it('requires exactly one exported memory named "memory"', async () => {
    expect((await compileError('(module)')).message).toContain('(found: none)')
    const misnamed = await compileError('(module (memory (export "heap") 1))')
    expect(misnamed.code).toBe('BadMemoryExport')
    expect(misnamed.message).toContain('"heap"')
    const imported = await compileError(
      '(module (import "env" "memory" (memory 1)) (export "memory" (memory 0)))',
    )
    expect(imported.code).toBe('MissingImport')
    expect(imported.message).toContain('imports memory "env.memory"')
  })

  it('instantiates one compiled module many times, each with its own memory', async () => {
    const engine = createEngine()
    const compiled = await engine.compile(
      await assembleWat(`(module (memory (export "memory") 1)
        (func (export "bump") (result i32)
          (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
          (i32.load (i32.const 0))))`),
      'counter.wat',
    )
    expect(compiled.entry).toBe('library')
    const { logger } = createMemoryLogger()
    const a = engine.instantiate(compiled, { serviceName: 'a', logger })
    const b = engine.instantiate(compiled, { serviceName: 'b', logger })
    expect(a.call('bump')).toEqual({ kind: 'returned', value: 1 })
    expect(a.call('bump')).toEqual({ kind: 'returned', value: 2 })
    expect(b.call('bump')).toEqual({ kind: 'returned', value: 1 })
  })

  it('names a missing import, the missing module, and what is registered', async () => {
    const engine = createEngine()
    const compiled = await engine.compile(
      await assembleWat(`(module (import "file" "open_" (func (param i32 i32 i32 i32) (result i64)))
        (memory (export "memory") 1))`),
      'files.wasm',
    )
    const { logger } = createMemoryLogger()
    expect(() => engine.instantiate(compiled, { serviceName: 'files', logger })).toThrow(
      /files \(files.wasm\): imports "file.open_", but no plugin provides host module "file" \(registered modules: none\)/,
    )
    const bogusWasi = await engine.compile(
      await assembleWat(`(module (import "wasi_snapshot_preview1" "fd_teleport" (func))
        (memory (export "memory") 1))`),
      'w.wasm',
    )
    expect(() => engine.instantiate(bogusWasi, { serviceName: 'w', logger })).toThrow(
      /"wasi_snapshot_preview1.fd_teleport", which is not a WASI preview 1 function/,
    )
  })

  it('refuses badly named or duplicate host functions', () => {
    const engine = createEngine()
    const def = { module: 'demo', name: 'ping_', bind: () => () => 0n }
    engine.registerHostFunction(def)
    expect(() => engine.registerHostFunction(def)).toThrow(/already registered/)
    expect(() => engine.registerHostFunction({ ...def, name: 'Ping' })).toThrow(/snake_case/)
  })
})
