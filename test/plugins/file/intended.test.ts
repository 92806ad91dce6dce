// The reference's file bugs (parigot-reference.md section 10 item 15) and the plugin's own
// guarantees: each test pins the intended behaviour on real files.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { create } from '@bufbuild/protobuf'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../../src/main/engine'
import { FilePlugin } from '../../../src/main/plugins/file/plugin'
import { FileErr } from '../../../src/shared/gen/parigot/file/v1/file_pb'
import { IdRawSchema } from '../../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { fileURLToPath } from 'node:url'
import { FileGuest, startFileGuest } from '../../fixtures/file/harness'
import { assembleWat } from '../../helpers/wat'
import { makeScratch } from './env'
import type { Scratch } from './env'

let s: Scratch
let g: FileGuest

beforeEach(async () => {
  s = makeScratch()
  g = await startFileGuest(s.dataDir)
})
afterEach(() => s.cleanup())

function makeFile(path: string, content: string | Uint8Array, guest = g): IdRaw {
  const c = guest.create(path, typeof content === 'string' ? content : '')
  expect(c.code).toBe(FileErr.NoError)
  if (typeof content !== 'string') expect(guest.write(c.res.id, content).code).toBe(0)
  expect(guest.close(c.res.id).code).toBe(FileErr.NoError)
  return c.res.id!
}

function readWhole(path: string, chunk = 4096, guest = g): { data: Buffer; code: number } {
  const o = guest.open(path)
  expect(o.code).toBe(FileErr.NoError)
  const all = guest.readAll(o.res.id, chunk)
  expect(guest.close(o.res.id).code).toBe(FileErr.NoError)
  return all
}

const tempFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => n.includes('.parigot-tmp-'))

