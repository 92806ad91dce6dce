// One test per statement of the reference's file_test.go (parigot-reference.md section 4.5),
// pinned to the INTENDED behaviour, driven through a real wasm guest and the real ABI.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { create } from '@bufbuild/protobuf'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newFileId, toRaw } from '../../../src/shared/id'
import { FileErr } from '../../../src/shared/gen/parigot/file/v1/file_pb'
import { IdRawSchema } from '../../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import type { IdRaw } from '../../../src/shared/gen/parigot/protosupport/v1/protosupport_pb'
import { startFileGuest } from '../../fixtures/file/harness'
import type { FileGuest } from '../../fixtures/file/harness'
import { makeScratch } from './env'
import type { Scratch } from './env'

let s: Scratch
let g: FileGuest

beforeEach(async () => {
  s = makeScratch()
  g = await startFileGuest(s.dataDir)
})
afterEach(() => s.cleanup())

const randomId = (): IdRaw => create(IdRawSchema, toRaw(newFileId()))

/** Create + close: a complete file holding `content`. */
function makeFile(path: string, content: string): IdRaw {
  const c = g.create(path, content)
  expect(c.code).toBe(FileErr.NoError)
  expect(g.close(c.res.id).code).toBe(FileErr.NoError)
  return c.res.id!
}

/** Create, close, open: the file is in Read. */
function fileInRead(path: string, content = 'x'): IdRaw {
  makeFile(path, content)
  const o = g.open(path)
  expect(o.code).toBe(FileErr.NoError)
  return o.res.id!
}

describe('TestOpenClose', () => {
  it('opening a path that was never created is NotExistError, and no id comes back', () => {
    const r = g.open('/parigot/app/never.txt')
    expect(r.code).toBe(FileErr.NotExistError)
    expect(r.res.id).toBeUndefined()
  })

  it('opening badfile.txt (no /parigot/app/ prefix) is InvalidPathError', () => {
    expect(g.open('badfile.txt').code).toBe(FileErr.InvalidPathError)
  })

  it('closing a random unknown id is NotExistError', () => {
    expect(g.close(randomId()).code).toBe(FileErr.NotExistError)
  })

  it('a created file in Close can be opened, then closed; close echoes the same id', () => {
    makeFile('/parigot/app/oc.txt', 'hello')
    const o = g.open('/parigot/app/oc.txt')
    expect(o.code).toBe(FileErr.NoError)
    expect(o.res.path).toBe('/parigot/app/oc.txt')
    const c = g.close(o.res.id)
    expect(c.code).toBe(FileErr.NoError)
    expect(c.res.id).toEqual(o.res.id)
  })

  it('creating the path again takes over the mapping; in Read, open is AlreadyInUseError; close, then FileClosedError', () => {
    makeFile('/parigot/app/again.txt', 'one')
    const again = g.create('/parigot/app/again.txt', 'two')
    expect(again.code).toBe(FileErr.NoError)
    expect(g.close(again.res.id).code).toBe(FileErr.NoError)
    const o = g.open('/parigot/app/again.txt')
    expect(o.code).toBe(FileErr.NoError)
    expect(o.res.id).toEqual(again.res.id)
    expect(g.open('/parigot/app/again.txt').code).toBe(FileErr.AlreadyInUseError)
    expect(g.close(o.res.id).code).toBe(FileErr.NoError)
    expect(g.close(o.res.id).code).toBe(FileErr.FileClosedError)
  })
})

