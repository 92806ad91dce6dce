// What the preload exposes to the renderer as `window.parigot`. Pure types: no platform imports.
// The full bridge contract (methods + event subscriptions) replaces this shell later; keep every
// member read-only, since the preload hands the page a frozen object.

/** How the renderer reaches the engine. */
export type StudioTransport = 'electron-ipc' | 'websocket'

export interface StudioApi {
  readonly transport: StudioTransport
  /** Version of Parigot Studio that built the preload. */
  readonly version: string
}

/** The global name under which the preload exposes the api. */
export const STUDIO_API_GLOBAL = 'parigot'
