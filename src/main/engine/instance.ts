import type { HostId } from '../../shared/id'
import type { CompiledGuest } from './compile'
import { EngineError } from './errors'
import { GuestMemory } from './guest-memory'
import type { GuestBinding, WasmImport } from './host-function'
import type { HostModuleRegistry } from './host-registry'
import type { Logger } from './logger'
import { captureOutcome } from './outcome'
import type { GuestOutcome } from './outcome'
import { createWasiPreview1, WASI_MODULE } from './wasi/preview1'
import type { WasiClock } from './wasi/preview1'

export interface GuestConfig {
  /** The service's name in the deployment; also argv[0] unless `args` says otherwise. */
  readonly serviceName: string
  /** argv after argv[0]. */
  readonly args?: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  /**
   * Receives the guest's log lines (stdout at info; stderr at error, since a guest's logError
   * writes there) and host-side messages.
   */
  readonly logger: Logger
  readonly hostId?: () => HostId | undefined
  readonly clock?: WasiClock
  /** Wraps each import as it is bound (the runner uses it to notice a guest's host calls). */
  readonly wrapImport?: (module: string, name: string, fn: WasmImport) => WasmImport
}

/** One running copy of a guest. */
export interface GuestInstance {
  readonly serviceName: string
  readonly compiled: CompiledGuest
  readonly memory: GuestMemory
  readonly exports: WebAssembly.Exports
  /** Runs the entry point (`_start` or `_initialize`); a library module has none. */
  start(): GuestOutcome<void>
  /** Calls an exported function; the guest's failure is returned, never thrown. */
  call(exportName: string, ...args: (number | bigint)[]): GuestOutcome<unknown>
  /** Emits any partial stdout/stderr line. */
  flushOutput(): void
}

export function instantiateGuest(
  registry: HostModuleRegistry,
  compiled: CompiledGuest,
  config: GuestConfig,
): GuestInstance {
  const origin = `${config.serviceName} (${compiled.origin})`
  // Host functions are bound before the instance (and so its memory) exists.
  const late: { memory?: GuestMemory } = {}
  const memoryAccess = (): GuestMemory => {
    if (late.memory === undefined) {
      throw new EngineError('InstantiateFailed', `${origin}: host call before instantiation ended`)
    }
    return late.memory
  }
  const binding: GuestBinding = {
    serviceName: config.serviceName,
    hostId: config.hostId ?? (() => undefined),
    logger: config.logger,
    memory: memoryAccess,
  }
  const wasi = createWasiPreview1(
    {
      args: [config.serviceName, ...(config.args ?? [])],
      env: config.env ?? {},
      stdout: (line) => config.logger.log('info', line),
      stderr: (line) => config.logger.log('error', line),
      ...(config.clock ? { clock: config.clock } : {}),
    },
    memoryAccess,
  )

  const importObject: Record<string, Record<string, WasmImport>> = {}
  for (const imp of compiled.imports) {
    const fn =
      imp.module === WASI_MODULE
        ? (wasi.imports as Record<string, WasmImport | undefined>)[imp.name]
        : registry.lookup(imp.module, imp.name)?.bind(binding)
    if (fn === undefined) throw missingImport(registry, origin, imp)
    const target = (importObject[imp.module] ??= {})
    target[imp.name] = config.wrapImport ? config.wrapImport(imp.module, imp.name, fn) : fn
  }

  let instance: WebAssembly.Instance
  try {
    instance = new WebAssembly.Instance(compiled.module, importObject)
  } catch (err) {
    throw new EngineError(
      'InstantiateFailed',
      `${origin}: instantiation failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  const exportedMemory = instance.exports['memory']
  if (!(exportedMemory instanceof WebAssembly.Memory)) {
    throw new EngineError('BadMemoryExport', `${origin}: export "memory" is not a memory`)
  }
  const guestMemory = new GuestMemory(exportedMemory)
  late.memory = guestMemory

  const call = (exportName: string, ...args: (number | bigint)[]): GuestOutcome<unknown> => {
    const fn = instance.exports[exportName]
    if (typeof fn !== 'function') {
      return { kind: 'trapped', message: `${origin}: no exported function "${exportName}"` }
    }
    const outcome = captureOutcome(origin, () => (fn as (...a: unknown[]) => unknown)(...args))
    if (outcome.kind !== 'returned') wasi.flush()
    return outcome
  }

  return {
    serviceName: config.serviceName,
    compiled,
    memory: guestMemory,
    exports: instance.exports,
    start() {
      const entry =
        compiled.entry === 'command' ? '_start' : compiled.entry === 'reactor' ? '_initialize' : ''
      if (entry === '') return { kind: 'returned', value: undefined }
      const outcome = call(entry)
      wasi.flush()
      // A command that returns from _start without proc_exit has exited with code 0.
      if (outcome.kind === 'returned') {
        return compiled.entry === 'command'
          ? { kind: 'exited', code: 0 }
          : { kind: 'returned', value: undefined }
      }
      return outcome
    },
    call,
    flushOutput: () => wasi.flush(),
  }
}

function missingImport(
  registry: HostModuleRegistry,
  origin: string,
  imp: WebAssembly.ModuleImportDescriptor,
): EngineError {
  const qualified = `"${imp.module}.${imp.name}"`
  if (imp.module === WASI_MODULE) {
    return new EngineError(
      'MissingImport',
      `${origin}: imports ${qualified}, which is not a WASI preview 1 function`,
    )
  }
  if (!registry.hasModule(imp.module)) {
    const known = registry.moduleNames().join(', ') || 'none'
    return new EngineError(
      'MissingImport',
      `${origin}: imports ${qualified}, but no plugin provides host module "${imp.module}" (registered modules: ${known}); add the plugin that provides it to the deployment`,
    )
  }
  const known = registry.functionNames(imp.module).join(', ')
  return new EngineError(
    'MissingImport',
    `${origin}: imports ${qualified}, but host module "${imp.module}" has no function "${imp.name}" (it has: ${known})`,
  )
}
