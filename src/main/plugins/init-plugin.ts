import { invokeAdapter } from '../engine'
import type { Engine, Logger } from '../engine'
import type { ParigotInit, PluginDeployment } from './plugin-api'

export class PluginInitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PluginInitError'
  }
}

/** Runs a plugin's init; a false return or an exception becomes an error naming the plugin. */
export interface PluginEnvironment {
  readonly settings?: Readonly<Record<string, unknown>>
  readonly dataDir?: string
  readonly deployment?: PluginDeployment
}

export function initPlugin(
  name: string,
  plugin: ParigotInit,
  engine: Engine,
  logger: Logger,
  environment: PluginEnvironment = {},
): void {
  const pluginLogger = logger.withSource(`plugin:${name}`)
  let ok: unknown
  try {
    ok = plugin.init(
      {
        name,
        logger: pluginLogger,
        invokeAdapter,
        settings: environment.settings ?? {},
        dataDir: environment.dataDir ?? process.cwd(),
        ...(environment.deployment !== undefined ? { deployment: environment.deployment } : {}),
      },
      engine,
    )
  } catch (err) {
    throw new PluginInitError(
      `plugin "${name}" failed in init: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  if (ok !== true) {
    throw new PluginInitError(
      `plugin "${name}" refused to start (init returned ${String(ok)}); see its log lines above`,
    )
  }
}
