/**
 * Reads a deploy config from disk, validates it (src/shared/deploy-config) and checks that the
 * files it names exist: each service's `wasm` must be a file, each plugin `path` and each
 * `deployment.descriptors` entry too. (What a descriptor set holds is checked where it is read,
 * by the Studio: a bad one costs decoded payloads, not the deployment.)
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
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

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
}

async function checkReference(
  file: string,
  ref: ConfigPathReference,
): Promise<ConfigDiagnostic | undefined> {
  const what = ref.what
  let message: string | undefined
  try {
    const info = await stat(ref.path)
    if (!info.isFile()) message = `${what} ${ref.path} is not a file`
  } catch (error) {
    const code = errorCode(error)
    message =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${what} ${ref.path} does not exist (relative paths resolve against ${dirname(file)})`
        : `${what} ${ref.path} cannot be read: ${code}`
  }
  if (message === undefined) return undefined
  return { severity: 'error', file, line: ref.line, column: ref.column, key: ref.key, message }
}

/**
 * Loads the deploy config at `file` (resolved against the current directory). A missing or
 * unreadable file is one diagnostic at 1:1; otherwise every problem found is reported.
 */
export async function loadDeployConfig(file: string): Promise<LoadDeployConfigResult> {
  const path = resolve(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = errorCode(error)
    const message =
      code === 'ENOENT'
        ? `deploy config ${path} does not exist`
        : code === 'EISDIR'
          ? `deploy config ${path} is a directory, expected a TOML file`
          : `deploy config ${path} cannot be read: ${code}`
    return {
      diagnostics: [{ severity: 'error', file: path, line: 1, column: 1, key: '', message }],
    }
  }
  const analysis = analyzeDeployConfig(text, path, { resolvePath: resolve, dirname })
  const found = await Promise.all(analysis.references.map((ref) => checkReference(path, ref)))
  const missing = found.filter((d): d is ConfigDiagnostic => d !== undefined)
  const diagnostics = [...analysis.diagnostics, ...missing].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  )
  return missing.length === 0 && analysis.config
    ? { config: analysis.config, diagnostics }
    : { diagnostics }
}
