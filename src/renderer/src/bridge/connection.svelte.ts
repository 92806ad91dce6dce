// The transport's health, as one reactive object the top bar shows and panels watch: a panel
// that set per-connection state on the engine (the log filter) sets it again after a reconnect.

export type ConnectionPhase = 'connecting' | 'connected' | 'disconnected'

export const connection = $state({
  phase: 'connecting' as ConnectionPhase,
  /** Increments on every (re)connection, so effects can depend on "a new connection". */
  generation: 0,
  /** Why the last connection ended, shown next to the "disconnected" badge. */
  reason: '',
  /** When the next reconnection attempt is due (ms since epoch), while disconnected. */
  retryAtMs: 0,
})

export function markConnected(): void {
  connection.phase = 'connected'
  connection.reason = ''
  connection.retryAtMs = 0
  connection.generation++
}

export function markDisconnected(reason: string, retryAtMs: number): void {
  connection.phase = 'disconnected'
  connection.reason = reason
  connection.retryAtMs = retryAtMs
}