describe('TestCreateClose', () => {
  const deep = '/parigot/app/' + Array.from({ length: 19 }, (_, i) => String(i + 1)).join('/')
  it.each([
    '/parigot/app/./file.go',
    '/parigot/app/../file.go',
    'dir/file.go',
    '/parigot/workspace/file.go',
    `${deep}/file.go`,
  ])('creating %s is InvalidPathError', (path) => {
    expect(g.create(path, 'x').code).toBe(FileErr.InvalidPathError)
  })

  it('the 23-part path really has 23 parts', () => {
    expect(`${deep}/file.go`.split('/')).toHaveLength(23)
  })

  it('creating /parigot/app/testfile.txt succeeds with an id', () => {
    const r = g.create('/parigot/app/testfile.txt', 'abc')
    expect(r.code).toBe(FileErr.NoError)
    expect(r.res.id).toBeDefined()
    expect(r.res.path).toBe('/parigot/app/testfile.txt')
    expect(r.res.truncated).toBe(false)
  })

  it('creating it again while it is in Write is AlreadyInUseError', () => {
    expect(g.create('/parigot/app/testfile.txt').code).toBe(FileErr.NoError)
    expect(g.create('/parigot/app/testfile.txt').code).toBe(FileErr.AlreadyInUseError)
  })

  it('closing it succeeds', () => {
    const r = g.create('/parigot/app/testfile.txt')
    expect(g.close(r.res.id).code).toBe(FileErr.NoError)
  })

  it('in Read, creating is AlreadyInUseError', () => {
    fileInRead('/parigot/app/testfile.txt')
    expect(g.create('/parigot/app/testfile.txt').code).toBe(FileErr.AlreadyInUseError)
  })

  it('back in Close, creating again succeeds with the same id (and reports truncated)', () => {
    const id = makeFile('/parigot/app/testfile.txt', 'first')
    const r = g.create('/parigot/app/testfile.txt', 'second')
    expect(r.code).toBe(FileErr.NoError)
    expect(r.res.id).toEqual(id)
    expect(r.res.truncated).toBe(true)
  })

  it('close succeeds, and a second close is FileClosedError', () => {
    const r = g.create('/parigot/app/testfile.txt')
    expect(g.close(r.res.id).code).toBe(FileErr.NoError)
    expect(g.close(r.res.id).code).toBe(FileErr.FileClosedError)
  })
})

describe('TestRead', () => {
  it('reading an unknown id is NotExistError', () => {
    expect(g.read(randomId(), 4).code).toBe(FileErr.NotExistError)
  })

  it('reading a file in Close is FileClosedError', () => {
    const id = makeFile('/parigot/app/r.txt', 'abc')
    expect(g.read(id, 4).code).toBe(FileErr.FileClosedError)
  })

  describe('over the content Hello!Parigot!', () => {
    let id: IdRaw
    beforeEach(() => {
      id = fileInRead('/parigot/app/hello.txt', 'Hello!Parigot!')
    })

    it('a 0-byte read succeeds with num_read 0', () => {
      const r = g.read(id, 0)
      expect(r.code).toBe(FileErr.NoError)
      expect(r.res.numRead).toBe(0)
    })

    it('a 6-byte read yields Hello!, the next 8-byte read Parigot!, the next EOFError', () => {
      const a = g.read(id, 6)
      expect(a.code).toBe(FileErr.NoError)
      expect(a.res.numRead).toBe(6)
      expect(Buffer.from(a.res.data).toString()).toBe('Hello!')
      expect(a.res.id).toEqual(id)
      const b = g.read(id, 8)
      expect(Buffer.from(b.res.data).toString()).toBe('Parigot!')
      expect(g.read(id, 8).code).toBe(FileErr.EOFError)
    })

    it('a buffer one byte over the limit is LargeBufError', () => {
      expect(g.read(id, 1024 * 1024 + 1).code).toBe(FileErr.LargeBufError)
    })
  })

  it('with the reference limit (maxBufferBytes 2048) a 2049-byte buffer is LargeBufError', async () => {
    const small = await startFileGuest(s.dataDir, { maxBufferBytes: 2048 }, 'small')
    g = small
    const id = fileInRead('/parigot/app/hello.txt', 'Hello!Parigot!')
    expect(small.read(id, 2049).code).toBe(FileErr.LargeBufError)
    expect(small.read(id, 2048).code).toBe(FileErr.NoError)
  })
})

