import { fromRawChecked, idKey, newFileId } from '../../../shared/id'
import type { FileId, IdRawLike } from '../../../shared/id'

/** The reference's FileStatus, with its numeric values. */
export enum FileStatus {
  Write = 0,
  Read = 1,
  Close = 2,
}

/** Identity of the file a reader opened, so that a replacement under its name is noticed. */
export interface FileIdentity {
  readonly dev: number
  readonly ino: number
}

/**
 * One file a guest has touched. No OS resource hangs off it: a writer's bytes live in `tempPath`
 * and a reader reopens `hostPath` for every read, so a worker killed at any instant leaks no fd.
 */
export interface OpenFile {
  readonly id: FileId
  /** The cleaned guest path. */
  readonly path: string
  readonly hostPath: string
  status: FileStatus
  /** Read offset (Read) or bytes written so far (Write). */
  position: number
  /** Write: the temporary file in the same directory, renamed onto `hostPath` at close. */
  tempPath: string | undefined
  /** Read: the file that was opened. */
  identity: FileIdentity | undefined
}

/** Closed entries are kept so that re-creating a path reuses its id; at most this many. */
export const MAX_CLOSED_ENTRIES = 1024

export type IdLookup = { ok: true; file: OpenFile } | { ok: false; why: string }

/** The per-guest table: FileId -> file, and path -> the same file. */
export class OpenFileTable {
  private readonly byId = new Map<string, OpenFile>()
  private readonly byPath = new Map<string, OpenFile>()

  constructor(readonly maxOpenFiles: number) {}

  /** Files in Write or Read. */
  openCount(): number {
    let n = 0
    for (const f of this.byId.values()) if (f.status !== FileStatus.Close) n++
    return n
  }

  isFull(): boolean {
    return this.openCount() >= this.maxOpenFiles
  }

  byGuestPath(path: string): OpenFile | undefined {
    return this.byPath.get(path)
  }

  /** Looks up an id from a guest; an absent, mistyped or unknown id is "not there". */
  lookup(raw: IdRawLike | undefined): IdLookup {
    if (raw === undefined) return { ok: false, why: 'no id in the request' }
    const checked = fromRawChecked('file', raw)
    if (!checked.ok) return { ok: false, why: checked.error }
    const file = this.byId.get(idKey(checked.id))
    if (file === undefined) return { ok: false, why: `unknown file id ${idKey(checked.id)}` }
    return { ok: true, file }
  }

  add(path: string, hostPath: string, status: FileStatus): OpenFile {
    const file: OpenFile = {
      id: newFileId(),
      path,
      hostPath,
      status,
      position: 0,
      tempPath: undefined,
      identity: undefined,
    }
    this.byId.set(idKey(file.id), file)
    this.byPath.set(path, file)
    return file
  }

  /** Marks a file closed and, past the bound, forgets the oldest closed ones. */
  close(file: OpenFile): void {
    file.status = FileStatus.Close
    file.tempPath = undefined
    file.identity = undefined
    // Re-insert so that map order is "least recently closed first".
    this.byId.delete(idKey(file.id))
    this.byId.set(idKey(file.id), file)
    let closed = 0
    for (const f of this.byId.values()) if (f.status === FileStatus.Close) closed++
    for (const f of this.byId.values()) {
      if (closed <= MAX_CLOSED_ENTRIES) break
      if (f.status === FileStatus.Close) {
        this.remove(f)
        closed--
      }
    }
  }

  remove(file: OpenFile): void {
    this.byId.delete(idKey(file.id))
    if (this.byPath.get(file.path) === file) this.byPath.delete(file.path)
  }

  /** Every file in Write (for tests and diagnostics). */
  writers(): OpenFile[] {
    return [...this.byId.values()].filter((f) => f.status === FileStatus.Write)
  }
}
