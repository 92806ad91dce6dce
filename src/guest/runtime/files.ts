// Files on real disk through the `file` plugin (docs/file.md): guest paths start with
// `/parigot/app/`. Every function returns the plugin's FileErr code (0 = success) with its value.

import { hostCall } from './abi'
import { close_, create_, delete_, open_, read_, stat_, write_ } from './file'
import { Id } from './id'
import { Reader, Writer } from './proto'
import { Result } from './syscall'

/** file.v1.FileErr values a caller usually tests for. */
export const enum FileErr {
  NoError = 0,
  InvalidPathError = 4,
  AlreadyInUseError = 5,
  NotExistError = 6,
  FileClosedError = 7,
  EOFError = 8,
  DataTooLarge = 18,
}

/** What stat_ tells about a path. */
export class FileInfo {
  path: string = ''
  isDir: bool = false
  size: i32 = 0
}

function call(
  fn: (inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize) => i64,
  w: Writer,
  capacity: i32 = 4096,
): Result<Reader> {
  const res = hostCall(fn, w.finish(), capacity, FileErr.DataTooLarge)
  return new Result<Reader>(res.err, new Reader(res.response))
}

/** The id field (2) of a response (Create/Open). */
function idOf(r: Reader): Id {
  let id = new Id()
  while (r.next()) {
    if (r.field == 2) id = Id.decode(r)
    else r.skip()
  }
  return id
}

/** Creates (or truncates) a file with `content` and opens it for writing. */
export function createFile(path: string, content: string = ''): Result<Id> {
  const w = new Writer()
  w.string(1, path)
  w.string(2, content)
  const res = call(create_, w)
  return new Result<Id>(res.err, res.ok ? idOf(res.value) : new Id())
}

/** Opens an existing file for reading. */
export function openFile(path: string): Result<Id> {
  const w = new Writer()
  w.string(1, path)
  const res = call(open_, w)
  return new Result<Id>(res.err, res.ok ? idOf(res.value) : new Id())
}

/** Appends `data` to a file opened by createFile; the value is the number of bytes written. */
export function writeFile(id: Id, data: Uint8Array): Result<i32> {
  const w = new Writer()
  id.encode(w, 1)
  w.bytes(2, data)
  const res = call(write_, w)
  let n: i32 = 0
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field == 2) n = r.int32()
      else r.skip()
    }
  }
  return new Result<i32>(res.err, n)
}

/** Reads up to `max` bytes from the current position; EOFError at the end. */
export function readFile(id: Id, max: i32): Result<Uint8Array> {
  const w = new Writer()
  id.encode(w, 1)
  // The request's buffer length is the read size (the reference's protocol).
  w.bytes(2, new Uint8Array(max))
  const res = call(read_, w, max + 64)
  let data = new Uint8Array(0)
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field == 3) data = r.bytes()
      else r.skip()
    }
  }
  return new Result<Uint8Array>(res.err, data)
}

/** Closes a file; a file being written becomes visible under its name now. */
export function closeFile(id: Id): i32 {
  const w = new Writer()
  id.encode(w, 1)
  return call(close_, w).err
}

export function deleteFile(path: string): i32 {
  const w = new Writer()
  w.string(1, path)
  return call(delete_, w).err
}

export function statFile(path: string): Result<FileInfo> {
  const w = new Writer()
  w.string(1, path)
  const res = call(stat_, w)
  const info = new FileInfo()
  if (res.ok) {
    const r = res.value
    while (r.next()) {
      if (r.field != 1) {
        r.skip()
        continue
      }
      const f = r.message()
      while (f.next()) {
        if (f.field == 1) info.path = f.string()
        else if (f.field == 3) info.isDir = f.bool()
        else if (f.field == 4) info.size = f.int32()
        else f.skip()
      }
    }
  }
  return new Result<FileInfo>(res.err, info)
}
