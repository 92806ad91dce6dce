// Deploy-config files as the editor sees them: read, validate unsaved text, save atomically.
// Paths come from the renderer, so only absolute `.toml` paths are accepted.
import { randomBytes } from 'node:crypto'
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import type { ConfigText } from '../../shared/bridge/contract'
import { analyzeDeployConfig } from '../../shared/deploy-config/parse'
import type { ConfigDiagnostic } from '../../shared/deploy-config/types'
import { StudioError } from './errors'

/** Checks a renderer-supplied config path: absolute, normalised, ending in `.toml`. */
export function configPath(file: string, field = 'params.file'): string {
  if (!isAbsolute(file) || file.includes('\0'))
    throw new StudioError('invalid-params', `${field}: expected an absolute path`, field)
  if (!file.toLowerCase().endsWith('.toml'))
    throw new StudioError('invalid-params', `${field}: only .toml files are deploy configs`, field)
  return resolve(file)
}

function ioError(what: string, file: string, err: unknown): StudioError {
  const code = (err as { code?: unknown }).code
  if (code === 'ENOENT') return new StudioError('not-found', `${file} does not exist`)
  if (code === 'EISDIR') return new StudioError('io', `${file} is a directory`)
  return new StudioError(
    'io',
    `cannot ${what} ${file}: ${typeof code === 'string' ? code : String(err)}`,
  )
}

/** Diagnostics of `text` as if it were saved at `file` (relative paths resolve next to it). */
export async function validateConfigText(file: string, text: string): Promise<ConfigDiagnostic[]> {
  const analysis = analyzeDeployConfig(text, file, { resolvePath: resolve, dirname })
  const missing = await Promise.all(
    analysis.references.map(async (ref): Promise<ConfigDiagnostic | undefined> => {
      const what = ref.what
      try {
        if ((await stat(ref.path)).isFile()) return undefined
        return {
          severity: 'error',
          file,
          line: ref.line,
          column: ref.column,
          key: ref.key,
          message: `${what} ${ref.path} is not a file`,
        }
      } catch {
        return {
          severity: 'error',
          file,
          line: ref.line,
          column: ref.column,
          key: ref.key,
          message: `${what} ${ref.path} does not exist (relative paths resolve against ${dirname(file)})`,
        }
      }
    }),
  )
  return [...analysis.diagnostics, ...missing.filter((d) => d !== undefined)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  )
}

export async function readConfig(file: string): Promise<ConfigText> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw ioError('read', file, err)
  }
  return { file, text, diagnostics: await validateConfigText(file, text) }
}

/** Writes a temporary file next to the target and renames it over, so readers never see half. */
export async function saveConfig(file: string, text: string): Promise<ConfigText> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx' })
    await rename(temp, file)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw ioError('save', file, err)
  }
  return { file, text, diagnostics: await validateConfigText(file, text) }
}
