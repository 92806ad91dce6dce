// The preload's bridge as the rest of the renderer expects it. Electron copies only plain data
// between the preload's world and the page's, so a failed IPC call rejects with a plain
// BridgeRejection object; here it becomes a BridgeError again, exactly as over the WebSocket.
import { BRIDGE_ERROR_CODES, BridgeError } from '../../../shared/bridge/contract'
import type {
  BridgeErrorCode,
  BridgeMethod,
  BridgeParams,
  BridgeResult,
  StudioBridge,
} from '../../../shared/bridge/contract'

function isErrorCode(value: unknown): value is BridgeErrorCode {
  return typeof value === 'string' && (BRIDGE_ERROR_CODES as readonly string[]).includes(value)
}

/** A rejection from the preload as an Error; a typed bridge failure as a BridgeError. */
export function asBridgeError(reason: unknown): Error {
  if (reason instanceof Error) return reason
  if (typeof reason === 'object' && reason !== null) {
    const { code, message, field } = reason as Record<string, unknown>
    if (isErrorCode(code) && typeof message === 'string') {
      return new BridgeError({ code, message, ...(typeof field === 'string' ? { field } : {}) })
    }
    if (typeof message === 'string') return new Error(message)
  }
  const shown = typeof reason === 'object' ? JSON.stringify(reason) : String(reason)
  return new Error(`bridge call failed: ${shown.slice(0, 200)}`)
}

export function ipcBridge(preload: StudioBridge): StudioBridge {
  return {
    transport: preload.transport,
    call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>> {
      return preload.call(method, params).catch((reason: unknown) => {
        throw asBridgeError(reason)
      })
    },
    on: (event, listener) => preload.on(event, listener),
  }
}
