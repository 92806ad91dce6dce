import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { formatDiagnostic, loadDeployConfig } from '../../src/main/runner/load-config'
import { brief } from './helpers'

const VALID = fileURLToPath(new URL('../fixtures/deploy-config/valid/', import.meta.url))

describe('loadDeployConfig', () => {
  it('loads the full example with paths resolved against its folder', async () => {
    const file = join(VALID, 'helloworld.toml')
    const { config, diagnostics } = await loadDeployConfig(file)
    expect(diagnostics).toEqual([])
    expect(config).toEqual({
      file,
      name: 'helloworld',
      dataDir: join(VALID, 'data'),
      logLevel: 'debug',
      limits: { launchTimeoutMs: 5000, callTimeoutMs: 2500, inboundQueue: 64, memoryLimitMb: 256 },
      stopGraceMs: 500,
      placement: 'manual',
      services: [
        {
          name: 'greeting',
          wasm: join(VALID, 'build/greeting.wasm'),
          role: 'server',
          args: ['--verbose', '--name=héllo'],
          env: { GREETING: 'hello', LANG: 'fr_FR.UTF-8' },
          plugins: [
            { name: 'file', builtin: 'file', settings: { maxOpenFiles: 16 } },
            { name: 'queue', builtin: 'queue', settings: { synchronous: 'FULL' } },
            {
              name: 'metrics',
              path: join(VALID, 'plugins/metrics.mjs'),
              symbol: 'MetricsPlugin',
              settings: { interval_ms: 1000, tags: ['a', 'b'] },
            },
          ],
        },
        {
          name: 'client',
          wasm: join(VALID, 'build/client.wasm'),
          role: 'main',
          args: [],
          env: {},
          plugins: [],
        },
      ],
      descriptors: [],
    })
  })

  it('names the deployment after the file by default', async () => {
    const { config } = await loadDeployConfig(join(VALID, 'minimal.toml'))
    expect(config?.name).toBe('minimal')
    expect(config?.dataDir).toBe(join(VALID, '.parigot-data/minimal'))
  })

  it('reports missing files and directories at the key', async () => {
    const file = join(VALID, 'missing-files.toml')
    const { config, diagnostics } = await loadDeployConfig(file)
    expect(config).toBeUndefined()
    expect(diagnostics.map(brief)).toEqual([
      `2:8 error [services.greeting.wasm] wasm file ${join(VALID, 'build/nope.wasm')} does not exist (relative paths resolve against ${VALID.replace(/\/$/, '')})`,
      `5:8 error [services.dir.wasm] wasm file ${join(VALID, 'build/dir.wasm')} is not a file`,
      `8:8 error [services.dir.plugin.metrics.path] plugin module ${join(VALID, 'plugins/nope.mjs')} does not exist (relative paths resolve against ${VALID.replace(/\/$/, '')})`,
    ])
    expect(diagnostics.every((d) => d.file === file)).toBe(true)
  })

  it('checks files on disk even when other keys have errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-config-'))
    const file = join(dir, 'app.toml')
    writeFileSync(file, '[services.a]\nwasm = "a.wasm"\nrole = "boss"\n')
    const { diagnostics } = await loadDeployConfig(file)
    expect(diagnostics.map(brief)).toEqual([
      `2:8 error [services.a.wasm] wasm file ${join(dir, 'a.wasm')} does not exist (relative paths resolve against ${dir})`,
      '3:8 error [services.a.role] `role` must be one of "server", "main", "test", got string "boss"',
    ])
  })

  it('reports a missing config file at 1:1 naming the path', async () => {
    const file = join(VALID, 'absent.toml')
    const { config, diagnostics } = await loadDeployConfig(file)
    expect(config).toBeUndefined()
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${file}:1:1: error: deploy config ${file} does not exist`,
    ])
  })

  it('reports a directory given as config at 1:1', async () => {
    const dir = join(VALID, 'build')
    const { diagnostics } = await loadDeployConfig(dir)
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${dir}:1:1: error: deploy config ${dir} is a directory, expected a TOML file`,
    ])
  })

  it('reports syntax errors of the file with its absolute path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-config-'))
    const file = join(dir, 'bad.toml')
    writeFileSync(file, '[services.a\n')
    const { diagnostics } = await loadDeployConfig(file)
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ file, line: 1, key: '', severity: 'error' })
    expect(diagnostics[0]?.message).toMatch(/^invalid TOML: /)
  })
})
