// Every SQL statement of the queue store, prepared once per connection (preparing costs more
// than running most of them).
import type { Database, Statement } from 'better-sqlite3'
import { MESSAGE_COLUMNS, MESSAGE_STATE, QUEUE_COLUMNS } from './rows'
import { ACKED, NOT_DONE, UNACKED } from './schema'

/** Rows per multi-row INSERT of a batched send (9 parameters each, far below SQLite's limit). */
export const INSERT_CHUNK = 50

/**
 * Acknowledgements (folded into receives) whose index entries one sweep removes: one page of the
 * small index written per this many messages instead of one per message (schema.ts, ACKED).
 */
export const ACK_SWEEP_BATCH = 16

// A message is found by its id as (seq = low half, id_high = high half): a rowid lookup.
// Queries meant for the partial index message_live repeat its condition (NOT_DONE, schema.ts).
// A message is done when its state is 1 or it carries an acknowledgement not yet swept.
const DONE = `(state = 1 OR ${ACKED})`

const INSERT_COLUMNS = `seq, id_high, queue_key, state, visible_at_ms, sent_ms, sender_type,
  sender, payload_type, payload`

export function prepareStatements(db: Database) {
  const q = (sql: string): Statement => db.prepare(sql).safeIntegers(true)
  return {
    queueById: q(`SELECT ${QUEUE_COLUMNS} FROM queue WHERE id_high = ? AND id_low = ?`),
    // The hot paths need only the key (a small rowid): no BigInt conversion.
    queueKeyById: db.prepare('SELECT key FROM queue WHERE id_high = ? AND id_low = ?').pluck(),
    queueByName: q(`SELECT ${QUEUE_COLUMNS} FROM queue WHERE name = ?`),
    queueByKey: q(`SELECT ${QUEUE_COLUMNS} FROM queue WHERE key = ?`),
    allQueues: q(`SELECT ${QUEUE_COLUMNS} FROM queue ORDER BY name`),
    insertQueue: q(
      `INSERT INTO queue (id_high, id_low, name, created_ms) VALUES (?, ?, ?, ?) RETURNING key`,
    ),
    deleteQueueMessages: q('DELETE FROM message WHERE queue_key = ?'),
    deleteQueue: q('DELETE FROM queue WHERE key = ?'),
    length: q(
      `SELECT count(*) FROM message
       WHERE queue_key = ? AND state = 0 AND ${NOT_DONE} AND ${UNACKED}`,
    ).pluck(),
    // A batch's first seq: the batch holds the write lock, so max + 1 onwards are free.
    lastSeq: q('SELECT coalesce(max(seq), 0) FROM message').pluck(),
    // A single-message send in one statement: the queue's key comes from its id, no row if
    // the queue does not exist (the WHERE also keeps SQLite from reading ON as a join). SQLite
    // gives the row its seq (the largest + 1), the id's low half.
    sendOne: q(
      `INSERT INTO message (id_high, queue_key, state, visible_at_ms, sent_ms, sender_type,
         sender, payload_type, payload)
       SELECT ?, key, 0, ?, ?, ?, ?, ?, ? FROM queue WHERE id_high = ? AND id_low = ?`,
    ),
    insertMessage: q(
      `INSERT INTO message (${INSERT_COLUMNS}) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
    ),
    insertChunk: q(
      `INSERT INTO message (${INSERT_COLUMNS}) VALUES
       ${Array.from({ length: INSERT_CHUNK }, () => '(?, ?, ?, 0, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    ),
    deliver: q(
      `UPDATE message SET visible_at_ms = ?, receive_count = receive_count + 1,
         last_received_ms = ? WHERE seq = ?`,
    ),
    kill: q('UPDATE message SET state = 2, dead_ms = ? WHERE seq = ?'),
    // An acknowledged message keeps the time of its first acknowledgement.
    markDone: q(
      `UPDATE message SET state = 1, done_ms = coalesce(done_ms, ?)
       WHERE seq = ? AND id_high = ? AND queue_key = ? AND state <> 1`,
    ),
    // A single-id mark-done in one statement (the queue's key from its id, as sendOne).
    markDoneInQueue: q(
      `UPDATE message SET state = 1, done_ms = coalesce(done_ms, ?)
       WHERE seq = ? AND id_high = ? AND state <> 1
         AND queue_key = (SELECT key FROM queue WHERE id_high = ? AND id_low = ?)`,
    ),
    // An acknowledgement folded into a receive: done_ms only, so the message's entry stays in
    // message_live (no index page written) until a sweep (schema.ts, ACKED). Pending messages
    // only; a dead one is marked done by markDoneInQueue.
    ackInQueue: q(
      `UPDATE message SET done_ms = ?
       WHERE seq = ? AND id_high = ? AND state = 0 AND ${UNACKED}
         AND queue_key = (SELECT key FROM queue WHERE id_high = ? AND id_low = ?)`,
    ),
    // Moves acknowledged messages out of message_live: one index page for the batch.
    sweepAcked: q(
      `UPDATE message SET state = 1
       WHERE seq IN (${Array.from({ length: ACK_SWEEP_BATCH }, () => '?').join(', ')})
         AND state = 0 AND ${ACKED}`,
    ),
    messageExists: q(
      'SELECT 1 FROM message WHERE seq = ? AND id_high = ? AND queue_key = ?',
    ).pluck(),
    redrive: q(
      `UPDATE message SET state = 0, visible_at_ms = ?, receive_count = 0, dead_ms = NULL
       WHERE queue_key = ? AND state = 2 AND ${NOT_DONE}`,
    ),
    liveCounts: q(
      `SELECT
         coalesce(sum(state = 0 AND ${UNACKED} AND visible_at_ms <= @now), 0) AS ready,
         coalesce(sum(state = 0 AND ${UNACKED} AND visible_at_ms > @now), 0) AS in_flight,
         coalesce(sum(state = 2), 0) AS dead
       FROM message WHERE queue_key = @key AND ${NOT_DONE}`,
    ),
    // Done messages are not indexed: this scans the queue's rows (the inspector only).
    doneCount: q(`SELECT count(*) FROM message WHERE queue_key = ? AND ${DONE}`).pluck(),
    // The same for every queue in one scan (the inspector's list).
    doneCounts: q(`SELECT queue_key, count(*) FROM message WHERE ${DONE} GROUP BY queue_key`).raw(
      true,
    ),
    // Two peeks: one for states the index holds (pending, dead), one that may include done.
    peekLive: q(
      `SELECT ${MESSAGE_COLUMNS} FROM message
       WHERE queue_key = ? AND seq > ? AND ${MESSAGE_STATE} IN (SELECT value FROM json_each(?))
         AND ${NOT_DONE}
       ORDER BY seq LIMIT ?`,
    ),
    peekAny: q(
      `SELECT ${MESSAGE_COLUMNS} FROM message
       WHERE queue_key = ? AND seq > ? AND ${MESSAGE_STATE} IN (SELECT value FROM json_each(?))
       ORDER BY seq LIMIT ?`,
    ),
    messageById: q(
      `SELECT ${MESSAGE_COLUMNS}, queue_key FROM message WHERE seq = ? AND id_high = ?`,
    ),
    deleteMessage: q('DELETE FROM message WHERE seq = ? AND id_high = ?'),
    purgeAll: q('DELETE FROM message WHERE queue_key = ?'),
    purgeState: q(`DELETE FROM message WHERE queue_key = ? AND ${MESSAGE_STATE} = ?`),
    // Ready = pending and visible; a message in flight stays with its consumer.
    purgeReady: q(
      `DELETE FROM message
       WHERE queue_key = ? AND state = 0 AND ${NOT_DONE} AND ${UNACKED} AND visible_at_ms <= ?`,
    ),
  }
}

export type QueueStatements = ReturnType<typeof prepareStatements>

/**
 * The oldest visible pending messages of a queue (by its id), at most `limit`. The limit is part of the SQL
 * text, not a parameter: SQLite's planner takes a bound LIMIT into account, so re-binding it
 * expires the statement and every call re-prepared it (a parse and plan, about 12 us here).
 */
export function prepareVisible(db: Database, limit: number): Statement {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`bad limit ${limit}`)
  return (
    db
      .prepare(
        // The queue's key from its id (a constant subquery: still an index lookup), so the
        // hot path needs no statement of its own to find it.
        `SELECT ${MESSAGE_COLUMNS} FROM message
         WHERE queue_key = (SELECT key FROM queue WHERE id_high = ? AND id_low = ?)
           AND state = 0 AND ${NOT_DONE} AND visible_at_ms <= ? ORDER BY seq LIMIT ${limit}`,
      )
      .safeIntegers(true)
      // Arrays, not objects: building a 14-key object per row costs more than the query.
      .raw(true)
  )
}
