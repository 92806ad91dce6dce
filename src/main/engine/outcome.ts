import { EngineError, GuestExit, GuestTrap } from './errors'

/** How a call into a guest ended. A guest failure is a value here, never a host exception. */
export type GuestOutcome<T = unknown> =
  | { readonly kind: 'returned'; readonly value: T }
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'trapped'; readonly message: string }

/** Runs `body` and classifies how the guest ended; host bugs are reported as traps too. */
export function captureOutcome<T>(origin: string, body: () => T): GuestOutcome<T> {
  try {
    return { kind: 'returned', value: body() }
  } catch (err) {
    return outcomeOfError(origin, err)
  }
}

/** What a guest call that threw `err` came to (captureOutcome's classification). */
export function outcomeOfError(origin: string, err: unknown): GuestOutcome<never> {
  if (err instanceof GuestExit) return { kind: 'exited', code: err.exitCode }
  if (err instanceof GuestTrap) return { kind: 'trapped', message: err.message }
  if (err instanceof WebAssembly.RuntimeError) {
    return { kind: 'trapped', message: `${origin}: wasm trap: ${err.message}` }
  }
  if (err instanceof RangeError) {
    // V8 reports guest stack exhaustion and failed allocations as RangeError.
    return { kind: 'trapped', message: `${origin}: ${err.message}` }
  }
  if (err instanceof EngineError) return { kind: 'trapped', message: err.message }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err)
  return { kind: 'trapped', message: `${origin}: host error during guest call: ${text}` }
}
