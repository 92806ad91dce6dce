// The folders a client of the bridge may read and write files in. Every path that arrives from a
// client (the Electron renderer over IPC or a page over the WebSocket: the same handlers) goes
// through `WorkspaceRoots.check` before anything touches it: symbolic links are resolved (the
// nearest existing parent, for a file still to be created), and the real path must lie inside a
// root. The answer for a path outside the roots is the same whether or not it exists, so a
// client cannot probe the rest of the disk.
import { lstat, readlink, realpath, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { StudioError } from './errors'

/** Longest client path accepted (the contract's limit, checked again here for IPC-free callers). */
export const MAX_CLIENT_PATH_CHARS = 4096

export type AccessMode = 'read' | 'write'

function inside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * The real path of `path`: realpath of its nearest existing ancestor, plus the missing rest. A
 * dangling link counts as where it points, so that a link out of a root is outside whether or
 * not its target exists.
 */
async function realLocation(path: string): Promise<{ real: string; exists: boolean }> {
  const missing: string[] = []
  let current = path
  for (let hops = 0; ;) {
    try {
      const real = await realpath(current)
      return {
        real: missing.length === 0 ? real : join(real, ...[...missing].reverse()),
        exists: missing.length === 0,
      }
    } catch (err) {
      const code = codeOf(err)
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP' && code !== 'ENAMETOOLONG')
        throw err
      let target: string | undefined
      try {
        target = (await lstat(current)).isSymbolicLink() ? await readlink(current) : undefined
      } catch {
        target = undefined
      }
      if (target !== undefined) {
        if (++hops > 40) throw err
        current = resolve(dirname(current), target)
        continue
      }
      const parent = dirname(current)
      if (parent === current) return { real: path, exists: false }
      missing.push(basename(current))
      current = parent
    }
  }
}

export class WorkspaceRoots {
  private readonly dirs: string[] = []

  private constructor() {}

  /** Roots from folder names; each must exist (its real path is what counts). */
  static async create(dirs: readonly string[]): Promise<WorkspaceRoots> {
    const roots = new WorkspaceRoots()
    for (const dir of dirs) await roots.add(dir)
    return roots
  }

  /** Adds a folder (e.g. one the user picked in a native dialog); ignores a repeated one. */
  async add(dir: string): Promise<void> {
    const real = await realpath(resolve(dir))
    if (!(await stat(real)).isDirectory()) throw new Error(`workspace root ${dir} is not a folder`)
    if (!this.dirs.includes(real)) this.dirs.push(real)
  }

  /** The roots' real paths, in the order they were added. */
  list(): readonly string[] {
    return [...this.dirs]
  }

  /** Whether `path` (absolute), after resolving links, lies inside a root. Never throws. */
  async contains(path: string): Promise<boolean> {
    if (!isAbsolute(path) || path.includes('\0') || path.length > MAX_CLIENT_PATH_CHARS)
      return false
    try {
      const { real } = await realLocation(resolve(path))
      return this.dirs.some((root) => inside(root, real))
    } catch {
      return false
    }
  }

  /**
   * Checks a client path for reading or writing and answers the real path to use. Refuses
   * (StudioError, naming `field`) anything not absolute, with NUL, too long, or outside the
   * roots after resolving links; for writing also a symbolic link as the target (it would be
   * replaced) and a missing parent folder (no folder is created).
   */
  async check(file: string, field: string, mode: AccessMode): Promise<string> {
    if (typeof file !== 'string' || !isAbsolute(file) || file.includes('\0'))
      throw new StudioError('invalid-params', `${field}: expected an absolute path`, field)
    if (file.length > MAX_CLIENT_PATH_CHARS)
      throw new StudioError(
        'invalid-params',
        `${field}: a path of at most ${MAX_CLIENT_PATH_CHARS} characters`,
        field,
      )
    const lexical = resolve(file)
    let location: { real: string; exists: boolean }
    try {
      location = await realLocation(lexical)
    } catch {
      location = { real: lexical, exists: false }
    }
    if (!this.dirs.some((root) => inside(root, location.real))) throw this.outside(file, field)
    if (mode === 'write') {
      let link = false
      try {
        link = (await lstat(lexical)).isSymbolicLink()
      } catch {
        // absent: a new file
      }
      if (link)
        throw new StudioError(
          'invalid-params',
          `${field}: ${file} is a symbolic link; save to the file it points to instead`,
          field,
        )
      const parent = dirname(location.real)
      const parentIsDir = await stat(parent).then(
        (info) => info.isDirectory(),
        () => false,
      )
      if (!parentIsDir)
        throw new StudioError(
          'not-found',
          `${field}: folder ${dirname(file)} does not exist (saving creates no folders)`,
          field,
        )
    }
    return location.real
  }

  private outside(file: string, field: string): StudioError {
    const roots = this.dirs.length === 0 ? 'none' : this.dirs.join(', ')
    return new StudioError(
      'forbidden',
      `${field}: ${file} is outside the workspace roots (${roots})`,
      field,
    )
  }
}
