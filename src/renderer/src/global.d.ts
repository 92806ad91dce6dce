import type { StudioApi } from '../../shared/bridge/studio-api'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    readonly parigot?: StudioApi
  }
}

export {}
