import type { ParigotInit } from './plugin-api'

/**
 * The plugins that ship with Parigot, by the name a deploy config uses for them. They are
 * bundled with the guest worker, so they need no path, and each loads on first use: a worker
 * whose service uses neither loads neither (nor better-sqlite3, nor protobuf-es).
 */
export const BUILTIN_PLUGINS: Readonly<Record<string, () => Promise<ParigotInit>>> = {
  file: async () => (await import('./file/plugin')).FilePlugin,
  queue: async () => (await import('./queue/plugin')).QueuePlugin,
}
