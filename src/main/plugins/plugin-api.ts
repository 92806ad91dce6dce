import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { Engine, invokeAdapter, Logger } from '../engine'

/** The deployment a plugin serves: its name, and `[cluster]` when the deploy config has one. */
export interface PluginDeployment {
  readonly name: string
  readonly cluster?: ClusterConfig
}

/** What a plugin receives at initialisation besides the engine. */
export interface PluginInitContext {
  /** The plugin's name in the deployment (used in log lines). */
  readonly name: string
  readonly logger: Logger
  /**
   * The invoke adapter, handed over so that third-party plugins written in plain JavaScript can
   * build ABI-conformant host functions without importing Parigot's sources.
   */
  readonly invokeAdapter: typeof invokeAdapter
  /** The plugin's own settings from the deploy config (validated by the plugin). */
  readonly settings: Readonly<Record<string, unknown>>
  /** The deployment's data directory on real disk (absolute; created by the runner). */
  readonly dataDir: string
  /** The deployment (absent where a plugin runs outside one, e.g. in a unit test). */
  readonly deployment?: PluginDeployment
}

/** Where a plugin runs: once in every guest worker that uses it, with that guest's engine. */
export interface PluginSpec {
  readonly name: string
  /** A built-in plugin's name (`file`, `queue`), or a JavaScript module path + export. */
  readonly builtin?: string
  readonly path?: string
  readonly symbol?: string
  readonly settings?: Readonly<Record<string, unknown>>
  /** The deployment's name and `[cluster]` (the queue plugin's JetStream backend uses them). */
  readonly deployment?: PluginDeployment
}

/** The engine surface a plugin may use: it registers host functions, nothing else. */
export type PluginEngine = Pick<Engine, 'registerHostFunction'>

/**
 * The contract every plugin meets (the reference's ParigotInit): `init` registers the plugin's
 * host functions and returns false if the plugin cannot work (after logging why).
 */
export interface ParigotInit {
  init(ctx: PluginInitContext, engine: PluginEngine): boolean
}

export function isParigotInit(value: unknown): value is ParigotInit {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { init?: unknown }).init === 'function'
  )
}
