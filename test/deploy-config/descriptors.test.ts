// `deployment.descriptors`: the FileDescriptorSet files the Studio decodes queue payloads with.
// Parsed, schema-checked and (on disk) checked to exist like the other path keys.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { schemaAt } from '../../src/shared/deploy-config/schema'
import { formatDiagnostic, loadDeployConfig } from '../../src/main/runner/load-config'
import { REPO_ROOT } from '../helpers/asc'
import { diagnose, parseText, SERVICE } from './helpers'

/** The smallest valid WebAssembly module: magic number and version 1. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

describe('deployment.descriptors', () => {
  it('resolves each path against the file folder, in file order; absent is []', () => {
    const { config, diagnostics } = parseText(
      `[deployment]\ndescriptors = ["build/b.binpb", "/abs/a.binpb", "../c.binpb"]\n${SERVICE}`,
    )
    expect(diagnostics).toEqual([])
    expect(config?.descriptors).toEqual([
      '/project/app/build/b.binpb',
      '/abs/a.binpb',
      '/project/c.binpb',
    ])
    expect(parseText(SERVICE).config?.descriptors).toEqual([])
  })

  it('is described for hover and completion, with its items', () => {
    expect(schemaAt(['deployment', 'descriptors'])?.description).toContain('FileDescriptorSet')
    expect(schemaAt(['deployment', 'descriptors'])?.type).toBe('array')
    expect(schemaAt(['deployment', 'descriptors', 0])?.examples).toEqual([
      'build/descriptors.binpb',
    ])
  })

  it('reports a wrong type, an empty path, a repeat and a non-string at the value', () => {
    expect(diagnose(`[deployment]\ndescriptors = "d.binpb"\n${SERVICE}`)).toEqual([
      '2:15 error [deployment.descriptors] `descriptors` must be an array, got string "d.binpb"',
    ])
    expect(diagnose(`[deployment]\ndescriptors = ["a", "", "a", 3]\n${SERVICE}`)).toEqual([
      '2:21 error [deployment.descriptors[1]] `descriptors[1]` must not be empty',
      '2:25 error [deployment.descriptors[2]] `descriptors[2]` repeats string "a", already listed at `descriptors[0]`',
      '2:30 error [deployment.descriptors[3]] `descriptors[3]` must be a string, got integer 3',
    ])
  })

  it('on disk: a missing file and a directory are reported at their entry, with the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-descriptors-'))
    writeFileSync(join(dir, 'a.wasm'), EMPTY_MODULE)
    writeFileSync(join(dir, 'good.binpb'), '')
    mkdirSync(join(dir, 'sub'))
    const file = join(dir, 'app.toml')
    writeFileSync(
      file,
      [
        '[deployment]',
        'descriptors = ["good.binpb", "build/none.binpb",',
        '  "sub"]',
        '[services.a]',
        'wasm = "a.wasm"',
        '',
      ].join('\n'),
    )
    const { config, diagnostics } = await loadDeployConfig(file)
    expect(config).toBeUndefined()
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `${file}:2:30: error: descriptor set ${join(dir, 'build/none.binpb')} does not exist (relative paths resolve against ${dir}) [deployment.descriptors[1]]`,
      `${file}:3:3: error: descriptor set ${join(dir, 'sub')} is not a file [deployment.descriptors[2]]`,
    ])
  })

  it('`parigot validate` prints the missing file as file:line:column with the key and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-descriptors-'))
    writeFileSync(join(dir, 'a.wasm'), EMPTY_MODULE)
    const file = join(dir, 'app.toml')
    writeFileSync(
      file,
      '[deployment]\ndescriptors = ["build/descriptors.binpb"]\n[services.a]\nwasm = "a.wasm"\n',
    )
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'validate', file],
      { encoding: 'utf8' },
    )
    expect(run.stderr.trim()).toBe(
      `${file}:2:16: error: descriptor set ${join(dir, 'build/descriptors.binpb')} does not exist (relative paths resolve against ${dir}) [deployment.descriptors[0]]`,
    )
    expect(run.status).toBe(2)
  })
})
