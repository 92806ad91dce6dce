import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import type { Logger } from '../../engine'
import type { FileIdentity } from './open-files'
import { TEMP_PREFIX } from './paths'

/*
 * Opens for reading are non-blocking: a FIFO or device put where a guest's file should be would
 * otherwise block the guest's thread in open() or read(), where no stop can reach it. Regular
 * files ignore the flag.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK

/*
 * Every function here opens and closes its descriptors within the call (try/finally), so a
 * worker terminated between host calls holds no descriptor, and one terminated inside a call
 * loses at most the descriptors the OS reclaims with the thread's process anyway.
 */

function withFd<T>(path: string, flags: number, mode: number, body: (fd: number) => T): T {
  const fd = openSync(path, flags, mode)
  try {
    return body(fd)
  } finally {
    closeSync(fd)
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, bytes.byteLength - done)
  }
}

/** A fresh temporary name in `dir`; the pid lets a later start-up tell whose it was. */
export function tempPathIn(dir: string): string {
  return join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`)
}

/** Creates the temporary file exclusively (never follows or reuses a name) with `content`. */
export function createTemp(tempPath: string, content: Uint8Array): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  withFd(tempPath, flags, 0o644, (fd) => writeAll(fd, content))
}

/** Appends to a temporary file made by createTemp (missing means someone removed it: an error). */
export function appendTemp(tempPath: string, bytes: Uint8Array): void {
  const flags =
    constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK
  withFd(tempPath, flags, 0o644, (fd) => writeAll(fd, bytes))
}

/**
 * Makes the temporary file the file: data to disk, then an atomic rename over `finalPath`, then
 * the directory entry to disk. A crash before the rename leaves the old file (or none); after
 * it, the complete new one. Never a partial file under the final name.
 */
export function commitTemp(tempPath: string, finalPath: string): void {
  withFd(tempPath, constants.O_RDONLY | constants.O_NOFOLLOW, 0, (fd) => fsyncSync(fd))
  renameSync(tempPath, finalPath)
  syncDir(dirname(finalPath))
}

export function syncDir(dir: string): void {
  try {
    withFd(dir, constants.O_RDONLY | constants.O_DIRECTORY, 0, (fd) => fsyncSync(fd))
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone is the goal.
  }
}

export type ReadOutcome =
  { kind: 'data'; bytes: Uint8Array } | { kind: 'eof' } | { kind: 'replaced' } | { kind: 'missing' }

/** Identity of the regular file at `path`, or undefined if there is none. */
export function identityOf(path: string): FileIdentity | undefined {
  try {
    return withFd(path, READ_FLAGS, 0, (fd) => {
      const st = fstatSync(fd)
      return st.isFile() ? { dev: st.dev, ino: st.ino } : undefined
    })
  } catch {
    return undefined
  }
}

/** Reads up to `length` bytes at `position` from the file the reader opened. */
export function readAt(
  path: string,
  identity: FileIdentity,
  position: number,
  length: number,
): ReadOutcome {
  let fd: number
  try {
    fd = openSync(path, READ_FLAGS)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' }
    throw err
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile() || st.dev !== identity.dev || st.ino !== identity.ino)
      return { kind: 'replaced' }
    const buffer = new Uint8Array(length)
    let got = 0
    while (got < length) {
      const n = readSync(fd, buffer, got, length - got, position + got)
      if (n === 0) break
      got += n
    }
    if (got === 0) return { kind: 'eof' }
    return { kind: 'data', bytes: buffer.subarray(0, got) }
  } finally {
    closeSync(fd)
  }
}

/** Removes now-empty directories from `dir` up to, not including, `root` (as the reference). */
export function pruneEmptyDirs(root: string, dir: string): void {
  let current = dir
  while (current !== root && current.startsWith(root)) {
    try {
      rmdirSync(current)
    } catch {
      return
    }
    current = dirname(current)
  }
}

/** Sizes and times of a regular file, or of every regular file under a directory. */
export interface TreeStat {
  readonly isDir: boolean
  readonly size: number
  readonly createMs: number
  readonly modMs: number
}

/** Bound on the directory walk so one stat cannot take the worker hostage. */
export const MAX_STAT_ENTRIES = 100_000

function createTimeMs(st: { birthtimeMs: number; ctimeMs: number }): number {
  // Not every filesystem records a birth time; the inode change time is the closest stand-in.
  return st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs
}

/**
 * Stat of a file, or of a directory summed over its regular files (the reference's intent, with
 * real path components instead of string prefixes). Symlinks below `path` are not followed,
 * and the plugin's temporary files do not count. Undefined if nothing is there.
 */
export function statTree(path: string): TreeStat | undefined {
  let st
  try {
    // The path itself already passed the containment check, so a link to inside may be followed.
    st = statSync(path)
  } catch {
    return undefined
  }
  if (st.isFile()) {
    return { isDir: false, size: st.size, createMs: createTimeMs(st), modMs: st.mtimeMs }
  }
  if (!st.isDirectory()) return undefined
  let size = 0
  let createMs = Number.POSITIVE_INFINITY
  let modMs = Number.NEGATIVE_INFINITY
  let seen = 0
  const stack = [path]
  while (stack.length > 0 && seen < MAX_STAT_ENTRIES) {
    const dir = stack.pop() as string
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (++seen > MAX_STAT_ENTRIES) break
      const child = join(dir, entry.name)
      if (entry.isDirectory()) stack.push(child)
      else if (entry.isFile() && !entry.name.startsWith(TEMP_PREFIX)) {
        try {
          const fst = lstatSync(child)
          size += fst.size
          createMs = Math.min(createMs, createTimeMs(fst))
          modMs = Math.max(modMs, fst.mtimeMs)
        } catch {
          // Removed while we walked: it is simply not a member any more.
        }
      }
    }
  }
  if (createMs === Number.POSITIVE_INFINITY) {
    // An empty directory is described by its own times.
    return { isDir: true, size: 0, createMs: createTimeMs(st), modMs: st.mtimeMs }
  }
  return { isDir: true, size, createMs, modMs }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes temporary files left by writers that died before close: those of a process that is
 * gone, and those of this process older than `staleMs` (a sibling worker of this process may
 * still be writing a younger one). Returns how many were removed.
 */
export function sweepStaleTemps(root: string, staleMs: number, logger: Logger): number {
  let removed = 0
  let seen = 0
  const now = Date.now()
  const stack = [root]
  while (stack.length > 0 && seen < MAX_STAT_ENTRIES) {
    const dir = stack.pop() as string
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      seen++
      const child = join(dir, entry.name)
      if (entry.isDirectory()) {
        stack.push(child)
        continue
      }
      if (!entry.isFile() || !entry.name.startsWith(TEMP_PREFIX)) continue
      const pid = Number.parseInt(entry.name.slice(TEMP_PREFIX.length), 10)
      let stale = Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)
      if (!stale) {
        try {
          stale = now - lstatSync(child).mtimeMs > staleMs
        } catch {
          continue
        }
      }
      if (stale) {
        removeQuietly(child)
        removed++
        logger.log('info', `removed abandoned temporary file ${child}`)
      }
    }
  }
  return removed
}
