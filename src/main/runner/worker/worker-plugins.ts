// The plugins of one guest, set up in its worker. Loaded by guest-worker.ts only when the guest
// has plugins: with this module come the plugin API's protobuf-es and each plugin's own code.
import type { Engine } from '../../engine/engine'
import type { Logger } from '../../engine/logger'
import { BUILTIN_PLUGINS } from '../../plugins/builtin'
import { initPlugin } from '../../plugins/init-plugin'
import { loadPlugin } from '../../plugins/loader'
import type { ParigotInit, PluginSpec } from '../../plugins/plugin-api'

/** Loads and initialises `specs` in order on `engine`; throws naming the plugin at fault. */
export async function initPlugins(
  specs: readonly PluginSpec[],
  engine: Engine,
  logger: Logger,
  dataDir: string,
): Promise<void> {
  for (const spec of specs) {
    let plugin: ParigotInit
    if (spec.builtin !== undefined) {
      const load = Object.hasOwn(BUILTIN_PLUGINS, spec.builtin)
        ? BUILTIN_PLUGINS[spec.builtin]
        : undefined
      if (load === undefined) {
        const known = Object.keys(BUILTIN_PLUGINS).join(', ') || 'none'
        throw new Error(
          `plugin "${spec.name}": no built-in plugin "${spec.builtin}" (built-in: ${known})`,
        )
      }
      plugin = await load()
    } else {
      plugin = (await loadPlugin(spec.path ?? '', spec.symbol ?? '')).plugin
    }
    initPlugin(spec.name, plugin, engine, logger, {
      settings: spec.settings ?? {},
      dataDir,
      ...(spec.deployment !== undefined ? { deployment: spec.deployment } : {}),
    })
  }
}
