import { compileGuest, describeCompiled } from '../engine/compile'
import type { CompiledGuest } from '../engine/compile'
import { wasmDigest } from './service-watcher'

/** Distinct modules kept; a deployment rarely has more, and each costs its machine code. */
const MAX_MODULES = 64

/**
 * Compiled modules by the digest of their bytes, for the life of the process: services that
 * share a .wasm compile it once, and a restart or a second run of the same deployment (the
 * Studio's Run after Stop) compiles nothing. In-flight compilations are shared too. Oldest
 * entries leave first once MAX_MODULES are kept.
 */
export class ModuleCache {
  private readonly modules = new Map<string, Promise<WebAssembly.Module>>()

  constructor(private readonly maxModules = MAX_MODULES) {}

  /**
   * `bytes` compiled (or found compiled) with its linear memory capped at `memoryLimitMb` (which
   * rewrites the module, so it is part of the key), described for `origin`; throws what
   * compiling threw.
   */
  async compile(bytes: Uint8Array, origin: string, memoryLimitMb?: number): Promise<CompiledGuest> {
    const digest = `${wasmDigest(bytes)}/${memoryLimitMb ?? 'unlimited'}`
    let module = this.modules.get(digest)
    if (module === undefined) {
      module = compileGuest(bytes, origin, undefined, memoryLimitMb).then(
        (compiled) => compiled.module,
      )
      this.modules.set(digest, module)
      // A module that does not compile is not kept: the next try reports the error again.
      module.catch(() => this.modules.delete(digest))
      while (this.modules.size > this.maxModules) {
        this.modules.delete(this.modules.keys().next().value as string)
      }
    } else {
      // Most recently used last, so the oldest unused leaves first.
      this.modules.delete(digest)
      this.modules.set(digest, module)
    }
    return describeCompiled(await module, origin, bytes.byteLength)
  }

  get size(): number {
    return this.modules.size
  }
}

/** The process-wide cache the runner compiles through. */
export const sharedModuleCache = new ModuleCache()
