import { isAbsolute, resolve } from 'node:path'

/** The file plugin's limits and locations, from the deploy config's `[plugin.file]` settings. */
export interface FileSettings {
  /** Host directory that `/parigot/app/` maps to (absolute). */
  readonly root: string
  /** Files a guest may have in Write or Read at once. */
  readonly maxOpenFiles: number
  /** Largest create content, read request or write buffer, in bytes. */
  readonly maxBufferBytes: number
  /** Most `/`-separated parts of a cleaned guest path (the leading empty one counts). */
  readonly maxPathParts: number
  /** Age after which an abandoned temporary file of this process may be swept at start-up. */
  readonly staleTempSeconds: number
}

export const DEFAULT_MAX_OPEN_FILES = 64
export const DEFAULT_MAX_BUFFER_BYTES = 1024 * 1024
export const DEFAULT_MAX_PATH_PARTS = 20
export const DEFAULT_STALE_TEMP_SECONDS = 24 * 60 * 60

/** Upper bounds that keep a typo in a config from turning into an unbounded allocation. */
const MAX_BUFFER_CEILING = 64 * 1024 * 1024
const MAX_OPEN_CEILING = 65536
const MAX_PARTS_CEILING = 256

const KNOWN_KEYS = new Set([
  'root',
  'maxOpenFiles',
  'maxBufferBytes',
  'maxPathParts',
  'staleTempSeconds',
])

export type SettingsResult = { ok: true; settings: FileSettings } | { ok: false; error: string }

function intSetting(
  settings: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number | string {
  const value = settings[key]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return `setting ${key} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`
  }
  return value
}

/** Validates the settings; `root` defaults to `<dataDir>/app` and a relative root is under dataDir. */
export function parseSettings(
  settings: Readonly<Record<string, unknown>>,
  dataDir: string,
): SettingsResult {
  for (const key of Object.keys(settings)) {
    if (!KNOWN_KEYS.has(key)) return { ok: false, error: `unknown setting ${JSON.stringify(key)}` }
  }
  const rootSetting = settings['root']
  if (rootSetting !== undefined && (typeof rootSetting !== 'string' || rootSetting === '')) {
    return { ok: false, error: 'setting root must be a non-empty string' }
  }
  if (!isAbsolute(dataDir)) return { ok: false, error: `dataDir ${dataDir} is not absolute` }
  const root = resolve(dataDir, rootSetting ?? 'app')
  const maxOpenFiles = intSetting(
    settings,
    'maxOpenFiles',
    DEFAULT_MAX_OPEN_FILES,
    1,
    MAX_OPEN_CEILING,
  )
  const maxBufferBytes = intSetting(
    settings,
    'maxBufferBytes',
    DEFAULT_MAX_BUFFER_BYTES,
    1,
    MAX_BUFFER_CEILING,
  )
  const maxPathParts = intSetting(
    settings,
    'maxPathParts',
    DEFAULT_MAX_PATH_PARTS,
    4,
    MAX_PARTS_CEILING,
  )
  const staleTempSeconds = intSetting(
    settings,
    'staleTempSeconds',
    DEFAULT_STALE_TEMP_SECONDS,
    0,
    Number.MAX_SAFE_INTEGER,
  )
  for (const v of [maxOpenFiles, maxBufferBytes, maxPathParts, staleTempSeconds]) {
    if (typeof v === 'string') return { ok: false, error: v }
  }
  return {
    ok: true,
    settings: {
      root,
      maxOpenFiles: maxOpenFiles as number,
      maxBufferBytes: maxBufferBytes as number,
      maxPathParts: maxPathParts as number,
      staleTempSeconds: staleTempSeconds as number,
    },
  }
}
