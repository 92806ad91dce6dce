import { EngineError } from './errors'
import { limitMemory } from './memory-limit'

/** The reference meant 32 MiB (it wrote 0x1024*0x1024*0x20 by mistake). */
export const DEFAULT_MAX_MODULE_BYTES = 32 * 1024 * 1024

export type EntryKind = 'command' | 'reactor' | 'library'

/** A validated, compiled guest: compile once, instantiate as often as needed (also in workers). */
export interface CompiledGuest {
  /** Where the bytes came from (a path or a test name), for messages. */
  readonly origin: string
  readonly module: WebAssembly.Module
  readonly imports: readonly WebAssembly.ModuleImportDescriptor[]
  readonly exports: readonly WebAssembly.ModuleExportDescriptor[]
  /** `_start` (command), `_initialize` (reactor), or neither. */
  readonly entry: EntryKind
  readonly byteLength: number
}

export async function compileGuest(
  bytes: Uint8Array,
  origin: string,
  maxBytes = DEFAULT_MAX_MODULE_BYTES,
  /** Caps the guest's linear memory (docs/deploy-config.md, `memory_limit_mb`). */
  memoryLimitMb?: number,
): Promise<CompiledGuest> {
  if (bytes.byteLength > maxBytes) {
    throw new EngineError(
      'ModuleTooLarge',
      `${origin}: module is ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`,
    )
  }
  if (memoryLimitMb !== undefined) bytes = limitMemory(bytes, memoryLimitMb, origin)
  let module: WebAssembly.Module
  try {
    module = await WebAssembly.compile(bytes)
  } catch (err) {
    throw new EngineError(
      'CompileFailed',
      `${origin}: not a valid WebAssembly module: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  return describeCompiled(module, origin, bytes.byteLength)
}

/** Validates a module's shape; also used for modules that arrive already compiled (workers). */
export function describeCompiled(
  module: WebAssembly.Module,
  origin: string,
  byteLength: number,
): CompiledGuest {
  const exports = WebAssembly.Module.exports(module)
  const imports = WebAssembly.Module.imports(module)
  const memories = exports.filter((e) => e.kind === 'memory')
  if (memories.length !== 1 || memories[0]?.name !== 'memory') {
    const found = memories.map((m) => `"${m.name}"`).join(', ') || 'none'
    throw new EngineError(
      'BadMemoryExport',
      `${origin}: a guest must export exactly one memory, named "memory" (found: ${found})`,
    )
  }
  const importedNonFunction = imports.find((i) => i.kind !== 'function')
  if (importedNonFunction !== undefined) {
    throw new EngineError(
      'MissingImport',
      `${origin}: imports ${importedNonFunction.kind} "${importedNonFunction.module}.${importedNonFunction.name}"; guests may import only functions (they own their memory and tables)`,
    )
  }
  const hasExport = (name: string) => exports.some((e) => e.kind === 'function' && e.name === name)
  const entry: EntryKind = hasExport('_start')
    ? 'command'
    : hasExport('_initialize')
      ? 'reactor'
      : 'library'
  return { origin, module, imports, exports, entry, byteLength }
}
