// Every log line of one run, on disk as NDJSON: the ring in memory holds only the newest lines,
// so this file is where the lines a reader could not be sent (or scrolled past) are read back
// from, and where a search over the whole run looks. One file per run, rotated by size into
// numbered parts; old runs are deleted beyond a few, so the folder stays bounded.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogFileInfo, LogLine } from '../../shared/bridge/contract'
import type { LogPredicate } from './log-filter'

export interface LogFileOptions {
  /** Largest part before the next is started. Default 32 MiB. */
  readonly maxPartBytes?: number
  /** Parts kept per run; the oldest goes beyond it (its lines are then counted as gone). */
  readonly maxParts?: number
  /** Runs kept in the folder, newest first. */
  readonly keepRuns?: number
}

const FLUSH_BYTES = 256 * 1024
const FLUSH_MS = 100
/** One index entry per this many lines: where a seq starts, for reads by range. */
const INDEX_EVERY = 512
const READ_CHUNK = 1024 * 1024

interface Part {
  readonly path: string
  readonly firstSeq: number
  /** Byte offset of every INDEX_EVERY-th line, by seq. */
  readonly index: { seq: number; offset: number }[]
  bytes: number
}

export class RunLogFile {
  readonly path: string
  private readonly parts: Part[] = []
  private fd: number | undefined
  private pending: string[] = []
  private pendingBytes = 0
  private timer: NodeJS.Timeout | undefined
  private firstSeq = -1
  private nextSeq = -1
  private unwritten = 0
  private droppedParts = 0
  private readonly maxPartBytes: number
  private readonly maxParts: number

  /** Starts a run's file in `dir` (created), named after the deployment and the time. */
  constructor(dir: string, deployment: string, options: LogFileOptions = {}) {
    this.maxPartBytes = options.maxPartBytes ?? 32 * 1024 * 1024
    this.maxParts = options.maxParts ?? 16
    mkdirSync(dir, { recursive: true })
    pruneRuns(dir, (options.keepRuns ?? 10) - 1)
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const safe = deployment.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'deployment'
    this.path = join(dir, `${stamp}-${safe}.ndjson`)
  }

  info(): LogFileInfo | undefined {
    if (this.firstSeq < 0) return undefined
    return {
      file: this.path,
      firstSeq: this.parts[0]?.firstSeq ?? this.firstSeq,
      nextSeq: this.nextSeq,
      unwritten: this.unwritten,
    }
  }

  append(line: LogLine): void {
    if (this.firstSeq < 0) this.firstSeq = line.seq
    this.nextSeq = line.seq + 1
    const text = JSON.stringify(line) + '\n'
    const part = this.currentPart(line.seq)
    if (part === undefined) {
      this.unwritten++
      return
    }
    if ((line.seq - part.firstSeq) % INDEX_EVERY === 0)
      part.index.push({ seq: line.seq, offset: part.bytes + this.pendingBytes })
    this.pending.push(text)
    this.pendingBytes += Buffer.byteLength(text)
    if (this.pendingBytes >= FLUSH_BYTES) this.flush()
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS)
      this.timer.unref()
    }
  }

  /** Writes what is buffered (reads call it first, so they see every line appended). */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const part = this.parts.at(-1)
    if (this.pending.length === 0 || part === undefined || this.fd === undefined) return
    const data = this.pending.join('')
    const lines = this.pending.length
    this.pending = []
    this.pendingBytes = 0
    try {
      writeSync(this.fd, data)
      part.bytes += Buffer.byteLength(data)
    } catch {
      this.unwritten += lines
    }
  }

  close(): void {
    this.flush()
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  /** Lines with fromSeq <= seq < toSeq, at most `limit`, oldest first. */
  async read(
    fromSeq: number,
    toSeq: number,
    limit: number,
  ): Promise<{ lines: LogLine[]; more: boolean }> {
    return this.scan(fromSeq, limit, (line) => line.seq < toSeq, toSeq)
  }

  /** Lines after `afterSeq` that `match`, at most `limit`, oldest first. */
  async search(
    match: LogPredicate,
    afterSeq: number,
    limit: number,
  ): Promise<{ lines: LogLine[]; more: boolean }> {
    return this.scan(afterSeq + 1, limit, match, Number.MAX_SAFE_INTEGER)
  }

  private async scan(
    fromSeq: number,
    limit: number,
    take: (line: LogLine) => boolean,
    stopSeq: number,
  ): Promise<{ lines: LogLine[]; more: boolean }> {
    this.flush()
    const lines: LogLine[] = []
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p] as Part
      const nextFirst = this.parts[p + 1]?.firstSeq ?? this.nextSeq
      if (nextFirst <= fromSeq) continue
      if (part.firstSeq >= stopSeq) break
      let start = 0
      for (const entry of part.index) {
        if (entry.seq > fromSeq) break
        start = entry.offset
      }
      const handle = await open(part.path, 'r')
      try {
        let position = start
        let rest = ''
        const buffer = Buffer.alloc(READ_CHUNK)
        while (position < part.bytes) {
          const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position)
          if (bytesRead === 0) break
          position += bytesRead
          const text = rest + buffer.toString('utf8', 0, bytesRead)
          const cut = text.lastIndexOf('\n')
          rest = text.slice(cut + 1)
          for (const raw of text.slice(0, cut).split('\n')) {
            if (raw === '') continue
            const line = JSON.parse(raw) as LogLine
            if (line.seq < fromSeq) continue
            if (line.seq >= stopSeq) return { lines, more: false }
            if (!take(line)) continue
            if (lines.length >= limit) return { lines, more: true }
            lines.push(line)
          }
        }
      } finally {
        await handle.close()
      }
    }
    return { lines, more: false }
  }

  private currentPart(seq: number): Part | undefined {
    let part = this.parts.at(-1)
    if (part !== undefined && part.bytes + this.pendingBytes < this.maxPartBytes) return part
    this.flush()
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    const path =
      this.parts.length === 0 ? this.path : `${this.path}.${this.parts.length + this.droppedParts}`
    try {
      this.fd = openSync(path, 'a')
    } catch {
      return undefined
    }
    part = { path, firstSeq: seq, index: [], bytes: 0 }
    this.parts.push(part)
    if (this.parts.length > this.maxParts) {
      const oldest = this.parts.shift() as Part
      this.droppedParts++
      rmSync(oldest.path, { force: true })
    }
    return part
  }
}

/** Deletes all but the newest `keep` runs' files (names start with their ISO time). */
function pruneRuns(dir: string, keep: number): void {
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => /\.ndjson(\.\d+)?$/.test(n))
  } catch {
    return
  }
  const runs = [...new Set(names.map((n) => n.replace(/(\.\d+)$/, '')))].sort().reverse()
  for (const run of runs.slice(Math.max(0, keep))) {
    for (const name of names.filter((n) => n === run || n.startsWith(`${run}.`))) {
      try {
        if (statSync(join(dir, name)).isFile()) rmSync(join(dir, name), { force: true })
      } catch {
        // Gone already, or not ours to delete: the next run tries again.
      }
    }
  }
}
