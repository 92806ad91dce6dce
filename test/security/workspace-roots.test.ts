// File access has roots: a table of hostile paths against the built `parigot serve --root`,
// through config.read, deployment.open, config.validate (reads) and config.save (writes). Nothing
// outside the root is read, created or replaced; an outside path gets the same answer whether or
// not it exists; and a config's own files must lie inside the root too.
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BridgeResponse, ConfigText } from '../../src/shared/bridge/contract'
import type { TestClient } from '../studio/helpers'
import { serveStudio } from './serve-process'
import type { ServedStudio } from './serve-process'

let base: string
let root: string
let outside: string
let studio: ServedStudio
let client: TestClient

const SECRET = 'TOP-SECRET-OUTSIDE'
const CONFIG = '[services.a]\nwasm = "a.wasm"\nrole = "main"\n'

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'studio-roots-'))
  root = join(base, 'root')
  outside = join(base, 'outside')
  await mkdir(join(root, 'sub', 'dir.toml'), { recursive: true })
  await mkdir(join(base, 'root-evil'), { recursive: true })
  await mkdir(outside, { recursive: true })
  await writeFile(join(outside, 'secret.toml'), `# ${SECRET}\n`)
  await writeFile(join(base, 'root-evil', 'x.toml'), `# ${SECRET}\n`)
  await writeFile(join(root, 'deploy.toml'), CONFIG)
  await writeFile(join(root, 'sub', 'ok.toml'), CONFIG)
  await symlink('/etc/passwd', join(root, 'passwd.toml'))
  await symlink(join(outside, 'secret.toml'), join(root, 'link-outside.toml'))
  await symlink(outside, join(root, 'linkdir'))
  await symlink(join(outside, 'not-yet.toml'), join(root, 'dangling.toml'))
  await symlink(join(root, 'deploy.toml'), join(root, 'inner-link.toml'))
  await symlink('/dev/null', join(root, 'null.toml'))
  await symlink('/dev/zero', join(root, 'zero.toml'))
  execFileSync('mkfifo', [join(root, 'fifo.toml')])
  studio = await serveStudio(['--root', root])
  client = await studio.connect()
}, 90_000)

afterAll(async () => {
  client?.close()
  await studio?.stop()
})

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

/** [name, path, how a read must fail, how a write must fail]; 'ok' = allowed. */
type Case = readonly [string, () => string, string, string]

