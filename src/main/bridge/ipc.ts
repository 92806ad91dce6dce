// The Electron transport of the bridge (main-process side): one invoke channel for calls, one
// send channel for events, both bound to the same BridgeServer as the WebSocket. Only the main
// frame of our own renderer page may call; anything else is refused before it is parsed.
import { ipcMain } from 'electron'
import type { IpcMainInvokeEvent, WebContents } from 'electron'
import type { BridgeResponse } from '../../shared/bridge/contract'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/bridge/studio-api'
import type { BridgeConnection, BridgeServer } from './bridge-server'

/** `file:///.../index.html?x#y` -> `file:///.../index.html`: query and fragment do not matter. */
function pageOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return undefined
  }
}

/** Whether an IPC message comes from the main frame of our renderer page (a file: URL). */
export function isTrustedSender(event: IpcMainInvokeEvent, rendererUrl: string): boolean {
  const frame = event.senderFrame
  if (frame === null || frame.parent !== null) return false
  return pageOf(frame.url) === pageOf(rendererUrl) && frame.url.startsWith('file:')
}

/** Serves the bridge over IPC; returns the function that removes the handler. */
export function installBridgeIpc(bridge: BridgeServer, rendererUrl: string): () => void {
  const connections = new Map<WebContents, BridgeConnection>()

  function connectionOf(contents: WebContents): BridgeConnection {
    let connection = connections.get(contents)
    if (connection === undefined) {
      const created = bridge.connect({
        send: (message) => {
          if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, message)
        },
      })
      connection = created
      connections.set(contents, created)
      // A reload starts a new page with its own subscriptions; a closed window needs none.
      const drop = (): void => {
        created.close()
        connections.delete(contents)
      }
      contents.once('destroyed', drop)
      contents.once('did-navigate', drop)
    }
    return connection
  }

  ipcMain.handle(IPC_CALL_CHANNEL, (event, raw: unknown): Promise<BridgeResponse> => {
    if (!isTrustedSender(event, rendererUrl)) {
      console.warn(
        `security: refused a bridge call from ${event.senderFrame?.url ?? 'a gone frame'}`,
      )
      throw new Error('bridge calls are only accepted from the Studio page')
    }
    return connectionOf(event.sender).handle(raw)
  })
  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL)
    for (const connection of connections.values()) connection.close()
    connections.clear()
  }
}
