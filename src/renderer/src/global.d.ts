import type { StudioBridge } from '../../shared/bridge/contract'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode (connectBridge checks its shape). */
    readonly parigot?: StudioBridge
  }
}

export {}