const CASES: readonly Case[] = [
  ['absolute system file', () => '/etc/passwd', 'invalid-params', 'invalid-params'],
  ['absolute system .toml', () => '/etc/parigot-probe.toml', 'forbidden', 'forbidden'],
  ['cron drop-in', () => '/etc/cron.d/x.toml', 'forbidden', 'forbidden'],
  ['tmp', () => join(tmpdir(), 'x.toml'), 'forbidden', 'forbidden'],
  ['dot-dot out', () => `${root}/../outside/secret.toml`, 'forbidden', 'forbidden'],
  ['dot-dot deep', () => `${root}/sub/../../outside/secret.toml`, 'forbidden', 'forbidden'],
  ['dot-dot to new', () => `${root}/../outside/new.toml`, 'forbidden', 'forbidden'],
  ['dot segment', () => `${root}/./../outside/secret.toml`, 'forbidden', 'forbidden'],
  ['double slash', () => '//etc//parigot-probe.toml', 'forbidden', 'forbidden'],
  ['prefix sibling', () => `${root}-evil/x.toml`, 'forbidden', 'forbidden'],
  ['encoded dot-dot', () => `${root}/%2e%2e/outside/secret.toml`, 'not-found', 'not-found'],
  ['encoded slash', () => `${root}/..%2f..%2fetc%2fpasswd.toml`, 'not-found', 'ok'],
  ['two-dot leader', () => `${root}/\u2025/x.toml`, 'not-found', 'not-found'],
  ['symlinked file to /etc/passwd', () => join(root, 'passwd.toml'), 'forbidden', 'forbidden'],
  ['symlinked file outside', () => join(root, 'link-outside.toml'), 'forbidden', 'forbidden'],
  ['symlinked parent', () => join(root, 'linkdir', 'secret.toml'), 'forbidden', 'forbidden'],
  ['symlinked parent, new file', () => join(root, 'linkdir', 'new.toml'), 'forbidden', 'forbidden'],
  ['dangling link outside', () => join(root, 'dangling.toml'), 'forbidden', 'forbidden'],
  ['link inside the root', () => join(root, 'inner-link.toml'), 'ok', 'invalid-params'],
  ['device via link', () => join(root, 'null.toml'), 'forbidden', 'forbidden'],
  ['zero device via link', () => join(root, 'zero.toml'), 'forbidden', 'forbidden'],
  ['device', () => '/dev/zero.toml', 'forbidden', 'forbidden'],
  ['proc', () => '/proc/self/environ.toml', 'forbidden', 'forbidden'],
  ['fifo inside', () => join(root, 'fifo.toml'), 'io', 'ok'],
  ['folder named .toml', () => join(root, 'sub', 'dir.toml'), 'io', 'io'],
  ['through a file', () => '/etc/passwd/x.toml', 'forbidden', 'forbidden'],
  ['missing folder inside', () => join(root, 'new-dir', 'x.toml'), 'not-found', 'not-found'],
  ['relative', () => 'deploy.toml', 'invalid-params', 'invalid-params'],
  ['home tilde', () => '~/x.toml', 'invalid-params', 'invalid-params'],
  ['file URL', () => 'file:///etc/x.toml', 'invalid-params', 'invalid-params'],
  ['windows drive', () => 'C:\\x.toml', 'invalid-params', 'invalid-params'],
  ['NUL', () => `${root}/deploy.toml\0.toml`, 'invalid-params', 'invalid-params'],
  ['NUL outside', () => `/etc/passwd\0.toml`, 'invalid-params', 'invalid-params'],
  ['long name', () => join(root, `${'a'.repeat(300)}.toml`), 'io', 'io'],
  [
    'over the contract limit',
    () => `/${'a/'.repeat(2100)}x.toml`,
    'invalid-params',
    'invalid-params',
  ],
  ['empty', () => '', 'invalid-params', 'invalid-params'],
  ['upper-case extension outside', () => '/etc/X.TOML', 'forbidden', 'forbidden'],
  ['a file inside', () => join(root, 'sub', 'ok.toml'), 'ok', 'ok'],
]

function outcome(response: BridgeResponse): string {
  return response.ok ? 'ok' : response.error.code
}

