// What the preload exposes to the renderer as `window.parigot`: exactly the StudioBridge of the
// contract (plus the version that built it), carried over two IPC channels. Pure types and
// constants: no platform imports. The preload hands the page a frozen object; never a raw
// ipcRenderer.
import type { BridgeErrorBody, StudioBridge } from './contract'

export type { StudioTransport } from './contract'

export interface StudioApi extends StudioBridge {
  readonly transport: 'electron-ipc'
  /** Version of Parigot Studio that built the preload. */
  readonly version: string
}

/** The global name under which the preload exposes the api. */
export const STUDIO_API_GLOBAL = 'parigot'

/** invoke: a BridgeRequest in, a BridgeResponse out (main checks the sender frame). */
export const IPC_CALL_CHANNEL = 'parigot:call'
/** main -> renderer: one BridgeEventMessage per send. */
export const IPC_EVENT_CHANNEL = 'parigot:event'

/**
 * How a failed call rejects across the context bridge. Electron copies only plain data between
 * the preload's world and the page's, so a BridgeError class instance cannot cross: the page gets
 * this plain object (`name: 'BridgeError'`, `code`, `message`, `field`) and may wrap it with
 * `new BridgeError(body)`.
 */
export interface BridgeRejection extends BridgeErrorBody {
  readonly name: 'BridgeError'
}
