// Types for scripts/ensure-built.mjs (plain JavaScript so that bin/parigot.mjs can run it as is).
export declare const ROOT: string
export declare const RUNTIME_ENTRIES: readonly string[]
export declare function staleReason(root?: string): string | undefined
export declare function ensureBuilt(options?: {
  root?: string
  notice?: (reason: string) => void
}): Promise<void>
