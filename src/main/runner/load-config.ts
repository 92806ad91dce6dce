/**
 * Reads a deploy config from disk, validates it (src/shared/deploy-config) and checks the files
 * and folders it names, as `run` will use them: each service's `wasm` must be a regular file
 * that starts with the WebAssembly magic number, each plugin `path` a regular `.js`/`.mjs` file,
 * each `deployment.descriptors` entry a regular file, and `data_dir` a folder (or creatable) that
 * is not a system folder. Every file-system error becomes a diagnostic naming the key and path.
 * (What a descriptor set holds is checked where it is read, by the Studio: a bad one costs
 * decoded payloads, not the deployment.)
 */
import { constants } from 'node:fs'
import { access, open, readFile, realpath, stat } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve, sep } from 'node:path'
import {
  analyzeDeployConfig,
  formatDiagnostic,
  type ConfigPathReference,
} from '../../shared/deploy-config/parse'
import type { ConfigDiagnostic, DeployConfig } from '../../shared/deploy-config/types'

export { formatDiagnostic }

export interface LoadDeployConfigResult {
  /** Present only when there is no error (warnings allowed). */
  readonly config?: DeployConfig
  readonly diagnostics: ConfigDiagnostic[]
}

export interface ReferenceCheckOptions {
  /**
   * Where files may be (the Studio's workspace roots): a path outside is reported as such,
   * without looking at it, so that a diagnostic never tells whether it exists.
   */
  readonly allowed?: (path: string) => Promise<boolean>
}

/** Largest deploy config read (bytes): far above any real one, far below a stall. */
export const MAX_CONFIG_BYTES = 1024 * 1024
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d])
/** Folders that are never a deployment's data folder (nor anything under them). */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev']

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
}

function under(dir: string, path: string): boolean {
  return path === dir || path.startsWith(`${dir}${sep}`)
}

/** The real path of `path`, or of its nearest existing ancestor plus the missing rest. */
async function realOrNearest(path: string): Promise<{ real: string; existing: string }> {
  const rest: string[] = []
  let current = path
  for (;;) {
    try {
      const existing = await realpath(current)
      return { real: join(existing, ...rest.reverse()), existing }
    } catch {
      const parent = dirname(current)
      if (parent === current) return { real: path, existing: current }
      rest.push(basename(current))
      current = parent
    }
  }
}

async function checkDataDir(path: string): Promise<string | undefined> {
  const { real, existing } = await realOrNearest(path)
  if (real === sep || SYSTEM_DIRS.some((dir) => under(dir, real) || under(dir, path)))
    return `data_dir ${path} is a system folder; choose a folder of the project`
  if (existing === real) {
    const info = await stat(real)
    if (!info.isDirectory()) return `data_dir ${path} is not a folder`
    return undefined
  }
  // Not there yet: `run` creates it, so what exists above it must be a writable folder.
  const above = await stat(existing)
  if (!above.isDirectory()) return `data_dir ${path} cannot be created: ${existing} is not a folder`
  try {
    await access(existing, constants.W_OK)
  } catch {
    return `data_dir ${path} cannot be created: ${existing} is not writable`
  }
  return undefined
}

async function checkFile(ref: ConfigPathReference): Promise<string | undefined> {
  const info = await stat(ref.path)
  if (!info.isFile()) return `${ref.what} ${ref.path} is not a file`
  if (ref.kind === 'plugin' && !['.js', '.mjs'].includes(extname(ref.path).toLowerCase()))
    return `${ref.what} ${ref.path} must be a JavaScript module (.js or .mjs)`
  if (ref.kind === 'wasm') {
    const handle = await open(ref.path, 'r')
    try {
      const head = Buffer.alloc(4)
      const { bytesRead } = await handle.read(head, 0, 4, 0)
      if (bytesRead < 4 || !head.equals(WASM_MAGIC))
        return `${ref.what} ${ref.path} is not a WebAssembly module (it does not start with \\0asm)`
    } finally {
      await handle.close()
    }
  }
  return undefined
}

/** One diagnostic for a file or folder the config names, or undefined when it is usable. */
export async function checkReference(
  file: string,
  ref: ConfigPathReference,
  options: ReferenceCheckOptions = {},
): Promise<ConfigDiagnostic | undefined> {
  let message: string | undefined
  if (options.allowed !== undefined && !(await options.allowed(ref.path))) {
    message = `${ref.what} ${ref.path} is outside the workspace roots`
  } else {
    try {
      message = ref.kind === 'data_dir' ? await checkDataDir(ref.path) : await checkFile(ref)
    } catch (error) {
      const code = errorCode(error)
      message =
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `${ref.what} ${ref.path} does not exist (relative paths resolve against ${dirname(file)})`
          : `${ref.what} ${ref.path} cannot be read: ${code}`
    }
  }
  if (message === undefined) return undefined
  return { severity: 'error', file, line: ref.line, column: ref.column, key: ref.key, message }
}

/**
 * Diagnostics of deploy-config `text` as if it were at `file`: the schema's and those of every
 * file and folder it names (the same checks `run` relies on). Sorted by position.
 */
export async function analyzeConfigText(
  file: string,
  text: string,
  options: ReferenceCheckOptions = {},
): Promise<{ config?: DeployConfig; diagnostics: ConfigDiagnostic[] }> {
  const analysis = analyzeDeployConfig(text, file, { resolvePath: resolve, dirname })
  const found = await Promise.all(
    analysis.references.map((ref) => checkReference(file, ref, options)),
  )
  const problems = found.filter((d): d is ConfigDiagnostic => d !== undefined)
  const diagnostics = [...analysis.diagnostics, ...problems].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  )
  return problems.length === 0 && analysis.config
    ? { config: analysis.config, diagnostics }
    : { diagnostics }
}

function fileDiagnostic(path: string, message: string): LoadDeployConfigResult {
  return { diagnostics: [{ severity: 'error', file: path, line: 1, column: 1, key: '', message }] }
}

/**
 * Loads the deploy config at `file` (resolved against the current directory). A missing,
 * unreadable or oversized file is one diagnostic at 1:1; otherwise every problem found is
 * reported.
 */
export async function loadDeployConfig(
  file: string,
  options: ReferenceCheckOptions = {},
): Promise<LoadDeployConfigResult> {
  const path = resolve(file)
  let text: string
  try {
    const info = await stat(path)
    if (info.isDirectory())
      return fileDiagnostic(path, `deploy config ${path} is a directory, expected a TOML file`)
    if (!info.isFile()) return fileDiagnostic(path, `deploy config ${path} is not a regular file`)
    if (info.size > MAX_CONFIG_BYTES)
      return fileDiagnostic(
        path,
        `deploy config ${path} is ${info.size} bytes, over the limit of ${MAX_CONFIG_BYTES}`,
      )
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = errorCode(error)
    return fileDiagnostic(
      path,
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `deploy config ${path} does not exist`
        : `deploy config ${path} cannot be read: ${code}`,
    )
  }
  return analyzeConfigText(path, text, options)
}
