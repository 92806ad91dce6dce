import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import asc from 'assemblyscript/asc'
import { GUEST_ASC_OPTIONS } from '../../scripts/guest-asc-options.mjs'

/**
 * Compiles AssemblyScript guests during the test run with the compiler's programmatic API
 * (in-process; measured faster than spawning `asc`, whose start-up alone costs ~1.5 s).
 *
 * Results are cached per (file, options) in memory for the life of the test process, and on
 * disk in node_modules/.cache/parigot-asc so that other test files (vitest runs each in its own
 * worker) and later runs skip the compiler. A disk entry is only used when every file the
 * compiler looked up (sources it read, and paths it probed but did not find) is unchanged, with
 * the same compiler version and options. Set PARIGOT_ASC_CACHE=0 to disable the disk cache.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Options for a Parigot guest (scripts/guest-asc-options.mjs says what each does). */
export { GUEST_ASC_OPTIONS }

export interface AscCompileInfo {
  readonly file: string
  readonly byteLength: number
  /** Wall time of this request in ms (compiler, or disk-cache check). */
  readonly millis: number
  readonly source: 'compiler' | 'disk-cache'
}

const memoryCache = new Map<string, Promise<Uint8Array>>()
const infos: AscCompileInfo[] = []
// The compiler keeps global state between awaits; run one compilation at a time.
let compilerQueue: Promise<unknown> = Promise.resolve()

/** What happened so far in this process (for timing reports). */
export function ascCompileInfo(): readonly AscCompileInfo[] {
  return infos
}

/** Path of `test/fixtures/guests/<name>.ts`. */
export function guestSourcePath(name: string): string {
  return join(REPO_ROOT, 'test', 'fixtures', 'guests', `${name}.ts`)
}

/** Compiles `test/fixtures/guests/<name>.ts` with GUEST_ASC_OPTIONS. */
export function compileGuestFixture(name: string): Promise<Uint8Array> {
  return compileAssemblyScript(guestSourcePath(name))
}

/**
 * Compiles an AssemblyScript entry file (absolute, or relative to the repository root) to wasm.
 * Throws an Error carrying asc's diagnostics when compilation fails. Each call returns its own
 * copy of the bytes.
 */
export async function compileAssemblyScript(
  file: string,
  options: readonly string[] = GUEST_ASC_OPTIONS,
): Promise<Uint8Array> {
  const entry = isAbsolute(file) ? file : resolve(REPO_ROOT, file)
  const key = JSON.stringify([entry, options])
  let pending = memoryCache.get(key)
  if (pending === undefined) {
    pending = compileOnce(entry, options)
    memoryCache.set(key, pending)
    // A failure is not cached: the next request compiles again (after the source is fixed).
    pending.catch(() => memoryCache.delete(key))
  }
  return new Uint8Array(await pending)
}

interface DiskEntry {
  readonly version: string
  readonly deps: Record<string, string | null>
  readonly wasm: string
}

const diskCacheEnabled = (): boolean => process.env['PARIGOT_ASC_CACHE'] !== '0'
const cacheDir = (): string => join(REPO_ROOT, 'node_modules', '.cache', 'parigot-asc')
const sha256 = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex')

async function compileOnce(entry: string, options: readonly string[]): Promise<Uint8Array> {
  const started = performance.now()
  const cacheFile = join(
    cacheDir(),
    `${sha256(JSON.stringify([asc.version, entry, options]))}.json`,
  )
  if (diskCacheEnabled()) {
    const cached = await loadDiskEntry(cacheFile)
    if (cached !== undefined) {
      record(entry, cached, started, 'disk-cache')
      return cached
    }
  }
  const run = compilerQueue.then(() => runCompiler(entry, options))
  compilerQueue = run.catch(() => undefined)
  const { wasm, deps } = await run
  if (diskCacheEnabled()) await storeDiskEntry(cacheFile, wasm, deps)
  record(entry, wasm, started, 'compiler')
  return wasm
}

function record(
  file: string,
  wasm: Uint8Array,
  started: number,
  source: AscCompileInfo['source'],
): void {
  infos.push({
    file: relative(REPO_ROOT, file),
    byteLength: wasm.byteLength,
    millis: Math.round(performance.now() - started),
    source,
  })
}

async function runCompiler(
  entry: string,
  options: readonly string[],
): Promise<{ wasm: Uint8Array; deps: Record<string, string | null> }> {
  const outName = 'guest.wasm'
  let wasm: Uint8Array | undefined
  // Every path the compiler looks up, with the hash of what it found (null: not there).
  const deps: Record<string, string | null> = {}
  const stdout = asc.createMemoryStream()
  const stderr = asc.createMemoryStream()
  const result = await asc.main(
    [
      relative(REPO_ROOT, entry),
      '--baseDir',
      REPO_ROOT,
      '--noColors',
      '--outFile',
      outName,
      ...options,
    ],
    {
      stdout,
      stderr,
      readFile: async (name, baseDir) => {
        const path = resolve(baseDir, name)
        try {
          const text = await readFile(path, 'utf8')
          deps[path] = sha256(text)
          return text
        } catch {
          deps[path] = null
          return null
        }
      },
      writeFile: (name, contents) => {
        if (name === outName && typeof contents !== 'string') wasm = contents
      },
      listFiles: () => [],
    },
  )
  const diagnostics = stderr.toString().trim()
  if (result.error || wasm === undefined) {
    const reason = result.error?.message ?? 'no output was written'
    throw new Error(
      `asc failed to compile ${relative(REPO_ROOT, entry)}: ${reason}\n${diagnostics}`.trim(),
    )
  }
  return { wasm: new Uint8Array(wasm), deps }
}

async function loadDiskEntry(cacheFile: string): Promise<Uint8Array | undefined> {
  let parsed: DiskEntry
  try {
    parsed = JSON.parse(await readFile(cacheFile, 'utf8')) as DiskEntry
  } catch {
    return undefined
  }
  if (parsed.version !== asc.version || typeof parsed.wasm !== 'string') return undefined
  for (const [path, hash] of Object.entries(parsed.deps)) {
    let current: string | null
    try {
      current = sha256(await readFile(path, 'utf8'))
    } catch {
      current = null
    }
    if (current !== hash) return undefined
  }
  return new Uint8Array(Buffer.from(parsed.wasm, 'base64'))
}

async function storeDiskEntry(
  cacheFile: string,
  wasm: Uint8Array,
  deps: Record<string, string | null>,
): Promise<void> {
  const entry: DiskEntry = {
    version: asc.version,
    deps,
    wasm: Buffer.from(wasm).toString('base64'),
  }
  try {
    await mkdir(dirname(cacheFile), { recursive: true })
    // Write then rename, so a concurrent reader never sees half a file.
    const temp = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    await writeFile(temp, JSON.stringify(entry))
    await rename(temp, cacheFile)
  } catch {
    // The disk cache is an optimisation; a read-only tree just compiles every time.
  }
}