describe('TestWrite', () => {
  it('writing an unknown id is NotExistError', () => {
    expect(g.write(randomId(), 'x').code).toBe(FileErr.NotExistError)
  })

  it('writing a closed file is FileClosedError', () => {
    const id = makeFile('/parigot/app/w.txt', '')
    expect(g.write(id, 'x').code).toBe(FileErr.FileClosedError)
  })

  it('writing a file in Read is AlreadyInUseError', () => {
    const id = fileInRead('/parigot/app/w.txt')
    expect(g.write(id, 'x').code).toBe(FileErr.AlreadyInUseError)
  })

  it('on a fresh file an empty write and a 14-byte write succeed (and land at close)', () => {
    const c = g.create('/parigot/app/w.txt')
    expect(g.write(c.res.id, '').code).toBe(FileErr.NoError)
    const w = g.write(c.res.id, 'Hello!Parigot!')
    expect(w.code).toBe(FileErr.NoError)
    expect(w.res.numWrite).toBe(14)
    expect(g.close(c.res.id).code).toBe(FileErr.NoError)
    expect(readFileSync(join(s.root, 'w.txt'), 'utf8')).toBe('Hello!Parigot!')
  })
})

describe('TestDelete', () => {
  it('deleting a path that does not exist is NotExistError', () => {
    expect(g.delete('/parigot/app/nothing.txt').code).toBe(FileErr.NotExistError)
  })

  it('deleting a file in Write or in Read is AlreadyInUseError', () => {
    g.create('/parigot/app/writing.txt', 'x')
    expect(g.delete('/parigot/app/writing.txt').code).toBe(FileErr.AlreadyInUseError)
    fileInRead('/parigot/app/reading.txt')
    expect(g.delete('/parigot/app/reading.txt').code).toBe(FileErr.AlreadyInUseError)
  })

  it('deleting a closed file succeeds; deleting it again is NotExistError', () => {
    const id = makeFile('/parigot/app/d.txt', 'x')
    const d = g.delete('/parigot/app/d.txt')
    expect(d.code).toBe(FileErr.NoError)
    expect(d.res.path).toBe('/parigot/app/d.txt')
    expect(d.res.id).toEqual(id)
    expect(existsSync(join(s.root, 'd.txt'))).toBe(false)
    expect(g.delete('/parigot/app/d.txt').code).toBe(FileErr.NotExistError)
  })
})

