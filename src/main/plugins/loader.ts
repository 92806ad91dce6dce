import { stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isParigotInit } from './plugin-api'
import type { ParigotInit } from './plugin-api'

export type PluginLoadErrorCode =
  'EmptyPath' | 'EmptySymbol' | 'FileNotFound' | 'ImportFailed' | 'MissingExport' | 'NotAPlugin'

export class PluginLoadError extends Error {
  constructor(
    readonly code: PluginLoadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'PluginLoadError'
  }
}

export interface LoadedPlugin {
  readonly path: string
  readonly symbol: string
  readonly plugin: ParigotInit
}

/**
 * Loads a third-party plugin from a JavaScript module (the reference's LoadAndReturnInit):
 * `path` is resolved against `baseDir` (the deploy config's folder) and `symbol` names the
 * export that implements ParigotInit. Each way of getting this wrong has its own error code.
 */
export async function loadPlugin(
  path: string,
  symbol: string,
  baseDir = process.cwd(),
): Promise<LoadedPlugin> {
  if (path.trim() === '') {
    throw new PluginLoadError('EmptyPath', 'plugin path is empty: give the JavaScript module file')
  }
  if (symbol.trim() === '') {
    throw new PluginLoadError(
      'EmptySymbol',
      `plugin symbol is empty for ${path}: give the name of the export that implements init(ctx, engine)`,
    )
  }
  const absolute = isAbsolute(path) ? path : resolve(baseDir, path)
  const where = absolute === path ? absolute : `${absolute} (from "${path}" relative to ${baseDir})`
  const info = await stat(absolute).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    throw new PluginLoadError('FileNotFound', `plugin file not found: ${where}`)
  }
  let namespace: Record<string, unknown>
  try {
    namespace = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>
  } catch (err) {
    throw new PluginLoadError(
      'ImportFailed',
      `plugin ${where} could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  if (!(symbol in namespace)) {
    const names = Object.keys(namespace).sort().join(', ') || 'nothing'
    throw new PluginLoadError(
      'MissingExport',
      `plugin ${where} has no export named "${symbol}" (it exports: ${names})`,
    )
  }
  const candidate = namespace[symbol]
  if (!isParigotInit(candidate)) {
    const shape = candidate === null ? 'null' : typeof candidate
    throw new PluginLoadError(
      'NotAPlugin',
      `export "${symbol}" of plugin ${where} is ${shape === 'object' ? 'an object without an init method' : `a ${shape}`}, not a plugin: expected an object with init(ctx, engine) returning a boolean`,
    )
  }
  return { path: absolute, symbol, plugin: candidate }
}
