// What `validate` checks on disk, as `run` relies on it: data_dir a folder (or creatable) and
// not a system folder, wasm a regular file with the WebAssembly magic number, plugins .js/.mjs;
// every file-system error a diagnostic naming the key and the path.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDeployConfig } from '../../src/main/runner/load-config'

const MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-hardening-'))
  writeFileSync(join(dir, 'a.wasm'), MODULE)
  writeFileSync(join(dir, 'text.wasm'), 'hello')
  writeFileSync(join(dir, 'plugin.txt'), 'export const plugin = {}')
  writeFileSync(join(dir, 'plugin.mjs'), 'export const plugin = {}')
  writeFileSync(join(dir, 'file'), 'x')
  mkdirSync(join(dir, 'data'))
  return dir
}

async function problems(dir: string, toml: string): Promise<Record<string, string>> {
  const file = join(dir, 'deploy.toml')
  writeFileSync(file, toml)
  const { diagnostics } = await loadDeployConfig(file)
  return Object.fromEntries(diagnostics.map((d) => [d.key, d.message]))
}

describe('deploy config on disk', () => {
  it.each([
    ['/', 'is a system folder'],
    ['/proc', 'is a system folder'],
    ['/proc/self', 'is a system folder'],
    ['/sys/kernel', 'is a system folder'],
    ['/dev', 'is a system folder'],
    ['/dev/shm/x', 'is a system folder'],
    ['file', 'is not a folder'],
    ['file/below', 'cannot be created'],
    ['/etc/passwd', 'is not a folder'],
  ])('refuses data_dir = %j (%s)', async (dataDir, expected) => {
    const dir = workspace()
    const found = await problems(
      dir,
      `[deployment]\ndata_dir = ${JSON.stringify(dataDir)}\n[services.a]\nwasm = "a.wasm"\n`,
    )
    expect(found['deployment.data_dir']).toContain(expected)
  })

  it('accepts a data_dir that exists or can be created', async () => {
    const dir = workspace()
    for (const dataDir of ['data', 'data/new/deeper', 'fresh'])
      expect(
        await problems(
          dir,
          `[deployment]\ndata_dir = "${dataDir}"\n[services.a]\nwasm = "a.wasm"\n`,
        ),
      ).toEqual({})
  })

  it.each([
    ['text.wasm', 'is not a WebAssembly module'],
    ['/proc/self/mem', 'cannot be read: EIO'],
    ['/dev/zero', 'is not a file'],
    ['data', 'is not a file'],
    ['missing.wasm', 'does not exist'],
  ])('refuses wasm = %j (%s)', async (wasm, expected) => {
    const dir = workspace()
    const found = await problems(dir, `[services.a]\nwasm = ${JSON.stringify(wasm)}\n`)
    expect(found['services.a.wasm']).toContain(expected)
  })

  it('refuses a plugin that is not a .js or .mjs module, and accepts one that is', async () => {
    const dir = workspace()
    const plugin = (path: string) =>
      `[services.a]\nwasm = "a.wasm"\n[services.a.plugin.p]\npath = "${path}"\nsymbol = "plugin"\n`
    expect((await problems(dir, plugin('plugin.txt')))['services.a.plugin.p.path']).toContain(
      'must be a JavaScript module (.js or .mjs)',
    )
    expect(await problems(dir, plugin('plugin.mjs'))).toEqual({})
  })
})
