// Deploy-config files as the editor sees them: read, validate unsaved text, save atomically.
// Paths come from a client, so each goes through the workspace roots (workspace-roots.ts) and
// must name a `.toml` file; the files a config names are checked against the roots too.
import { randomBytes } from 'node:crypto'
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { ConfigText } from '../../shared/bridge/contract'
import type { ConfigDiagnostic } from '../../shared/deploy-config/types'
import { analyzeConfigText, MAX_CONFIG_BYTES } from '../runner/load-config'
import type { ReferenceCheckOptions } from '../runner/load-config'
import { StudioError } from './errors'
import type { AccessMode, WorkspaceRoots } from './workspace-roots'

/**
 * Checks a client's config path: absolute, a `.toml` name, inside the roots after resolving
 * links (see WorkspaceRoots.check); answers the real path to use.
 */
export async function configPath(
  roots: WorkspaceRoots,
  file: string,
  mode: AccessMode,
  field = 'params.file',
): Promise<string> {
  if (typeof file === 'string' && !file.toLowerCase().endsWith('.toml'))
    throw new StudioError('invalid-params', `${field}: only .toml files are deploy configs`, field)
  const real = await roots.check(file, field, mode)
  if (!real.toLowerCase().endsWith('.toml'))
    throw new StudioError('invalid-params', `${field}: only .toml files are deploy configs`, field)
  return real
}

/** How a config's own references are checked when a client gave the config. */
export function insideRoots(roots: WorkspaceRoots): ReferenceCheckOptions {
  return { allowed: (path) => roots.contains(path) }
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
export async function validateConfigText(
  file: string,
  text: string,
  options: ReferenceCheckOptions = {},
): Promise<ConfigDiagnostic[]> {
  return (await analyzeConfigText(file, text, options)).diagnostics
}

export async function readConfig(
  file: string,
  options: ReferenceCheckOptions = {},
): Promise<ConfigText> {
  let text: string
  try {
    // A FIFO or a device would block or never end: only regular files of a sane size.
    const info = await stat(file)
    if (info.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' })
    if (!info.isFile()) throw new StudioError('io', `${file} is not a regular file`)
    if (info.size > MAX_CONFIG_BYTES)
      throw new StudioError(
        'too-large',
        `${file} is ${info.size} bytes, over the limit of ${MAX_CONFIG_BYTES}`,
      )
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (err instanceof StudioError) throw err
    throw ioError('read', file, err)
  }
  return { file, text, diagnostics: await validateConfigText(file, text, options) }
}

/**
 * Writes a temporary file next to the target and renames it over, so readers never see half.
 * `file` has been through WorkspaceRoots.check('write'): inside a root, not a link, its folder
 * exists.
 */
export async function saveConfig(
  file: string,
  text: string,
  options: ReferenceCheckOptions = {},
): Promise<ConfigText> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await writeFile(temp, text, { encoding: 'utf8', flag: 'wx', mode: 0o644 })
    await rename(temp, file)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw ioError('save', file, err)
  }
  return { file, text, diagnostics: await validateConfigText(file, text, options) }
}
