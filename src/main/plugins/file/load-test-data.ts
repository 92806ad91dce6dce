import { constants, copyFileSync, lstatSync, mkdirSync, readdirSync, realpathSync } from 'node:fs'
import { dirname, isAbsolute, join, sep } from 'node:path'
import type { HostContext } from '../../engine'
import { FileErr } from '../../../shared/gen/parigot/file/v1/file_pb'
import type {
  LoadTestDataRequest,
  LoadTestDataResponse,
} from '../../../shared/gen/parigot/file/v1/file_pb'
import { commitTemp, removeQuietly, tempPathIn } from './disk'
import { FileStatus } from './open-files'
import type { FileService } from './service'

/** Bound on the walk, so a mistaken dir_path (the whole data directory) cannot run for ever. */
export const MAX_LOAD_ENTRIES = 10_000

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

type HostDir = { ok: true; real: string } | { ok: false; code: FileErr; why: string }

/** dir_path is relative to the deployment's data directory and may not leave it. */
function resolveHostDir(dataDirReal: string, dirPath: string): HostDir {
  const invalid = (why: string): HostDir => ({ ok: false, code: FileErr.InvalidPathError, why })
  if (dirPath === '') return invalid('empty')
  if (isAbsolute(dirPath)) return invalid('absolute; it must be relative to the data directory')
  if ([...dirPath].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\x7f')) {
    return invalid('contains a control character')
  }
  if (dirPath.split(/[\\/]/).includes('..')) return invalid('contains ".."')
  let real: string
  try {
    real = realpathSync.native(join(dataDirReal, dirPath))
  } catch {
    return { ok: false, code: FileErr.NotExistError, why: 'does not exist' }
  }
  if (real !== dataDirReal && !real.startsWith(dataDirReal + sep)) {
    return invalid('resolves outside the data directory')
  }
  try {
    if (!lstatSync(real).isDirectory()) {
      return { ok: false, code: FileErr.NotExistError, why: 'is not a directory' }
    }
  } catch {
    return { ok: false, code: FileErr.NotExistError, why: 'does not exist' }
  }
  return { ok: true, real }
}

interface Failure {
  readonly hostPath: string
  readonly code: FileErr
  readonly why: string
}

/**
 * The reference's load_test_data, fixed: a failure is reported (in error_path, or as the error
 * code when return_on_fail is false) instead of killing the host, and loaded files are closed
 * files, complete on disk, written with the same temp-and-rename as create/close.
 */
export function loadTestData(
  service: FileService,
  dataDirReal: string,
  ctx: HostContext,
  req: LoadTestDataRequest,
  res: LoadTestDataResponse,
): FileErr {
  const log = (level: 'debug' | 'warn', message: string): void =>
    ctx.logger.log(level, `${ctx.module}.${ctx.functionName}: ${message}`)
  const hostDir = resolveHostDir(dataDirReal, req.dirPath)
  if (!hostDir.ok) {
    log('warn', `dir_path ${JSON.stringify(req.dirPath)} ${hostDir.why}`)
    return hostDir.code
  }
  const mount = service.resolve(ctx, req.mountLocation)
  if (!mount.ok) return mount.code
  const table = service.table(ctx)

  let regular = 0
  let entries = 0
  const loadOne = (rel: readonly string[], source: string): Failure | undefined => {
    const shown = [req.dirPath.replace(/\/+$/, ''), ...rel].join('/')
    const target = service.resolve(ctx, `${mount.clean}/${rel.join('/')}`)
    if (!target.ok) {
      return { hostPath: shown, code: FileErr.InvalidPathError, why: 'no valid guest path' }
    }
    const known = table.byGuestPath(target.clean)
    if (known !== undefined && known.status !== FileStatus.Close) {
      return { hostPath: shown, code: FileErr.AlreadyInUseError, why: `${target.clean} is open` }
    }
    const tempPath = tempPathIn(dirname(target.hostPath))
    try {
      mkdirSync(dirname(target.hostPath), { recursive: true, mode: 0o755 })
      copyFileSync(source, tempPath, constants.COPYFILE_EXCL)
    } catch (err) {
      removeQuietly(tempPath)
      return { hostPath: shown, code: FileErr.ReadError, why: errText(err) }
    }
    try {
      commitTemp(tempPath, target.hostPath)
    } catch (err) {
      removeQuietly(tempPath)
      return { hostPath: shown, code: FileErr.CreateError, why: errText(err) }
    }
    return undefined
  }

  const stack: { dir: string; rel: string[] }[] = [{ dir: hostDir.real, rel: [] }]
  while (stack.length > 0) {
    const { dir, rel } = stack.pop() as { dir: string; rel: string[] }
    let names
    try {
      names = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      )
    } catch (err) {
      log('warn', `cannot list ${dir}: ${errText(err)}`)
      continue
    }
    for (const entry of names) {
      if (++entries > MAX_LOAD_ENTRIES) {
        log('warn', `stopped after ${MAX_LOAD_ENTRIES} entries`)
        return FileErr.InternalError
      }
      const source = join(dir, entry.name)
      const childRel = [...rel, entry.name]
      if (entry.isDirectory()) {
        stack.push({ dir: source, rel: childRel })
        continue
      }
      let failure: Failure | undefined
      if (entry.isFile()) {
        regular++
        failure = loadOne(childRel, source)
      } else {
        // Symlinks are not followed (they could lead out of the data directory).
        const shown = [req.dirPath.replace(/\/+$/, ''), ...childRel].join('/')
        failure = { hostPath: shown, code: FileErr.ReadError, why: 'not a regular file' }
      }
      if (failure === undefined) continue
      log('warn', `cannot load ${failure.hostPath}: ${failure.why}`)
      if (!req.returnOnFail) return failure.code
      res.errorPath.push(failure.hostPath)
    }
  }
  if (regular === 0) return FileErr.NoDataFoundError
  return FileErr.NoError
}
