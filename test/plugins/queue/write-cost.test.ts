// What the queue's speed is made of (docs/queue.md section 5): the pages each commit writes and
// the index each hot query uses. Measured on a real file: WAL frames counted from the WAL's size
// with automatic checkpoints off, query plans from SQLite itself.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NOT_DONE, openQueueDatabase } from '../../../src/main/plugins/queue/schema'
import { prepareStatements, prepareVisible } from '../../../src/main/plugins/queue/statements'
import { QueueStore } from '../../../src/main/plugins/queue/store'
import type { QueueMsgId } from '../../../src/shared/id'
import { tempDir } from './helpers'

const PAGE_SIZE = 4096
const WAL_FRAME_HEADER = 24
const PAYLOAD = { typeUrl: 'type.googleapis.com/t.P', value: new Uint8Array(100).fill(7) }

const closers: { close(): void }[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c.close()
})

function openStore(): { store: QueueStore; path: string } {
  const path = join(tempDir(), 'queues.sqlite')
  const db = openQueueDatabase(path, { synchronous: 'NORMAL', busyTimeoutMs: 2000 })
  db.pragma('wal_autocheckpoint = 0')
  const store = new QueueStore(db)
  closers.push(store)
  return { store, path }
}

describe('queue write cost', () => {
  it('a one-at-a-time message (send, then receive carrying its ack) writes about 3 pages', () => {
    const { store, path } = openStore()
    const q = store.createQueue('cost')
    if (!q.ok) throw new Error(q.error)
    const walBytes = () => statSync(`${path}-wal`).size
    const cycle = (n: number, previous: QueueMsgId[]): QueueMsgId[] => {
      for (let i = 0; i < n; i++) {
        expect(store.send(q.value.id, [{ payload: PAYLOAD }]).ok).toBe(true)
        const got = store.markDoneAndReceive(q.value.id, previous, 1)
        if (!got.ok || got.value.messages.length !== 1) throw new Error('receive failed')
        previous = [got.value.messages[0]!.msgId]
      }
      return previous
    }
    const warm = cycle(200, [])
    const before = walBytes()
    const n = 1000
    cycle(n, warm)
    const frames = (walBytes() - before) / (PAGE_SIZE + WAL_FRAME_HEADER) / n
    // The send writes the table's page and the small index of live messages; the receive only
    // the table's page (its acknowledgement leaves the index entry to a sweep, one index page
    // per ACK_SWEEP_BATCH messages); plus the table's page splits. Acknowledged at once, 4.14;
    // schema 2 wrote 6.3 (a UNIQUE id index, and a state index in which an acknowledgement
    // moved its entry); the floor's bare cycle writes 6.
    expect(frames).toBeGreaterThanOrEqual(3)
    expect(frames).toBeLessThan(3.5)
  })

  it('the hot queries use the rowid or the partial index, never a scan', () => {
    const { store } = openStore()
    const st = prepareStatements(store.db)
    const plan = (sql: string, ...args: unknown[]): string =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ')
    const usesLiveIndex = /SEARCH message USING (COVERING )?INDEX message_live/
    expect(plan(prepareVisible(store.db, 1).source, 1, 2, 3)).toMatch(usesLiveIndex)
    expect(plan(st.length.source, 1)).toMatch(usesLiveIndex)
    expect(plan(st.liveCounts.source, { now: 1, key: 1 })).toMatch(usesLiveIndex)
    expect(plan(st.redrive.source, 1, 1)).toMatch(usesLiveIndex)
    expect(plan(st.purgeReady.source, 1, 1)).toMatch(usesLiveIndex)
    const byRowid = /SEARCH message USING INTEGER PRIMARY KEY \(rowid=\?\)/
    expect(plan(st.markDoneInQueue.source, 1, 2, 3, 4, 5)).toMatch(byRowid)
    expect(plan(st.messageExists.source, 1, 2, 3)).toMatch(byRowid)
    expect(plan(st.deliver.source, 1, 2, 3)).toMatch(byRowid)
    expect(plan(st.lastSeq.source)).toMatch(/SEARCH message/)
    // Without the index's own condition SQLite cannot use the partial index.
    const withoutCondition = prepareVisible(store.db, 1).source.replace(`AND ${NOT_DONE}`, '')
    expect(plan(withoutCondition, 1, 2, 3)).not.toMatch(usesLiveIndex)
  })
})
