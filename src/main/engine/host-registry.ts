import { EngineError } from './errors'
import type { HostFunctionDef } from './host-function'

const NAME = /^[a-z][a-z0-9_]*$/

/**
 * The host functions plugins have registered, by import module and name. The engine consults
 * it when a guest is instantiated; a guest importing something nobody registered is refused
 * with a message naming the import and the module's provider.
 */
export class HostModuleRegistry {
  private readonly modules = new Map<string, Map<string, HostFunctionDef>>()

  define(def: HostFunctionDef): void {
    if (!NAME.test(def.module) || !NAME.test(def.name)) {
      throw new EngineError(
        'BadHostFunctionName',
        `host function "${def.module}.${def.name}": module and function names must match ${NAME.source} (snake_case, e.g. "parigot.locate_")`,
      )
    }
    let functions = this.modules.get(def.module)
    if (functions === undefined) {
      functions = new Map()
      this.modules.set(def.module, functions)
    }
    if (functions.has(def.name)) {
      throw new EngineError(
        'DuplicateHostFunction',
        `host function "${def.module}.${def.name}" is already registered; two plugins cannot provide the same import`,
      )
    }
    functions.set(def.name, def)
  }

  lookup(module: string, name: string): HostFunctionDef | undefined {
    return this.modules.get(module)?.get(name)
  }

  hasModule(module: string): boolean {
    return this.modules.has(module)
  }

  moduleNames(): string[] {
    return [...this.modules.keys()].sort()
  }

  functionNames(module: string): string[] {
    return [...(this.modules.get(module)?.keys() ?? [])].sort()
  }
}
