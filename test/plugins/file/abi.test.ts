// The file host functions seen from a real wasm guest: registration under module "file" and
// the FileErr transport codes of docs/abi.md section 4.
import { create, toBinary } from '@bufbuild/protobuf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine, createMemoryLogger, invokeAdapter } from '../../../src/main/engine'
import { FilePlugin } from '../../../src/main/plugins/file/plugin'
import { FileErr, OpenRequestSchema } from '../../../src/shared/gen/parigot/file/v1/file_pb'
import { ERR_PTR, IN_PTR, startFileGuest } from '../../fixtures/file/harness'
import type { FileGuest } from '../../fixtures/file/harness'
import { makeScratch } from './env'
import type { Scratch } from './env'

const FUNCTIONS = [
  'open',
  'create',
  'close',
  'read',
  'write',
  'delete',
  'stat',
  'load_test_data',
] as const

let s: Scratch
let g: FileGuest
beforeAll(async () => {
  s = makeScratch()
  g = await startFileGuest(s.dataDir)
})
afterAll(() => s.cleanup())

describe('file plugin ABI', () => {
  it('init registers the eight host functions under module "file"', () => {
    const engine = createEngine()
    const names: string[] = []
    const { logger } = createMemoryLogger('x')
    const ok = FilePlugin.init(
      { name: 'file', logger, invokeAdapter, settings: {}, dataDir: s.dataDir },
      {
        registerHostFunction: (def) => {
          expect(def.module).toBe('file')
          names.push(def.name)
          engine.registerHostFunction(def)
        },
      },
    )
    expect(ok).toBe(true)
    expect(names.sort()).toEqual(FUNCTIONS.map((f) => `${f}_`).sort())
  })

  it.each(FUNCTIONS)('%s_: a garbage request is UnmarshalError (2) with a log line', (fn) => {
    g.records.length = 0
    // field 1 declared as 100 bytes long, 2 bytes follow
    const { code, ret } = g.rawCall(fn, new Uint8Array([0x0a, 100, 1, 2]))
    expect(code).toBe(FileErr.UnmarshalError)
    expect(ret).toBe(0n)
    expect(g.records.some((r) => r.message.includes(`file.${fn}_`))).toBe(true)
  })

  it.each(FUNCTIONS)('%s_: a request outside guest memory is GuestReadFailed (17)', (fn) => {
    g.guest.memory.writeI32(ERR_PTR, 0)
    const outcome = g.guest.call(`call_${fn}`, 64, g.guest.memory.size - 8, 8192, ERR_PTR)
    expect(outcome.kind).toBe('returned')
    expect(g.guest.memory.readI32(ERR_PTR)).toBe(FileErr.GuestReadFailed)
  })

  it('an out buffer outside guest memory is GuestWriteFailed (19)', () => {
    const req = toBinary(OpenRequestSchema, create(OpenRequestSchema, { path: '/parigot/app/' }))
    g.guest.memory.write(IN_PTR, req)
    g.guest.memory.writeI32(ERR_PTR, 0)
    const call = (name: string) =>
      g.guest.call(name, req.length, IN_PTR, g.guest.memory.size - 2, ERR_PTR)
    // stat of the app directory has a response; put it where it cannot go.
    expect(call('call_stat').kind).toBe('returned')
    expect(g.guest.memory.readI32(ERR_PTR)).toBe(FileErr.GuestWriteFailed)
  })

  it('a domain error reaches the guest as the FileErr code and the i64 is 0', () => {
    const r = g.open('/parigot/app/none.txt')
    expect(r.code).toBe(FileErr.NotExistError)
    expect(r.ret).toBe(0n)
  })

  it('a success returns (len << 32) | outPtr', () => {
    const r = g.stat('/parigot/app/')
    expect(r.code).toBe(0)
    expect(Number(r.ret >> 32n)).toBeGreaterThan(0)
    expect(r.res.fileInfo?.isDir).toBe(true)
  })
})
