// Typed failures of Studio operations. Handlers throw StudioError; the dispatcher turns it into a
// BridgeErrorBody. Anything else thrown is reported as `internal` without its stack.
import type { BridgeErrorBody, BridgeErrorCode } from '../../shared/bridge/contract'

export class StudioError extends Error {
  override readonly name = 'StudioError'
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }

  toBody(): BridgeErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
    }
  }
}

/** One line of an error's message: no stack, no multi-line dumps over the wire. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  const line = text.split('\n', 1)[0] ?? ''
  return line.length > 500 ? `${line.slice(0, 500)}…` : line
}