describe('TestLoadTestData', () => {
  function tree(name: string, content: string): void {
    const dir = join(s.dataDir, name)
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'a.txt'), content)
    writeFileSync(join(dir, 'sub', 'b.txt'), content)
    // The third file cannot be loaded. The reference made it unreadable (mode 0000), which
    // root can still read, so its name is also one no guest path may carry.
    const bad = join(dir, 'bad$name.txt')
    writeFileSync(bad, content)
    chmodSync(bad, 0)
  }

  const loaded = (): string[] =>
    readdirSync(join(s.root, 'testdata'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))

  it('a host directory that does not exist is NotExistError', () => {
    expect(g.loadTestData('nope', '/parigot/app/testdata', true).code).toBe(FileErr.NotExistError)
  })

  it('an empty directory is NoDataFoundError', () => {
    mkdirSync(join(s.dataDir, 'empty'))
    expect(g.loadTestData('empty', '/parigot/app/testdata', true).code).toBe(
      FileErr.NoDataFoundError,
    )
  })

  it('an invalid mount location is InvalidPathError', () => {
    tree('testloaddata1', 'test4')
    expect(g.loadTestData('testloaddata1', '/xinyu/testdata', true).code).toBe(
      FileErr.InvalidPathError,
    )
  })

  it('3 files, one that cannot be loaded, return_on_fail: NoError, 1 error path, 2 files loaded', () => {
    tree('testloaddata1', 'test4')
    const r = g.loadTestData('testloaddata1', '/parigot/app/testdata', true)
    expect(r.code).toBe(FileErr.NoError)
    expect(r.res.errorPath).toEqual(['testloaddata1/bad$name.txt'])
    expect(loaded()).toHaveLength(2)
    // Loaded files are complete, closed files (the reference left them in Write).
    const o = g.open('/parigot/app/testdata/sub/b.txt')
    expect(o.code).toBe(FileErr.NoError)
    expect(Buffer.from(g.read(o.res.id, 100).res.data).toString()).toBe('test4')
  })

  it('loading a second tree of the same layout with content test5 replaces the files', () => {
    tree('testloaddata1', 'test4')
    tree('testloaddata2', 'test5')
    expect(g.loadTestData('testloaddata1', '/parigot/app/testdata', true).code).toBe(0)
    expect(g.loadTestData('testloaddata2', '/parigot/app/testdata', true).code).toBe(0)
    const files = loaded()
    expect(files).toHaveLength(2)
    for (const f of files) expect(readFileSync(f, 'utf8')).toBe('test5')
  })

  it('without return_on_fail a failure stops the load with an error code, and the host lives', () => {
    tree('testloaddata1', 'test4')
    const r = g.loadTestData('testloaddata1', '/parigot/app/testdata', false)
    expect(r.code).toBe(FileErr.InvalidPathError)
    expect(g.stat('/parigot/app/').code).toBe(FileErr.NoError)
  })
})

describe('TestStat', () => {
  it('stat of a missing file is NotExistError, with no path in the response', () => {
    const r = g.stat('/parigot/app/missing.txt')
    expect(r.code).toBe(FileErr.NotExistError)
    expect(r.res.fileInfo).toBeUndefined()
  })

  it('stat of /xinyu/testdata is InvalidPathError', () => {
    expect(g.stat('/xinyu/testdata').code).toBe(FileErr.InvalidPathError)
  })

  it('with two 14-byte files: the first is a 14-byte file, /parigot/app/ a 28-byte directory', () => {
    makeFile('/parigot/app/testfile.txt', 'Hello!Parigot!')
    makeFile('/parigot/app/testfile2.txt', 'Hello!Parigot!')
    const f = g.stat('/parigot/app/testfile.txt')
    expect(f.code).toBe(FileErr.NoError)
    expect(f.res.fileInfo?.path).toBe('/parigot/app/testfile.txt')
    expect(f.res.fileInfo?.size).toBe(14)
    expect(f.res.fileInfo?.isDir).toBe(false)
    const d = g.stat('/parigot/app/')
    expect(d.code).toBe(FileErr.NoError)
    expect(d.res.fileInfo?.path).toBe('/parigot/app')
    expect(d.res.fileInfo?.isDir).toBe(true)
    expect(d.res.fileInfo?.size).toBe(28)
  })
})

describe('TestRealFiles', () => {
  it('create, write 14 bytes, close, open, read 6 bytes, close, delete: every step NoError', () => {
    const c = g.create('/parigot/app/real.txt')
    expect(c.code).toBe(FileErr.NoError)
    expect(g.write(c.res.id, 'Hello!Parigot!').code).toBe(FileErr.NoError)
    expect(g.close(c.res.id).code).toBe(FileErr.NoError)
    const o = g.open('/parigot/app/real.txt')
    expect(o.code).toBe(FileErr.NoError)
    const r = g.read(o.res.id, 6)
    expect(r.code).toBe(FileErr.NoError)
    expect(Buffer.from(r.res.data).toString()).toBe('Hello!')
    expect(g.close(o.res.id).code).toBe(FileErr.NoError)
    expect(g.delete('/parigot/app/real.txt').code).toBe(FileErr.NoError)
    expect(readdirSync(s.root)).toEqual([])
  })
})