describe('workspace roots', () => {
  it(`answers ${CASES.length} hostile paths for reading as the table says`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30)
    const failures: string[] = []
    for (const [name, path, read] of CASES) {
      const file = path()
      for (const method of ['config.read', 'deployment.open'] as const) {
        const response = await client.request(method, { file })
        if (outcome(response) !== read)
          failures.push(`${method} ${name}: expected ${read}, got ${JSON.stringify(response)}`)
        if (
          JSON.stringify(response).includes(SECRET) ||
          JSON.stringify(response).includes('root:x:0')
        )
          failures.push(`${method} ${name}: leaked content`)
      }
      // Validating text "as if at" a path says what is next to it: the same rule.
      const validated = await client.request('config.validate', { file, text: CONFIG })
      const expected = read === 'io' || read === 'not-found' ? 'ok' : read
      if (outcome(validated) !== expected)
        failures.push(
          `config.validate ${name}: expected ${expected}, got ${JSON.stringify(validated)}`,
        )
    }
    expect(failures).toEqual([])
  })

  it('answers the same table for writing, creating and replacing nothing outside the root', async () => {
    const before = listing(base).filter((p) => !p.startsWith('root'))
    const failures: string[] = []
    for (const [name, path, , write] of CASES) {
      const file = path()
      const response = await client.request('config.save', { file, text: `# saved ${name}\n` })
      if (outcome(response) !== write)
        failures.push(`config.save ${name}: expected ${write}, got ${JSON.stringify(response)}`)
    }
    expect(failures).toEqual([])
    expect(listing(base).filter((p) => !p.startsWith('root'))).toEqual(before)
    expect(readFileSync(join(outside, 'secret.toml'), 'utf8')).toContain(SECRET)
    expect(existsSync('/etc/parigot-probe.toml')).toBe(false)
    expect(existsSync(join(outside, 'not-yet.toml'))).toBe(false)
    // Links stay links; no folder was created for a missing one.
    for (const link of ['passwd.toml', 'link-outside.toml', 'inner-link.toml', 'dangling.toml'])
      expect(lstatSync(join(root, link)).isSymbolicLink(), link).toBe(true)
    expect(existsSync(join(root, 'new-dir'))).toBe(false)
    expect(readFileSync(join(root, 'deploy.toml'), 'utf8')).toBe(CONFIG)
  })

  it('answers an outside path alike whether or not it exists', async () => {
    const pairs: [string, string][] = [
      [join(outside, 'secret.toml'), join(outside, 'no-such.toml')],
      ['/etc/passwd.toml', '/etc/no-such-file-here.toml'],
      [join(root, 'link-outside.toml'), join(root, 'dangling.toml')],
    ]
    for (const [exists, missing] of pairs) {
      for (const method of ['config.read', 'deployment.open', 'config.validate'] as const) {
        const params = (file: string) =>
          method === 'config.validate' ? { file, text: CONFIG } : { file }
        const a = await client.request(method, params(exists))
        const b = await client.request(method, params(missing))
        expect(!a.ok && a.error.message.replace(exists, 'P'), method).toBe(
          !b.ok && b.error.message.replace(missing, 'P'),
        )
      }
    }
  })

  it("checks a config's own files against the roots, without saying whether they exist", async () => {
    const text = [
      '[deployment]',
      'data_dir = "/etc"',
      'descriptors = ["/etc/shadow", "/etc/no-such-descriptors.binpb"]',
      '[services.a]',
      'wasm = "/etc/shadow"',
      'role = "main"',
      '[services.b]',
      'wasm = "/etc/no-such.wasm"',
      '[services.b.plugin.x]',
      'path = "/usr/lib/node_modules/npm/index.js"',
      'symbol = "plugin"',
      '',
    ].join('\n')
    const validated = await client.call<{ diagnostics: ConfigText['diagnostics'] }>(
      'config.validate',
      { file: join(root, 'deploy.toml'), text },
    )
    const byKey = Object.fromEntries(validated.diagnostics.map((d) => [d.key, d.message]))
    expect(byKey['deployment.data_dir']).toBe('data_dir /etc is outside the workspace roots')
    expect(byKey['services.a.wasm']).toBe('wasm file /etc/shadow is outside the workspace roots')
    expect(byKey['services.b.wasm']).toBe(
      'wasm file /etc/no-such.wasm is outside the workspace roots',
    )
    expect(byKey['deployment.descriptors[0]']).toMatch(/outside the workspace roots$/)
    expect(byKey['deployment.descriptors[1]']).toMatch(/outside the workspace roots$/)
    expect(byKey['services.b.plugin.x.path']).toMatch(/outside the workspace roots$/)
    // Saved and opened, the same config is invalid: it cannot be run.
    await client.call('config.save', { file: join(root, 'outward.toml'), text })
    const opened = await client.call<ConfigText>('deployment.open', {
      file: join(root, 'outward.toml'),
    })
    expect(opened.diagnostics.some((d) => d.message.endsWith('outside the workspace roots'))).toBe(
      true,
    )
    const run = await client.request('deployment.run')
    expect(run.ok && (run.result as { state: string }).state).toBe('invalid')
  })
})
