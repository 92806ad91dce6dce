// Every hostile guest path is refused with InvalidPathError by every path-taking function, the
// refusal is logged with the path and the rule, and nothing outside the root changes on disk.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FileErr } from '../../../src/shared/gen/parigot/file/v1/file_pb'
import { startFileGuest } from '../../fixtures/file/harness'
import type { FileGuest } from '../../fixtures/file/harness'
import { makeScratch } from './env'
import type { Scratch } from './env'

let s: Scratch
let g: FileGuest

/** Path, type, size, mtime and content of everything under `dir` (symlinks not followed). */
function snapshot(dir: string): string {
  const lines: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      const st = lstatSync(p)
      const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file'
      const body = st.isFile() ? readFileSync(p, 'utf8') : ''
      lines.push(`${p} ${kind} ${st.size} ${st.mtimeMs} ${st.mode} ${body}`)
      if (kind === 'dir') walk(p)
    }
  }
  walk(dir)
  return lines.join('\n')
}

beforeAll(async () => {
  s = makeScratch()
  g = await startFileGuest(s.dataDir)
  writeFileSync(join(s.outside, 'secret.txt'), 'secret')
  mkdirSync(join(s.outside, 'sub'))
  // Planted by someone with host access: links inside the root that lead out of it.
  symlinkSync(s.outside, join(s.root, 'escape'))
  symlinkSync(join(s.outside, 'secret.txt'), join(s.root, 'link.txt'))
  symlinkSync(join(s.outside, 'not-yet.txt'), join(s.root, 'dangling.txt'))
  mkdirSync(join(s.root, 'inner'))
  symlinkSync('../../../outside', join(s.root, 'inner', 'up'))
  // A sibling of the root whose name extends the root's: /parigot/application must not reach it.
  mkdirSync(join(s.dataDir, 'application'))
})
afterAll(() => s.cleanup())

const deep = (n: number): string =>
  '/parigot/app/' + Array.from({ length: n }, (_, i) => `d${i}`).join('/') + '/f.txt'

const controlChars = [
  ...Array.from({ length: 31 }, (_, i) => i + 1),
  0x7f,
  ...Array.from({ length: 32 }, (_, i) => 0x80 + i),
]

const cases: [string, string][] = [
  ['parent segment', '/parigot/app/../outside/secret.txt'],
  ['double parent', '/parigot/app/../../outside/secret.txt'],
  ['parent after a name', '/parigot/app/a/../../outside/x'],
  ['parent as the last name', '/parigot/app/..'],
  ['parent with a trailing slash', '/parigot/app/../'],
  ['dot segment', '/parigot/app/./x'],
  ['dot as the last name', '/parigot/app/.'],
  ['three dots', '/parigot/app/...'],
  ['dots inside the last name', '/parigot/app/x..y'],
  ['dot in a directory name', '/parigot/app/a.b/c'],
  ['encoded dots', '/parigot/app/%2e%2e/outside/secret.txt'],
  ['encoded dots upper case', '/parigot/app/%2E%2E/outside'],
  ['encoded slash', '/parigot/app/..%2foutside'],
  ['encoded NUL', '/parigot/app/x%00.txt'],
  ['double-encoded dots', '/parigot/app/%252e%252e/x'],
  ['symlink directory escape (existing file)', '/parigot/app/escape/secret.txt'],
  ['symlink directory escape (new file)', '/parigot/app/escape/new.txt'],
  ['symlink directory escape (new directory)', '/parigot/app/escape/sub/deeper/new.txt'],
  ['relative symlink escape', '/parigot/app/inner/up/secret.txt'],
  ['symlink file escape', '/parigot/app/link.txt'],
  ['dangling symlink pointing outside', '/parigot/app/dangling.txt'],
  ['absolute host path', '/etc/passwd'],
  ['absolute path of the outside directory', '@outside/secret.txt'],
  ['relative path', 'parigot/app/x'],
  ['empty path', ''],
  ['NUL', '/parigot/app/x\0y'],
  ['NUL before an escape', '/parigot/app/x\0/../../outside'],
  ['backslash', '/parigot/app\\x'],
  ['backslash traversal', '/parigot/app/a\\..\\..\\outside'],
  ['prefix trick: application', '/parigot/application/x'],
  ['prefix trick: appx', '/parigot/appx/y'],
  ['no trailing slash', '/parigot/app'],
  ['double leading slash', '//parigot/app/x'],
  ['upper case prefix', '/PARIGOT/app/x'],
  ['name over 255 bytes', '/parigot/app/' + 'a'.repeat(256)],
  ['name over 255 bytes in UTF-8', '/parigot/app/' + 'é'.repeat(128)],
  ['path over 1024 bytes', '/parigot/app/' + 'd/'.repeat(600) + 'f'],
  ['too many parts (23)', deep(19)],
  ['too many parts (100)', deep(96)],
  ['plugin temporary name', '/parigot/app/.parigot-tmp-1-abcdef'],
  ['replacement character', '/parigot/app/x\ufffd'],
  ['shell dollar', '/parigot/app/$HOME'],
  ['shell backtick', '/parigot/app/`id`'],
  ['shell semicolon', '/parigot/app/a;rm'],
  ['shell pipe', '/parigot/app/a|b'],
  ['quote', "/parigot/app/a'b"],
  ['glob', '/parigot/app/*'],
  ...controlChars.map((c): [string, string] => [
    `control character U+${c.toString(16).padStart(4, '0')}`,
    `/parigot/app/a${String.fromCharCode(c)}b`,
  ]),
]

