import { mkdirSync, realpathSync } from 'node:fs'
import type { ParigotInit } from '../plugin-api'
import { sweepStaleTemps } from './disk'
import { fileHostFunctions } from './host-functions'
import { FileService } from './service'
import { parseSettings } from './settings'

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * The file plugin: `/parigot/app/` on real disk under the deployment's data directory. It runs
 * once per guest worker; all its state is in memory and it holds no descriptor between calls,
 * so a worker terminated at any instant leaks nothing and leaves no partial file (docs/file.md).
 */
export const FilePlugin: ParigotInit = {
  init(ctx, engine) {
    const parsed = parseSettings(ctx.settings, ctx.dataDir)
    if (!parsed.ok) {
      ctx.logger.log('error', `plugin ${ctx.name}: ${parsed.error}`)
      return false
    }
    const settings = parsed.settings
    let root: string
    let dataDirReal: string
    try {
      mkdirSync(settings.root, { recursive: true, mode: 0o755 })
      root = realpathSync.native(settings.root)
      dataDirReal = realpathSync.native(ctx.dataDir)
    } catch (err) {
      ctx.logger.log(
        'error',
        `plugin ${ctx.name}: cannot use root ${settings.root}: ${errText(err)}`,
      )
      return false
    }
    sweepStaleTemps(root, settings.staleTempSeconds * 1000, ctx.logger)
    const service = new FileService(root, settings)
    for (const def of fileHostFunctions(ctx.invokeAdapter, service, dataDirReal)) {
      engine.registerHostFunction(def)
    }
    ctx.logger.log('debug', `plugin ${ctx.name}: /parigot/app/ is ${root}`)
    return true
  },
}