describe('fixes over the reference', () => {
  it('create of an existing file truncates it (the reference appended)', () => {
    makeFile('/parigot/app/t.txt', 'a long first version')
    makeFile('/parigot/app/t.txt', 'short')
    expect(readWhole('/parigot/app/t.txt').data.toString()).toBe('short')
  })

  it('create of a file that exists on disk but is unknown to this guest reports truncated', () => {
    writeFileSync(join(s.root, 'pre.txt'), 'old')
    const c = g.create('/parigot/app/pre.txt', 'new')
    expect(c.res.truncated).toBe(true)
    expect(g.close(c.res.id).code).toBe(0)
    expect(readFileSync(join(s.root, 'pre.txt'), 'utf8')).toBe('new')
  })

  it('paths are looked up by their clean form (the reference used the raw one)', () => {
    const c = g.create('/parigot/app//dir//x.txt/', 'v')
    expect(c.res.path).toBe('/parigot/app/dir/x.txt')
    expect(g.create('/parigot/app/dir/x.txt').code).toBe(FileErr.AlreadyInUseError)
    expect(g.close(c.res.id).code).toBe(0)
    expect(g.open('/parigot/app/dir//x.txt').res.id).toEqual(c.res.id)
  })

  it('open reads the content, and read returns the bytes (the reference read the path, lost the bytes)', () => {
    makeFile('/parigot/app/c.txt', 'the content')
    expect(readWhole('/parigot/app/c.txt').data.toString()).toBe('the content')
  })

  it('delete forgets the file: open is NotExistError and a new create gets a new id', () => {
    const id = makeFile('/parigot/app/gone.txt', 'x')
    expect(g.delete('/parigot/app/gone.txt').code).toBe(0)
    expect(g.open('/parigot/app/gone.txt').code).toBe(FileErr.NotExistError)
    const again = g.create('/parigot/app/gone.txt', 'y')
    expect(again.res.id).not.toEqual(id)
  })

  it('delete removes directories left empty, up to the root', () => {
    makeFile('/parigot/app/a/b/c/f.txt', 'x')
    makeFile('/parigot/app/a/keep.txt', 'x')
    expect(g.delete('/parigot/app/a/b/c/f.txt').code).toBe(0)
    expect(existsSync(join(s.root, 'a', 'b'))).toBe(false)
    expect(existsSync(join(s.root, 'a', 'keep.txt'))).toBe(true)
    expect(g.delete('/parigot/app/a/keep.txt').code).toBe(0)
    expect(existsSync(s.root)).toBe(true)
    expect(readdirSync(s.root)).toEqual([])
  })

  it('a failed open leaves nothing behind (the reference left the status at Read)', () => {
    expect(g.open('/parigot/app/none.txt').code).toBe(FileErr.NotExistError)
    const c = g.create('/parigot/app/none.txt', 'x')
    expect(c.code).toBe(FileErr.NoError)
  })

  it('stat of a directory uses real path components, not a string prefix', () => {
    makeFile('/parigot/app/foobar.txt', '12345')
    expect(g.stat('/parigot/app/foo').code).toBe(FileErr.NotExistError)
    makeFile('/parigot/app/foo/one.txt', '123')
    makeFile('/parigot/app/foo/deeper/two.txt', '1234567')
    const d = g.stat('/parigot/app/foo')
    expect(d.res.fileInfo?.isDir).toBe(true)
    expect(d.res.fileInfo?.size).toBe(10)
    expect(g.stat('/parigot/app/').res.fileInfo?.size).toBe(15)
  })

  it('stat reports times: create <= mod, directory mod time is the latest of its files', () => {
    makeFile('/parigot/app/d/one.txt', '1')
    const f = g.stat('/parigot/app/d/one.txt').res.fileInfo!
    const ms = (t: typeof f.modTime) => Number(t!.seconds) * 1000 + t!.nanos / 1e6
    expect(ms(f.createTime)).toBeLessThanOrEqual(ms(f.modTime) + 1)
    expect(Math.abs(ms(f.modTime) - Date.now())).toBeLessThan(60_000)
    const d = g.stat('/parigot/app/d').res.fileInfo!
    expect(ms(d.modTime)).toBeGreaterThanOrEqual(ms(f.modTime) - 1)
  })

  it('stat of an empty directory is a 0-byte directory', () => {
    mkdirSync(join(s.root, 'empty'))
    const d = g.stat('/parigot/app/empty')
    expect(d.code).toBe(0)
    expect(d.res.fileInfo?.isDir).toBe(true)
    expect(d.res.fileInfo?.size).toBe(0)
  })

  it('files live under <dataDir>/app whatever the working directory (no "parigot" cwd rule)', () => {
    makeFile('/parigot/app/here.txt', 'x')
    expect(readFileSync(join(s.dataDir, 'app', 'here.txt'), 'utf8')).toBe('x')
  })

  it('the root setting overrides where /parigot/app/ lives (relative to the data directory)', async () => {
    const other = await startFileGuest(s.dataDir, { root: 'elsewhere' }, 'other')
    makeFile('/parigot/app/o.txt', 'x', other)
    expect(existsSync(join(s.dataDir, 'elsewhere', 'o.txt'))).toBe(true)
  })
})

describe('visibility and atomicity', () => {
  it('a file being written is visible under its name only at close', async () => {
    makeFile('/parigot/app/v.txt', 'old')
    const other = await startFileGuest(s.dataDir, {}, 'other-worker')
    const c = g.create('/parigot/app/v.txt', 'new ')
    g.write(c.res.id, 'content')
    expect(readFileSync(join(s.root, 'v.txt'), 'utf8')).toBe('old')
    expect(readWhole('/parigot/app/v.txt', 100, other).data.toString()).toBe('old')
    expect(g.stat('/parigot/app/v.txt').res.fileInfo?.size).toBe(3)
    expect(g.stat('/parigot/app/').res.fileInfo?.size).toBe(3)
    expect(g.close(c.res.id).code).toBe(0)
    expect(readWhole('/parigot/app/v.txt', 100, other).data.toString()).toBe('new content')
    expect(tempFiles(s.root)).toEqual([])
  })

  it('a brand-new file does not exist for others until it is closed', async () => {
    const other = await startFileGuest(s.dataDir, {}, 'other-worker')
    const c = g.create('/parigot/app/fresh.txt', 'x')
    expect(other.open('/parigot/app/fresh.txt').code).toBe(FileErr.NotExistError)
    g.close(c.res.id)
    expect(other.open('/parigot/app/fresh.txt').code).toBe(FileErr.NoError)
  })

  it('a reader whose file is replaced by another writer gets ReadError, not a mix', async () => {
    makeFile('/parigot/app/r.txt', 'version one')
    const o = g.open('/parigot/app/r.txt')
    expect(g.read(o.res.id, 3).code).toBe(0)
    const other = await startFileGuest(s.dataDir, {}, 'other-worker')
    makeFile('/parigot/app/r.txt', 'VERSION TWO', other)
    expect(g.read(o.res.id, 3).code).toBe(FileErr.ReadError)
  })
})

