import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger } from '../../src/main/engine'
import { initPlugin, loadPlugin, PluginInitError, PluginLoadError } from '../../src/main/plugins'
import type { PluginLoadErrorCode } from '../../src/main/plugins'
import { assembleFixture, fixturePath } from '../helpers/wat'

const greeterPath = fixturePath('plugins/greeter-plugin.mjs')

async function loadError(path: string, symbol: string, baseDir?: string): Promise<PluginLoadError> {
  const err = await loadPlugin(path, symbol, baseDir).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof PluginLoadError))
    throw new Error(`expected PluginLoadError, got ${String(err)}`)
  return err
}

describe('plugin loader (LoadAndReturnInit)', () => {
  const cases: [string, string, string, PluginLoadErrorCode, RegExp][] = [
    ['empty path', '', 'GreeterPlugin', 'EmptyPath', /plugin path is empty/],
    [
      'blank symbol',
      greeterPath,
      '  ',
      'EmptySymbol',
      /plugin symbol is empty for .*greeter-plugin\.mjs/,
    ],
    [
      'missing file',
      'plugins/nope.mjs',
      'X',
      'FileNotFound',
      /plugin file not found: .*plugins\/nope\.mjs \(from "plugins\/nope\.mjs" relative to /,
    ],
    [
      'missing export',
      greeterPath,
      'Greeter',
      'MissingExport',
      /has no export named "Greeter" \(it exports: GreeterPlugin, explodes, notAPlugin, objectWithoutInit, refuses\)/,
    ],
    [
      'export of the wrong type',
      greeterPath,
      'notAPlugin',
      'NotAPlugin',
      /export "notAPlugin" .* is a number, not a plugin/,
    ],
    [
      'object without init',
      greeterPath,
      'objectWithoutInit',
      'NotAPlugin',
      /is an object without an init method/,
    ],
    [
      'module that throws on import',
      fixturePath('plugins/throws-on-import.mjs'),
      'X',
      'ImportFailed',
      /could not be loaded: cannot read plugin configuration/,
    ],
  ]
  for (const [label, path, symbol, code, message] of cases) {
    it(`refuses ${label} with ${code}`, async () => {
      const err = await loadError(path, symbol, fixturePath('.'))
      expect(err.code).toBe(code)
      expect(err.message).toMatch(message)
    })
  }

  it('refuses a directory given as the plugin file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-plugin-'))
    expect((await loadError(dir, 'X')).code).toBe('FileNotFound')
  })

  it('reports a syntax error in the plugin as ImportFailed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-plugin-'))
    await writeFile(join(dir, 'broken.mjs'), 'export const = ;\n')
    const err = await loadError('broken.mjs', 'X', dir)
    expect(err.code).toBe('ImportFailed')
    expect(err.message).toContain(join(dir, 'broken.mjs'))
  })

  it('turns init returning false or throwing into an error naming the plugin', async () => {
    const engine = createEngine()
    const { logger } = createMemoryLogger()
    const refuses = await loadPlugin(greeterPath, 'refuses')
    expect(() => initPlugin('refuser', refuses.plugin, engine, logger)).toThrow(PluginInitError)
    expect(() => initPlugin('refuser', refuses.plugin, engine, logger)).toThrow(
      /plugin "refuser" refused to start \(init returned false\)/,
    )
    const explodes = await loadPlugin(greeterPath, 'explodes')
    expect(() => initPlugin('boom', explodes.plugin, engine, logger)).toThrow(
      /plugin "boom" failed in init: no licence key/,
    )
  })

  it('loads a real third-party plugin whose host function a wasm guest then calls', async () => {
    const engine = createEngine()
    const { logger, records } = createMemoryLogger('host')
    const loaded = await loadPlugin('plugins/greeter-plugin.mjs', 'GreeterPlugin', fixturePath('.'))
    expect(loaded.path).toBe(greeterPath)
    initPlugin('greeter', loaded.plugin, engine, logger)
    expect(records).toContainEqual(
      expect.objectContaining({ source: 'plugin:greeter', message: 'greeter plugin ready' }),
    )
    const compiled = await engine.compile(
      await assembleFixture('greeter-guest'),
      'greeter-guest.wat',
    )
    const guestLog = createMemoryLogger('greeter-guest')
    const guest = engine.instantiate(compiled, {
      serviceName: 'greeter-guest',
      logger: guestLog.logger,
    })
    expect(guest.start()).toEqual({ kind: 'exited', code: 0 })
    expect(guestLog.records.map((r) => r.message)).toEqual(['hello, world (from greeter-guest)'])
  })
})
