import DatabaseConstructor from 'better-sqlite3'
import type { Database } from 'better-sqlite3'

/** The schema version this code writes and understands, kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 2

/** Message states; "ready" vs "in flight" is decided by `visible_at` against the clock. */
// The message states live in backend.ts (no SQLite there, so the JetStream broker can use them).
export { MessageState } from './backend'

export const SYNCHRONOUS_MODES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number]

// Ids are stored as the signed 64-bit bit-casts of their unsigned halves (SQLite integers are
// signed), as the reference did. `seq` is the send order (ids are time-ordered per worker only).
// Times are integer milliseconds since the epoch from the store's clock.
//
// Version 2 (a version-1 file is migrated on open): a message is found by its id through a UNIQUE index
// on `id_low` alone (lookups also compare `id_high`), instead of UNIQUE (id_high, id_low). The ids
// are random, so every send writes into a random page of that index, and for batched sends that
// index is most of what a commit writes; one 64-bit key per entry makes it about 35% smaller
// (20-26% fewer WAL pages per 1,000-message batch at 20k-160k messages). The store redraws a
// fresh id in the rare case its low half is taken, so full ids stay unique (more strictly).
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
  id_low           INTEGER NOT NULL UNIQUE,
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
const MESSAGE_COLUMN_LIST = `seq, id_high, id_low, queue_key, state, visible_at_ms, receive_count,
  last_received_ms, sent_ms, done_ms, dead_ms, sender_type, sender, payload_type, payload`
const MESSAGE_INDEX = `
-- One index serves receive (state 0 in send order), length, counts and purge; done messages
-- sit in their own state range, so they do not slow receive down. Every extra index is written
-- on each commit, which is the queue's bottleneck.
CREATE INDEX message_by_state ON message (queue_key, state, seq);
`
const DDL_V2 = QUEUE_TABLE + messageTable('message') + MESSAGE_INDEX

// Version 1 -> 2: the message table is rebuilt without UNIQUE (id_high, id_low) (a table
// constraint cannot be dropped) and with UNIQUE id_low. Rows, seq numbers and ids are kept.
const MIGRATE_V1_TO_V2 = `
${messageTable('message_v2')}
INSERT INTO message_v2 (${MESSAGE_COLUMN_LIST}) SELECT ${MESSAGE_COLUMN_LIST} FROM message;
DROP TABLE message;
ALTER TABLE message_v2 RENAME TO message;
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
    if (version === 1) {
      // In the same IMMEDIATE transaction: a failure leaves the file at version 1, untouched.
      db.exec(MIGRATE_V1_TO_V2)
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
    db.exec(DDL_V2)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}