describe('large files and limits', () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 123)
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff

  it('a 3 MiB file is written in 1 MiB writes and read back in chunks of several sizes', () => {
    const c = g.create('/parigot/app/big.bin')
    for (let off = 0; off < big.length; off += 1024 * 1024) {
      const w = g.write(c.res.id, big.subarray(off, off + 1024 * 1024))
      expect(w.code).toBe(0)
    }
    expect(g.close(c.res.id).code).toBe(0)
    expect(g.stat('/parigot/app/big.bin').res.fileInfo?.size).toBe(big.length)
    for (const chunk of [1024 * 1024, 70_001]) {
      const r = readWhole('/parigot/app/big.bin', chunk)
      expect(r.code).toBe(FileErr.EOFError)
      expect(r.data.equals(big)).toBe(true)
    }
  })

  it('a write over maxBufferBytes is LargeBufError, and so is create content', () => {
    const c = g.create('/parigot/app/l.txt')
    expect(g.write(c.res.id, new Uint8Array(1024 * 1024 + 1)).code).toBe(FileErr.LargeBufError)
    expect(g.create('/parigot/app/l2.txt', 'x'.repeat(1024 * 1024 + 1)).code).toBe(
      FileErr.LargeBufError,
    )
  })

  it('a read whose response exceeds the guest buffer is DataTooLarge, and the retry gets the same bytes', () => {
    makeFile(
      '/parigot/app/dt.bin',
      new Uint8Array(10_000).map((_, i) => i & 0xff),
    )
    const o = g.open('/parigot/app/dt.bin')
    const first = g.read(o.res.id, 8000, 4096)
    expect(first.code).toBe(FileErr.DataTooLarge)
    const needed = Number(first.ret >> 32n)
    expect(needed).toBeGreaterThan(8000)
    const retry = g.read(o.res.id, 8000, needed)
    expect(retry.code).toBe(0)
    expect(retry.res.data[0]).toBe(0)
    expect(retry.res.data[7999]).toBe(7999 & 0xff)
    expect(g.read(o.res.id, 8000).res.numRead).toBe(2000)
  })

  it('maxOpenFiles bounds the files in Write or Read; closing frees a slot', async () => {
    const small = await startFileGuest(s.dataDir, { maxOpenFiles: 2 }, 'small')
    const a = small.create('/parigot/app/a.txt')
    small.create('/parigot/app/b.txt')
    expect(small.create('/parigot/app/c.txt').code).toBe(FileErr.CreateError)
    makeFile('/parigot/app/d.txt', 'x')
    expect(small.open('/parigot/app/d.txt').code).toBe(FileErr.OpenError)
    expect(small.close(a.res.id).code).toBe(0)
    expect(small.create('/parigot/app/c.txt').code).toBe(0)
    expect(small.records.some((r) => r.message.includes('too many open files (limit 2)'))).toBe(
      true,
    )
  })

  it('maxPathParts is a setting', async () => {
    const few = await startFileGuest(s.dataDir, { maxPathParts: 5 }, 'few')
    expect(few.create('/parigot/app/a/b.txt').code).toBe(0)
    expect(few.create('/parigot/app/a/b/c.txt').code).toBe(FileErr.InvalidPathError)
  })

  it('bad settings make init fail with a log line', () => {
    for (const settings of [
      { maxOpenFiles: 0 },
      { maxBufferBytes: 'big' },
      { maxPathParts: 1.5 },
      { bogus: 1 },
      { root: '' },
    ]) {
      const { logger, records } = createMemoryLogger('x')
      const ok = FilePlugin.init(
        { name: 'file', logger, invokeAdapter, settings, dataDir: s.dataDir },
        createEngine(),
      )
      expect(ok).toBe(false)
      expect(records.some((r) => r.level === 'error')).toBe(true)
    }
  })
})

