/** Why the engine refused or lost a guest; each names the guest so the message stands alone. */
export type EngineErrorCode =
  | 'CompileFailed'
  | 'ModuleTooLarge'
  | 'BadMemoryExport'
  | 'MissingImport'
  | 'BadImportSignature'
  | 'InstantiateFailed'
  | 'NoEntryPoint'
  | 'GuestTrapped'
  | 'DuplicateHostFunction'
  | 'BadHostFunctionName'
  /** The module's memory cannot fit (or cannot be held to) its memory_limit_mb. */
  | 'MemoryLimit'

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'EngineError'
  }
}

/**
 * Thrown from inside a host function to abort the guest's current wasm call. The guest cannot
 * catch it (wasm has no handler for host exceptions), so it behaves like a trap for that guest
 * while the host carries on.
 */
export class GuestTrap extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GuestTrap'
  }
}

/** WASI `proc_exit`: unwinds the guest's stack and carries the exit code to whoever started it. */
export class GuestExit extends Error {
  constructor(readonly exitCode: number) {
    super(`guest called proc_exit(${exitCode})`)
    this.name = 'GuestExit'
  }
}
