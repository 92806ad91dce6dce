import { mkdirSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import type { ParigotInit, PluginInitContext } from '../plugin-api'
import type { QueueBackend } from './backend'
import { queueHostFunctions } from './host-functions'
import { JetStreamQueueBackend } from './jetstream/backend'
import { openQueueDatabase, SYNCHRONOUS_MODES } from './schema'
import type { SynchronousMode } from './schema'
import {
  DEFAULT_MAX_RECEIVE_BATCH,
  DEFAULT_MAX_RECEIVES,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  QueueStore,
} from './store'

export const DEFAULT_QUEUE_FILE = 'queues.sqlite'
/**
 * NORMAL in WAL mode: a commit is written to the WAL (the OS has it) before the call returns, so
 * a killed process loses nothing acknowledged; only a power cut or kernel crash can lose the
 * last commits. FULL adds an fsync per commit. Measurements: docs/queue.md.
 */
export const DEFAULT_SYNCHRONOUS: SynchronousMode = 'NORMAL'
export const DEFAULT_BUSY_TIMEOUT_MS = 5000
/** How long a guest waits for the JetStream broker's answer to one queue call. */
export const DEFAULT_BROKER_TIMEOUT_MS = 10_000

/** Where the queues are kept: one SQLite file (default) or JetStream streams shared by hosts. */
export const QUEUE_BACKENDS = ['sqlite', 'jetstream'] as const
export type QueueBackendName = (typeof QUEUE_BACKENDS)[number]
/** Settings of the SQLite file, refused with the JetStream backend (they would do nothing). */
const SQLITE_ONLY = ['file', 'synchronous', 'busyTimeoutMs'] as const

/** The plugin's settings after validation, all defaults filled in. */
export interface QueueSettings {
  readonly backend: QueueBackendName
  /** The database file, relative to the deployment's data directory. */
  readonly file: string
  readonly synchronous: SynchronousMode
  readonly busyTimeoutMs: number
  readonly visibilityTimeoutMs: number
  readonly maxReceives: number
  readonly maxReceiveBatch: number
  readonly brokerTimeoutMs: number
}

export type SettingsResult =
  | { readonly ok: true; readonly settings: QueueSettings; readonly path: string }
  | { readonly ok: false; readonly error: string }

const INTEGER_SETTINGS = {
  busyTimeoutMs: { min: 0, fallback: DEFAULT_BUSY_TIMEOUT_MS },
  visibilityTimeoutMs: { min: 0, fallback: DEFAULT_VISIBILITY_TIMEOUT_MS },
  maxReceives: { min: 1, fallback: DEFAULT_MAX_RECEIVES },
  maxReceiveBatch: { min: 1, fallback: DEFAULT_MAX_RECEIVE_BATCH },
  brokerTimeoutMs: { min: 1, fallback: DEFAULT_BROKER_TIMEOUT_MS },
} as const
type IntegerSetting = keyof typeof INTEGER_SETTINGS
const KNOWN = new Set<string>(['backend', 'file', 'synchronous', ...Object.keys(INTEGER_SETTINGS)])

/** Validates the deploy config's `[plugin settings]` for the queue; errors name the key. */
export function parseQueueSettings(
  raw: Readonly<Record<string, unknown>>,
  dataDir: string,
): SettingsResult {
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) {
      return {
        ok: false,
        error: `unknown queue setting "${key}" (known: ${[...KNOWN].join(', ')})`,
      }
    }
  }
  const backend = raw['backend'] ?? 'sqlite'
  if (!QUEUE_BACKENDS.includes(backend as QueueBackendName)) {
    return {
      ok: false,
      error: `queue setting "backend" is ${JSON.stringify(backend)}; expected one of ${QUEUE_BACKENDS.join(', ')}`,
    }
  }
  if (backend === 'jetstream') {
    const sqliteOnly = SQLITE_ONLY.find((key) => raw[key] !== undefined)
    if (sqliteOnly !== undefined) {
      return {
        ok: false,
        error: `queue setting "${sqliteOnly}" applies to the sqlite backend only, not to backend "jetstream"`,
      }
    }
  }
  const file = raw['file'] ?? DEFAULT_QUEUE_FILE
  if (typeof file !== 'string' || file.trim() === '' || file.includes('\0')) {
    return { ok: false, error: `queue setting "file" must be a non-empty file name` }
  }
  const path = resolve(dataDir, file)
  const rel = relative(resolve(dataDir), path)
  if (isAbsolute(file) || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    return {
      ok: false,
      error: `queue setting "file" (${JSON.stringify(file)}) must stay inside the data directory ${dataDir}`,
    }
  }
  const syncRaw = raw['synchronous'] ?? DEFAULT_SYNCHRONOUS
  const synchronous = typeof syncRaw === 'string' ? syncRaw.toUpperCase() : syncRaw
  if (!SYNCHRONOUS_MODES.includes(synchronous as SynchronousMode)) {
    return {
      ok: false,
      error:
        `queue setting "synchronous" is ${JSON.stringify(syncRaw)}; ` +
        `expected one of ${SYNCHRONOUS_MODES.join(', ')}`,
    }
  }
  const ints = {} as Record<IntegerSetting, number>
  for (const [key, rule] of Object.entries(INTEGER_SETTINGS) as [
    IntegerSetting,
    { min: number; fallback: number },
  ][]) {
    const value = raw[key] ?? rule.fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < rule.min) {
      return {
        ok: false,
        error: `queue setting "${key}" is ${JSON.stringify(value)}; expected an integer >= ${rule.min}`,
      }
    }
    ints[key] = value
  }
  return {
    ok: true,
    path,
    settings: {
      backend: backend as QueueBackendName,
      file,
      synchronous: synchronous as SynchronousMode,
      ...ints,
    },
  }
}