describe('directories and odd targets', () => {
  it('create on a directory is CreateError; open and delete of a directory are NotExistError', () => {
    mkdirSync(join(s.root, 'dir'))
    expect(g.create('/parigot/app/dir', 'x').code).toBe(FileErr.CreateError)
    expect(g.create('/parigot/app/', 'x').code).toBe(FileErr.CreateError)
    expect(g.open('/parigot/app/dir').code).toBe(FileErr.NotExistError)
    expect(g.delete('/parigot/app/dir').code).toBe(FileErr.NotExistError)
    expect(existsSync(join(s.root, 'dir'))).toBe(true)
  })

  it('a write whose temporary file vanished is WriteError; close of it too, and the old file stays', () => {
    makeFile('/parigot/app/w.txt', 'old')
    const c = g.create('/parigot/app/w.txt', 'new')
    for (const t of tempFiles(s.root)) unlinkSync(join(s.root, t))
    expect(g.write(c.res.id, 'more').code).toBe(FileErr.WriteError)
    expect(g.close(c.res.id).code).toBe(FileErr.WriteError)
    expect(readFileSync(join(s.root, 'w.txt'), 'utf8')).toBe('old')
  })

  it('a mistyped id (a service id) is NotExistError', () => {
    makeFile('/parigot/app/x.txt', 'x')
    const o = g.open('/parigot/app/x.txt')
    const wrongKind = create(IdRawSchema, {
      high: (o.res.id!.high & 0x00ffffffffffffffn) | (0x73n << 56n),
      low: o.res.id!.low,
    })
    expect(g.read(wrongKind, 1).code).toBe(FileErr.NotExistError)
    expect(g.close(wrongKind).code).toBe(FileErr.NotExistError)
    expect(g.read(undefined, 1).code).toBe(FileErr.NotExistError)
    expect(g.read(o.res.id, 1).code).toBe(0)
  })

  it('one worker cannot use the file ids of another', async () => {
    const other = await startFileGuest(s.dataDir, {}, 'other')
    const c = g.create('/parigot/app/mine.txt')
    expect(other.write(c.res.id, 'x').code).toBe(FileErr.NotExistError)
  })
})

describe('two guests in one engine', () => {
  it('each guest has its own table: ids and statuses do not cross', async () => {
    const engine = createEngine()
    const { logger, records } = createMemoryLogger('two')
    expect(
      FilePlugin.init(
        { name: 'file', logger, invokeAdapter, settings: {}, dataDir: s.dataDir },
        engine,
      ),
    ).toBe(true)
    const path = fileURLToPath(new URL('../../fixtures/file/file-guest.wat', import.meta.url))
    const compiled = await engine.compile(
      await assembleWat(readFileSync(path, 'utf8'), path),
      'file-guest.wat',
    )
    const a = new FileGuest(engine.instantiate(compiled, { serviceName: 'a', logger }), records)
    const b = new FileGuest(engine.instantiate(compiled, { serviceName: 'b', logger }), records)
    const c = a.create('/parigot/app/shared.txt', 'from a')
    expect(c.code).toBe(0)
    expect(b.write(c.res.id, 'x').code).toBe(FileErr.NotExistError)
    expect(b.close(c.res.id).code).toBe(FileErr.NotExistError)
    // b's own create of the same name is not blocked by a's writer; the last close wins.
    const d = b.create('/parigot/app/shared.txt', 'from b')
    expect(d.code).toBe(0)
    expect(a.close(c.res.id).code).toBe(0)
    expect(b.close(d.res.id).code).toBe(0)
    expect(readFileSync(join(s.root, 'shared.txt'), 'utf8')).toBe('from b')
  })
})