describe('hostile guest paths', () => {
  it('the table has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30)
  })

  it.each(cases)('%s is refused everywhere and nothing outside changes', (label, given) => {
    const path = given.replace('@outside', s.outside)
    const before = snapshot(s.outside)
    const siblingBefore = snapshot(s.dataDir.replace(/data$/, ''))
    g.records.length = 0
    expect(g.create(path, 'pwned').code).toBe(FileErr.InvalidPathError)
    expect(g.open(path).code).toBe(FileErr.InvalidPathError)
    expect(g.stat(path).code).toBe(FileErr.InvalidPathError)
    expect(g.delete(path).code).toBe(FileErr.InvalidPathError)
    expect(g.loadTestData('.', path, true).code).toBe(FileErr.InvalidPathError)
    const refusals = g.records.filter((r) => r.message.includes('invalid path'))
    expect(refusals.length).toBeGreaterThanOrEqual(5)
    const shown = JSON.stringify(path.length > 200 ? path.slice(0, 200) : path).slice(0, -1)
    expect(refusals[0]!.message).toContain(shown)
    expect(refusals[0]!.message).toMatch(/: [^:]+$/)
    if (label.includes('symlink')) expect(refusals[0]!.message).toContain('symlink')
    expect(snapshot(s.outside)).toBe(before)
    expect(snapshot(s.dataDir.replace(/data$/, ''))).toBe(siblingBefore)
    expect(existsSync(join(s.outside, 'new.txt'))).toBe(false)
    expect(existsSync(join(s.outside, 'not-yet.txt'))).toBe(false)
  })

  it('a symlink inside the root that stays inside the root is followed', () => {
    mkdirSync(join(s.root, 'real'), { recursive: true })
    symlinkSync(join(s.root, 'real'), join(s.root, 'alias'))
    const c = g.create('/parigot/app/alias/ok.txt', 'fine')
    expect(c.code).toBe(FileErr.NoError)
    expect(g.close(c.res.id).code).toBe(FileErr.NoError)
    expect(readFileSync(join(s.root, 'real', 'ok.txt'), 'utf8')).toBe('fine')
    // A file link to inside: open and stat follow it, delete removes the link, not the target.
    symlinkSync(join(s.root, 'real', 'ok.txt'), join(s.root, 'ok-link.txt'))
    const o = g.open('/parigot/app/ok-link.txt')
    expect(Buffer.from(g.read(o.res.id, 10).res.data).toString()).toBe('fine')
    expect(g.close(o.res.id).code).toBe(FileErr.NoError)
    expect(g.stat('/parigot/app/ok-link.txt').res.fileInfo?.size).toBe(4)
    expect(g.delete('/parigot/app/ok-link.txt').code).toBe(FileErr.NoError)
    expect(existsSync(join(s.root, 'ok-link.txt'))).toBe(false)
    expect(readFileSync(join(s.root, 'real', 'ok.txt'), 'utf8')).toBe('fine')
  })

  it('load_test_data refuses host directories outside the data directory', () => {
    symlinkSync(s.outside, join(s.dataDir, 'evil'))
    const before = snapshot(s.outside)
    for (const dir of ['../outside', '/etc', s.outside, 'evil', 'a/../../outside', 'x\0y']) {
      expect(g.loadTestData(dir, '/parigot/app/stolen', true).code).toBe(FileErr.InvalidPathError)
    }
    expect(existsSync(join(s.root, 'stolen'))).toBe(false)
    expect(snapshot(s.outside)).toBe(before)
  })
})
