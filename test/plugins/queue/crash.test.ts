import { spawn } from 'node:child_process'
import { join } from 'node:path'
import DatabaseConstructor from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { MESSAGE_STATE } from '../../../src/main/plugins/queue/rows'
import { openQueueDatabase } from '../../../src/main/plugins/queue/schema'
import { QueueStore } from '../../../src/main/plugins/queue/store'
import { formatId } from '../../../src/shared/id'
import { fixturePath } from '../../helpers/wat'
import { tempDir } from './helpers'

const KILLS = 15
const CHILD = fixturePath('queue/crash-child.ts')

/** Runs the child until it has acknowledged something, then SIGKILLs it at a random moment. */
function runAndKill(dbPath: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let armed = false
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => (stderr += chunk))
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      if (!armed) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 150)
      }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`crash child ended by itself (code ${code}): ${stderr}`))
        return
      }
      // A line cut by the kill has no newline yet: it was never fully acknowledged.
      const lines = stdout.split('\n')
      lines.pop()
      resolve(lines)
    })
  })
}

describe('queue durability under SIGKILL', () => {
  it(`keeps every acknowledged send and mark-done across ${KILLS} kills`, async () => {
    const dbPath = join(tempDir(), 'queues.sqlite')
    const sent: string[] = []
    const done: string[] = []
    for (let i = 0; i < KILLS; i++) {
      for (const line of await runAndKill(dbPath)) {
        const [kind, ...ids] = line.split(' ')
        ;(kind === 'S' ? sent : done).push(...ids)
      }
    }
    expect(sent.length).toBeGreaterThan(KILLS)
    expect(new Set(sent).size).toBe(sent.length)

    const db = new DatabaseConstructor(dbPath)
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      // The state the store reports: an acknowledgement folded into a receive may still await
      // its sweep (state 0 with done_ms, schema.ts ACKED) when the kill came.
      const rows = db
        .prepare(`SELECT id_high, seq AS id_low, ${MESSAGE_STATE} AS state FROM message`)
        .safeIntegers(true)
        .all() as { id_high: bigint; id_low: bigint; state: bigint }[]
      const key = (h: bigint, l: bigint) =>
        `msg-${(BigInt.asUintN(64, h) & 0x00ff_ffff_ffff_ffffn).toString(16).padStart(14, '0')}-${BigInt.asUintN(64, l).toString(16).padStart(16, '0')}`
      const stateOf = new Map<string, number>()
      for (const r of rows) {
        const k = key(r.id_high, r.id_low)
        expect(stateOf.has(k)).toBe(false)
        stateOf.set(k, Number(r.state))
      }
      for (const id of sent) expect(stateOf.has(id), `acknowledged send ${id} lost`).toBe(true)
      for (const id of done) expect(stateOf.get(id), `acknowledged done ${id} not done`).toBe(1)
      // Every message in the file is one that some child sent (possibly unacknowledged at kill).
      expect(rows.length).toBeGreaterThanOrEqual(sent.length)
    } finally {
      db.close()
    }
    // Whatever sweeps the kills cut off, no acknowledged message is delivered again.
    const store = new QueueStore(
      openQueueDatabase(dbPath, { synchronous: 'NORMAL', busyTimeoutMs: 5000 }),
      {
        now: () => Date.now() + 3_600_000,
      },
    )
    try {
      const queue = store.locate('crash')
      if (!queue.ok) throw new Error(queue.error)
      const acknowledged = new Set(done)
      for (;;) {
        const got = store.receive(queue.value.id, 100)
        if (!got.ok) throw new Error(got.error)
        if (got.value.length === 0) break
        for (const m of got.value) {
          expect(acknowledged.has(formatId(m.msgId)), `done ${formatId(m.msgId)} redelivered`).toBe(
            false,
          )
        }
      }
      expect(store.counts(queue.value.key).done).toBeGreaterThanOrEqual(acknowledged.size)
    } finally {
      store.close()
    }
  }, 60_000)
})
