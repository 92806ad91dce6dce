// Picks the transport: the preload's IPC bridge inside Electron, otherwise the WebSocket of
// `parigot serve` at this page's own origin, authenticated by the token in the page's URL.
// Everything else in the renderer sees only the StudioBridge interface.
import type { StudioBridge } from '../../../shared/bridge/contract'
import { markConnected } from './connection.svelte'
import { ipcBridge } from './ipc-bridge'
import { WebSocketBridge } from './ws-client'

function isStudioBridge(value: unknown): value is StudioBridge {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof StudioBridge, unknown>>
  return typeof candidate.call === 'function' && typeof candidate.on === 'function'
}

export function bridgeUrl(location: Location): string {
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/bridge?token=${encodeURIComponent(token)}`
}

export async function connectBridge(): Promise<StudioBridge> {
  const preload: unknown = window.parigot
  if (isStudioBridge(preload)) {
    // IPC has no connection to lose: it lives as long as the window.
    markConnected()
    return ipcBridge(preload)
  }
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    throw new Error('no engine bridge: not in Electron, and not served by `parigot serve`')
  }
  const bridge = new WebSocketBridge({ url: bridgeUrl(location) })
  await bridge.ready()
  return bridge
}
