import { FilePlugin } from './file/plugin'
import { QueuePlugin } from './queue/plugin'
import type { ParigotInit } from './plugin-api'

/**
 * The plugins that ship with Parigot, by the name a deploy config uses for them. They are
 * bundled into the guest worker, so they need no path.
 */
export const BUILTIN_PLUGINS: Readonly<Record<string, ParigotInit>> = {
  file: FilePlugin,
  queue: QueuePlugin,
}
