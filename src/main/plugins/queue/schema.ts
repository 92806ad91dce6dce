import DatabaseConstructor from 'better-sqlite3'
import type { Database } from 'better-sqlite3'

/** The schema version this code writes and understands, kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 3

/** Message states; "ready" vs "in flight" is decided by `visible_at` against the clock. */
// The message states live in backend.ts (no SQLite there, so the JetStream broker can use them).
export { MessageState } from './backend'

export const SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number]

// Ids are stored as the signed 64-bit bit-casts of their unsigned halves (SQLite integers are
// signed), as the reference did. Times are integer milliseconds since the epoch from the store's
// clock.
//
// Version 3 (docs/queue.md section 3; versions 1 and 2 are migrated on open): a message id's low
// half is its `seq`, the table's rowid, and its high half (kind letter and 56 random bits) is
// stored beside it and compared on every lookup. A send appends to the table and no id index
// exists to write. The one index holds only messages that are not done (a partial index), so an
// acknowledgement removes its entry instead of moving it, and every commit of the one-at-a-time
// cycle writes two pages (the table and that small index). Each page a commit writes costs a WAL
// frame, and frames and commits are what the queue's speed is made of.
const QUEUE_TABLE = `
CREATE TABLE queue (
  key        INTEGER PRIMARY KEY,
  id_high    INTEGER NOT NULL,
  id_low     INTEGER NOT NULL,
  name       TEXT    NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  UNIQUE (id_high, id_low)
);
`
const messageTable = (name: string): string => `
CREATE TABLE ${name} (
  seq              INTEGER PRIMARY KEY,
  id_high          INTEGER NOT NULL,
  queue_key        INTEGER NOT NULL REFERENCES queue(key) ON DELETE CASCADE,
  state            INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
  visible_at_ms    INTEGER NOT NULL,
  receive_count    INTEGER NOT NULL DEFAULT 0,
  last_received_ms INTEGER,
  sent_ms          INTEGER NOT NULL,
  done_ms          INTEGER,
  dead_ms          INTEGER,
  sender_type      TEXT,
  sender           BLOB,
  payload_type     TEXT    NOT NULL,
  payload          BLOB    NOT NULL
);
`
/** Columns of version 3 that versions 1 and 2 also have (they add `id_low`). */
const MESSAGE_COLUMN_LIST = `seq, id_high, queue_key, state, visible_at_ms, receive_count,
  last_received_ms, sent_ms, done_ms, dead_ms, sender_type, sender, payload_type, payload`
/**
 * The condition of the partial index: a query can use the index only when its WHERE clause
 * contains this very term (SQLite does not infer it from `state = 0`), so every query meant for
 * the index repeats it.
 */
export const NOT_DONE = 'state <> 1'
/**
 * An acknowledgement folded into a receive sets only `done_ms`: the message is done from that
 * commit on (every query and report treats state 0 with done_ms as done), but its entry stays in
 * message_live, so the commit writes no index page. Sweeps set state 1 for a batch of them
 * together (statements.ts, ACK_SWEEP_BATCH): one index page per batch instead of one per message.
 * A batch not yet swept when its process dies is swept by the first receive that meets its
 * messages visible again (after their visibility timeout); until then receives step over them.
 */
export const ACKED = 'done_ms IS NOT NULL'
export const UNACKED = 'done_ms IS NULL'
const MESSAGE_INDEX = `
-- Messages not done (pending and dead), per queue in send order: receive, length, the counts of
-- ready, in-flight and dead, redrive. Done messages are left out: an acknowledgement then deletes
-- one entry of this small index instead of moving it, and done messages are only read by the
-- inspector (counting, peeking or purging them scans the queue's rows).
CREATE INDEX message_live ON message (queue_key, state, seq) WHERE ${NOT_DONE};
`
const DDL_V3 = QUEUE_TABLE + messageTable('message') + MESSAGE_INDEX

// Version 1 or 2 -> 3: the message table is rebuilt without `id_low` (and the constraints and
// indexes that used it). Rows and seq numbers are kept; a message's id becomes (id_high, seq), so
// an id handed out before the upgrade no longer names its message (section 3 of docs/queue.md).
const MIGRATE_TO_V3 = `
${messageTable('message_v3')}
INSERT INTO message_v3 (${MESSAGE_COLUMN_LIST}) SELECT ${MESSAGE_COLUMN_LIST} FROM message;
DROP TABLE message;
ALTER TABLE message_v3 RENAME TO message;
${MESSAGE_INDEX}
`

/**
 * WAL pages between automatic checkpoints. A checkpoint fsyncs the WAL and the database file
 * and copies pages back, which on a virtual disk costs milliseconds. With FULL or EXTRA every
 * commit is already fsynced, so checkpointing less often loses nothing and saves that cost
 * (batched send +50% here). With NORMAL the checkpoint is the only fsync, so a longer interval
 * would widen what a power cut can take back: NORMAL keeps SQLite's default.
 */
export function walAutocheckpointPages(synchronous: SynchronousMode): number {
  return synchronous === 'FULL' || synchronous === 'EXTRA' ? 4000 : 1000
}

export interface OpenOptions {
  readonly synchronous: SynchronousMode
  /** How long a writer waits for another connection's lock before failing. */
  readonly busyTimeoutMs: number
}

export class QueueSchemaError extends Error {
  override readonly name = 'QueueSchemaError'
}

/**
 * Opens (creating if needed) the queue database at `path`: WAL journal, the given synchronous
 * mode, foreign keys on, and the schema at SCHEMA_VERSION. Refuses a file whose schema is newer
 * than this code, or that is not a queue database, instead of guessing.
 */
export function openQueueDatabase(path: string, options: OpenOptions): Database {
  const db = new DatabaseConstructor(path, { timeout: options.busyTimeoutMs })
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal') {
      throw new QueueSchemaError(`queue database ${path}: cannot switch to WAL (journal ${mode})`)
    }
    db.pragma(`synchronous = ${options.synchronous}`)
    db.pragma(`wal_autocheckpoint = ${walAutocheckpointPages(options.synchronous)}`)
    db.pragma('foreign_keys = ON')
    ensureSchema(db, path)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/** The schema version stored in the file. */
export function schemaVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }))
}

function ensureSchema(db: Database, path: string): void {
  // IMMEDIATE: several guest workers may open a fresh file at once; one creates, the others wait
  // on the busy timeout and then see the finished schema.
  db.transaction(() => {
    const version = schemaVersion(db)
    if (version === SCHEMA_VERSION) return
    if (version > SCHEMA_VERSION) {
      throw new QueueSchemaError(
        `queue database ${path} has schema version ${version}, newer than the version this ` +
          `Parigot understands (${SCHEMA_VERSION}); refusing to open it (use a newer Parigot or ` +
          `another file)`,
      )
    }
    if (version === 1 || version === 2) {
      // In the same IMMEDIATE transaction: a failure leaves the file as it was, untouched.
      db.exec(MIGRATE_TO_V3)
      db.pragma(`user_version = ${SCHEMA_VERSION}`)
      return
    }
    if (version < 0) {
      throw new QueueSchemaError(
        `queue database ${path} has an invalid schema version ${version} (expected 0..${SCHEMA_VERSION})`,
      )
    }
    // version 0: a fresh file, or a foreign SQLite file that happens to lack a version.
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[]
    if (tables.length > 0) {
      throw new QueueSchemaError(
        `queue database ${path} has schema version 0 but already holds tables ` +
          `(${tables.join(', ')}); it is not a Parigot queue database, refusing to modify it`,
      )
    }
    db.exec(DDL_V3)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}