export interface QueuePluginOptions {
  /** The clock of every store the plugin opens (tests inject one). */
  readonly now?: () => number
  /** Called with each store the plugin opens, so a test can close it. */
  readonly onStore?: (store: QueueStore) => void
}

/** A queue plugin; `QueuePlugin` is the default one. */
export function createQueuePlugin(options: QueuePluginOptions = {}): ParigotInit {
  return {
    init(ctx: PluginInitContext, engine): boolean {
      const parsed = parseQueueSettings(ctx.settings, ctx.dataDir)
      if (!parsed.ok) {
        ctx.logger.log('error', `plugin "${ctx.name}": ${parsed.error}`)
        return false
      }
      const { settings, path } = parsed
      let store: QueueBackend
      if (settings.backend === 'jetstream') {
        const opened = openJetStream(ctx, settings)
        if (opened === undefined) return false
        store = opened
      } else {
        try {
          mkdirSync(dirname(path), { recursive: true })
          const db = openQueueDatabase(path, settings)
          const sqlite = new QueueStore(db, { ...settings, now: options.now })
          options.onStore?.(sqlite)
          store = sqlite
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err)
          ctx.logger.log(
            'error',
            `plugin "${ctx.name}": cannot open queue database ${path}: ${message}`,
          )
          return false
        }
        ctx.logger.log(
          'debug',
          `queue database ${path} open (journal WAL, synchronous ${settings.synchronous})`,
        )
      }
      for (const def of queueHostFunctions(ctx.invokeAdapter, store)) {
        engine.registerHostFunction(def)
      }
      return true
    },
  }
}

/**
 * The JetStream backend over the deployment's `[cluster]` server. The broker thread starts here
 * and connects in the background; the first queue call waits for it (bounded).
 */
function openJetStream(
  ctx: PluginInitContext,
  settings: QueueSettings,
): JetStreamQueueBackend | undefined {
  const cluster = ctx.deployment?.cluster
  if (ctx.deployment === undefined || cluster === undefined) {
    ctx.logger.log(
      'error',
      `plugin "${ctx.name}": queue setting backend = "jetstream" needs the deployment's [cluster] nats server`,
    )
    return undefined
  }
  try {
    const backend = new JetStreamQueueBackend({
      cluster,
      deployment: ctx.deployment.name,
      settings: {
        visibilityTimeoutMs: settings.visibilityTimeoutMs,
        maxReceives: settings.maxReceives,
        maxReceiveBatch: settings.maxReceiveBatch,
      },
      timeoutMs: settings.brokerTimeoutMs,
    })
    ctx.logger.log('debug', `queues kept in JetStream on ${cluster.nats}`)
    return backend
  } catch (err) {
    ctx.logger.log(
      'error',
      `plugin "${ctx.name}": cannot start the JetStream queue broker: ${err instanceof Error ? err.message : String(err)}`,
    )
    return undefined
  }
}

/** The built-in queue plugin (module `queue`). */
export const QueuePlugin: ParigotInit = createQueuePlugin()
