import { mkdirSync, unlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { create } from '@bufbuild/protobuf'
import { timestampFromMs } from '@bufbuild/protobuf/wkt'
import type { HostContext } from '../../engine'
import { toRaw } from '../../../shared/id'
import { IdRawSchema } from '../../../shared/gen/parigot/protosupport/v1/protosupport_pb'
import { FileErr, FileInfoSchema } from '../../../shared/gen/parigot/file/v1/file_pb'
import type {
  CloseRequest,
  CloseResponse,
  CreateRequest,
  CreateResponse,
  DeleteRequest,
  DeleteResponse,
  OpenRequest,
  OpenResponse,
  ReadRequest,
  ReadResponse,
  StatRequest,
  StatResponse,
  WriteRequest,
  WriteResponse,
} from '../../../shared/gen/parigot/file/v1/file_pb'
import {
  appendTemp,
  commitTemp,
  createTemp,
  identityOf,
  pruneEmptyDirs,
  readAt,
  removeQuietly,
  statTree,
  tempPathIn,
} from './disk'
import { FileStatus, OpenFileTable } from './open-files'
import type { OpenFile } from './open-files'
import { checkGuestPath, escapesRoot, GUEST_ROOT, hostPathOf } from './paths'
import type { FileSettings } from './settings'

export type Resolved =
  { ok: true; clean: string; hostPath: string } | { ok: false; code: FileErr.InvalidPathError }

const utf8 = new TextEncoder()

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A reversible read, so that the ABI layer can undo one whose response never reached the guest. */
export interface ReadUndo {
  readonly file: OpenFile
  readonly position: number
}

/**
 * The eight operations, with the reference's intended semantics (see docs/file.md). `root` is
 * the realpath of the host directory behind `/parigot/app/`.
 */
export class FileService {
  private readonly tables = new Map<string, OpenFileTable>()
  /** Set by the last successful read; consumed by the DataTooLarge undo in host-functions.ts. */
  private lastRead: ReadUndo | undefined

  constructor(
    readonly root: string,
    readonly settings: FileSettings,
  ) {}

  /** Returns and forgets what the last read_ advanced. */
  takeLastRead(): ReadUndo | undefined {
    const undo = this.lastRead
    this.lastRead = undefined
    return undo
  }

  /** Each guest has its own table (a worker normally runs one guest). */
  table(ctx: HostContext): OpenFileTable {
    let t = this.tables.get(ctx.serviceName)
    if (t === undefined) {
      t = new OpenFileTable(this.settings.maxOpenFiles)
      this.tables.set(ctx.serviceName, t)
    }
    return t
  }

  /** Validates a guest path and maps it onto the root; every refusal is logged with its rule. */
  resolve(ctx: HostContext, raw: string): Resolved {
    const check = checkGuestPath(raw, this.settings.maxPathParts)
    if (!check.ok) return this.refuse(ctx, raw, check.rule)
    const hostPath = hostPathOf(this.root, check.names)
    const escape = escapesRoot(this.root, hostPath)
    if (escape !== undefined) return this.refuse(ctx, raw, escape)
    return { ok: true, clean: check.clean, hostPath }
  }

  private refuse(ctx: HostContext, raw: string, rule: string): Resolved {
    const shown = raw.length > 200 ? `${raw.slice(0, 200)}...` : raw
    ctx.logger.log(
      'warn',
      `${ctx.module}.${ctx.functionName}: invalid path ${JSON.stringify(shown)}: ${rule}`,
    )
    return { ok: false, code: FileErr.InvalidPathError }
  }

  private note(ctx: HostContext, level: 'debug' | 'warn' | 'error', message: string): void {
    ctx.logger.log(level, `${ctx.module}.${ctx.functionName}: ${message}`)
  }

  create(ctx: HostContext, req: CreateRequest, res: CreateResponse): FileErr {
    const r = this.resolve(ctx, req.path)
    if (!r.ok) return r.code
    res.path = r.clean
    const content = utf8.encode(req.content)
    if (content.byteLength > this.settings.maxBufferBytes) {
      this.note(ctx, 'warn', `content of ${content.byteLength} bytes is over the limit`)
      return FileErr.LargeBufError
    }
    const table = this.table(ctx)
    const known = table.byGuestPath(r.clean)
    if (known !== undefined && known.status !== FileStatus.Close) {
      this.note(ctx, 'debug', `${r.clean} is open (${FileStatus[known.status]})`)
      return FileErr.AlreadyInUseError
    }
    if (r.clean === GUEST_ROOT) {
      this.note(ctx, 'warn', `${r.clean} is the app directory, not a file`)
      return FileErr.CreateError
    }
    if (table.isFull()) {
      this.note(ctx, 'warn', `too many open files (limit ${table.maxOpenFiles})`)
      return FileErr.CreateError
    }
    const existing = statTree(r.hostPath)
    if (existing?.isDir === true) {
      this.note(ctx, 'warn', `${r.clean} is a directory`)
      return FileErr.CreateError
    }
    const tempPath = tempPathIn(dirname(r.hostPath))
    try {
      mkdirSync(dirname(r.hostPath), { recursive: true, mode: 0o755 })
      createTemp(tempPath, content)
    } catch (err) {
      removeQuietly(tempPath)
      this.note(ctx, 'warn', `cannot create ${r.clean}: ${errText(err)}`)
      return FileErr.CreateError
    }
    const file = known ?? table.add(r.clean, r.hostPath, FileStatus.Write)
    file.status = FileStatus.Write
    file.tempPath = tempPath
    file.position = content.byteLength
    res.id = create(IdRawSchema, toRaw(file.id))
    res.truncated = existing !== undefined
    return FileErr.NoError
  }

  open(ctx: HostContext, req: OpenRequest, res: OpenResponse): FileErr {
    const r = this.resolve(ctx, req.path)
    if (!r.ok) return r.code
    res.path = r.clean
    const table = this.table(ctx)
    const known = table.byGuestPath(r.clean)
    if (known !== undefined && known.status !== FileStatus.Close) {
      this.note(ctx, 'debug', `${r.clean} is open (${FileStatus[known.status]})`)
      return FileErr.AlreadyInUseError
    }
    const identity = identityOf(r.hostPath)
    if (identity === undefined) {
      if (known !== undefined) table.remove(known)
      return FileErr.NotExistError
    }
    if (table.isFull()) {
      this.note(ctx, 'warn', `too many open files (limit ${table.maxOpenFiles})`)
      return FileErr.OpenError
    }
    const file = known ?? table.add(r.clean, r.hostPath, FileStatus.Read)
    file.status = FileStatus.Read
    file.position = 0
    file.identity = identity
    res.id = create(IdRawSchema, toRaw(file.id))
    return FileErr.NoError
  }

  private lookup(ctx: HostContext, raw: ReadRequest['id']): OpenFile | undefined {
    const found = this.table(ctx).lookup(raw)
    if (!found.ok) {
      this.note(ctx, 'debug', found.why)
      return undefined
    }
    return found.file
  }

  read(ctx: HostContext, req: ReadRequest, res: ReadResponse): FileErr {
    this.lastRead = undefined
    const file = this.lookup(ctx, req.id)
    if (file === undefined) return FileErr.NotExistError
    if (file.status === FileStatus.Close) return FileErr.FileClosedError
    if (file.status === FileStatus.Write) return FileErr.AlreadyInUseError
    if (file.identity === undefined) return FileErr.InternalError
    const length = req.buf.byteLength
    if (length > this.settings.maxBufferBytes) {
      this.note(ctx, 'warn', `read of ${length} bytes is over the limit`)
      return FileErr.LargeBufError
    }
    res.id = req.id
    if (length === 0) {
      res.numRead = 0
      return FileErr.NoError
    }
    let outcome
    try {
      outcome = readAt(file.hostPath, file.identity, file.position, length)
    } catch (err) {
      this.note(ctx, 'warn', `cannot read ${file.path}: ${errText(err)}`)
      return FileErr.ReadError
    }
    switch (outcome.kind) {
      case 'eof':
        return FileErr.EOFError
      case 'missing':
      case 'replaced':
        this.note(
          ctx,
          'warn',
          `${file.path} was ${outcome.kind === 'missing' ? 'removed' : 'replaced'} while open`,
        )
        return FileErr.ReadError
      case 'data':
        this.lastRead = { file, position: file.position }
        file.position += outcome.bytes.byteLength
        res.data = outcome.bytes
        res.numRead = outcome.bytes.byteLength
        return FileErr.NoError
    }
  }

  write(ctx: HostContext, req: WriteRequest, res: WriteResponse): FileErr {
    const file = this.lookup(ctx, req.id)
    if (file === undefined) return FileErr.NotExistError
    if (file.status === FileStatus.Close) return FileErr.FileClosedError
    if (file.status === FileStatus.Read) return FileErr.AlreadyInUseError
    if (file.tempPath === undefined) return FileErr.InternalError
    const length = req.buf.byteLength
    if (length > this.settings.maxBufferBytes) {
      this.note(ctx, 'warn', `write of ${length} bytes is over the limit`)
      return FileErr.LargeBufError
    }
    res.id = req.id
    if (length > 0) {
      try {
        appendTemp(file.tempPath, req.buf)
      } catch (err) {
        this.note(ctx, 'warn', `cannot write ${file.path}: ${errText(err)}`)
        return FileErr.WriteError
      }
    }
    file.position += length
    res.numWrite = length
    return FileErr.NoError
  }

  close(ctx: HostContext, req: CloseRequest, res: CloseResponse): FileErr {
    const file = this.lookup(ctx, req.id)
    if (file === undefined) return FileErr.NotExistError
    if (file.status === FileStatus.Close) return FileErr.FileClosedError
    res.id = req.id
    const tempPath = file.status === FileStatus.Write ? file.tempPath : undefined
    this.table(ctx).close(file)
    if (tempPath !== undefined) {
      try {
        commitTemp(tempPath, file.hostPath)
      } catch (err) {
        removeQuietly(tempPath)
        this.note(ctx, 'warn', `cannot finish ${file.path}; its content is lost: ${errText(err)}`)
        return FileErr.WriteError
      }
    }
    return FileErr.NoError
  }

  delete(ctx: HostContext, req: DeleteRequest, res: DeleteResponse): FileErr {
    const r = this.resolve(ctx, req.path)
    if (!r.ok) return r.code
    res.path = r.clean
    const table = this.table(ctx)
    const known = table.byGuestPath(r.clean)
    if (known !== undefined && known.status !== FileStatus.Close) {
      return FileErr.AlreadyInUseError
    }
    if (known !== undefined) res.id = create(IdRawSchema, toRaw(known.id))
    if (identityOf(r.hostPath) === undefined) {
      if (known !== undefined) table.remove(known)
      return FileErr.NotExistError
    }
    try {
      // unlink never follows a final symlink: a link is removed, never its target.
      unlinkSync(r.hostPath)
    } catch (err) {
      this.note(ctx, 'warn', `cannot delete ${r.clean}: ${errText(err)}`)
      return FileErr.DeleteError
    }
    if (known !== undefined) table.remove(known)
    pruneEmptyDirs(this.root, dirname(r.hostPath))
    return FileErr.NoError
  }

  stat(ctx: HostContext, req: StatRequest, res: StatResponse): FileErr {
    const r = this.resolve(ctx, req.path)
    if (!r.ok) return r.code
    const st = statTree(r.hostPath)
    if (st === undefined) return FileErr.NotExistError
    res.fileInfo = create(FileInfoSchema, {
      path: r.clean,
      isDir: st.isDir,
      // The proto field is int32; a directory over 2 GiB reports the largest value it can.
      size: Math.min(st.size, 0x7fffffff),
      createTime: timestampFromMs(Math.floor(st.createMs)),
      modTime: timestampFromMs(Math.floor(st.modMs)),
    })
    return FileErr.NoError
  }
}
