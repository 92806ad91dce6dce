// The crash guarantee: a process using the plugin, killed with SIGKILL in the middle of writing
// a file, leaves under the file's name either the previous complete content or nothing, never
// a partial file that open_ would serve; its temporary file is swept by the next start-up.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileErr } from '../../../src/shared/gen/parigot/file/v1/file_pb'
import { CHUNK, CHUNKS, versionContent } from '../../fixtures/file/crash-writer'
import { startFileGuest } from '../../fixtures/file/harness'
import type { FileGuest } from '../../fixtures/file/harness'
import { makeScratch } from './env'
import type { Scratch } from './env'

const SCRIPT = fileURLToPath(new URL('../../fixtures/file/crash-writer.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const PATH = '/parigot/app/data/state.bin'

let s: Scratch
beforeEach(() => {
  s = makeScratch()
})
afterEach(() => s.cleanup())

/** Runs the writer until `killWhen` matches a stdout line, then SIGKILLs it; resolves at exit. */
function runAndKill(mode: string, killWhen: (line: string) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, s.dataDir, PATH, mode], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    let pending = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      const parts = pending.split('\n')
      pending = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        if (!killed && killWhen(line)) {
          killed = true
          child.kill('SIGKILL')
        }
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(lines)
      else reject(new Error(`writer exited on its own (${String(_code)}): ${stderr}`))
    })
  })
}

/** What open_ serves under PATH, read through a fresh plugin instance (a new worker). */
function served(g: FileGuest): { code: number; data?: Buffer } {
  const o = g.open(PATH)
  if (o.code !== 0) return { code: o.code }
  const all = g.readAll(o.res.id, 256 * 1024)
  expect(all.code).toBe(FileErr.EOFError)
  g.close(o.res.id)
  return { code: 0, data: all.data }
}

/** Checks that `data` is exactly one complete version; returns that version. */
function completeVersion(data: Buffer): number {
  const text = data.subarray(0, 40).toString('latin1')
  const m = /^v=(\d+);n=(\d+);/.exec(text)
  expect(m).not.toBeNull()
  const v = Number(m![1])
  const { header, body } = versionContent(v)
  expect(data.length).toBe(header.length + body.length)
  expect(data.subarray(header.length).equals(body)).toBe(true)
  return v
}

const temps = (): string[] =>
  readdirSync(s.root, { recursive: true })
    .map(String)
    .filter((n) => n.includes('.parigot-tmp-'))

describe('crash guarantee (SIGKILL mid-write)', () => {
  it('an existing file keeps its last complete version when the writer is killed mid-write', async () => {
    for (let round = 0; round < 3; round++) {
      const killAt = 1 + Math.floor(Math.random() * (CHUNKS - 2))
      const minVersion = 2 + round
      const lines = await runAndKill('loop', (line) => line === `w ${minVersion} ${killAt}`)
      expect(lines).toContain(`closed ${minVersion - 1}`)
      const g = await startFileGuest(s.dataDir, {}, `reader-${round}`)
      const got = served(g)
      expect(got.code).toBe(FileErr.NoError)
      const v = completeVersion(got.data!)
      expect(v).toBeGreaterThanOrEqual(minVersion - 1)
      // The killed writer's temporary file is gone: the new instance swept it (pid is dead).
      expect(temps()).toEqual([])
      expect(g.records.some((r) => r.message.includes('removed abandoned temporary file'))).toBe(
        true,
      )
    }
  }, 60_000)

  it('a new file whose writer is killed before close does not exist', async () => {
    const lines = await runAndKill('fresh', (line) => line === `w 1 ${CHUNKS >> 1}`)
    expect(lines.length).toBeGreaterThan(0)
    expect(temps().length).toBe(1)
    const g = await startFileGuest(s.dataDir, {}, 'reader')
    expect(served(g).code).toBe(FileErr.NotExistError)
    expect(g.stat(PATH).code).toBe(FileErr.NotExistError)
    expect(existsSync(s.root)).toBe(true)
    expect(temps()).toEqual([])
    expect(CHUNK * CHUNKS).toBe(1024 * 1024)
  }, 30_000)
})
