import { compileGuest, DEFAULT_MAX_MODULE_BYTES } from './compile'
import type { CompiledGuest } from './compile'
import type { HostFunctionDef } from './host-function'
import { HostModuleRegistry } from './host-registry'
import { instantiateGuest } from './instance'
import type { GuestConfig, GuestInstance } from './instance'

export interface EngineOptions {
  readonly maxModuleBytes?: number
}

/**
 * The engine: compiles guests, lets plugins register host functions, and instantiates guests
 * against those functions plus WASI preview 1. It knows no plugin by name.
 */
export interface Engine {
  compile(bytes: Uint8Array, origin: string): Promise<CompiledGuest>
  /** What plugins call from `init` to provide imports. */
  registerHostFunction(def: HostFunctionDef): void
  instantiate(compiled: CompiledGuest, config: GuestConfig): GuestInstance
  readonly hostModules: HostModuleRegistry
}

export function createEngine(options: EngineOptions = {}): Engine {
  const hostModules = new HostModuleRegistry()
  const maxBytes = options.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES
  return {
    hostModules,
    compile: (bytes, origin) => compileGuest(bytes, origin, maxBytes),
    registerHostFunction: (def) => hostModules.define(def),
    instantiate: (compiled, config) => instantiateGuest(hostModules, compiled, config),
  }
}
