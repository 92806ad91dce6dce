// Preload: exposes the Studio bridge (StudioBridge of src/shared/bridge/contract.ts) to the page
// through contextBridge, and nothing else. ipcRenderer stays here: the page gets two functions
// bound to our two channels, never a way to send on arbitrary channels.
// Built as CommonJS (out/preload/index.cjs) so that it runs in a sandboxed renderer.
import { contextBridge, ipcRenderer } from 'electron'
import { version } from '../../package.json'
import type {
  BridgeEvent,
  BridgeEvents,
  BridgeMethod,
  BridgeParams,
  BridgeResponse,
  BridgeResult,
} from '../shared/bridge/contract'
import {
  IPC_CALL_CHANNEL,
  IPC_EVENT_CHANNEL,
  STUDIO_API_GLOBAL,
  type BridgeRejection,
  type StudioApi,
} from '../shared/bridge/studio-api'

type Listener = (payload: unknown) => void

const listeners = new Map<string, Set<Listener>>()
let nextId = 1

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, message: unknown) => {
  if (typeof message !== 'object' || message === null) return
  const { kind, event, payload } = message as { kind?: unknown; event?: unknown; payload?: unknown }
  if (kind !== 'event' || typeof event !== 'string') return
  for (const listener of listeners.get(event) ?? []) {
    try {
      listener(payload)
    } catch (error) {
      console.error(`bridge: a listener of ${event} threw`, error)
    }
  }
})

async function call<M extends BridgeMethod>(
  method: M,
  params: BridgeParams<M>,
): Promise<BridgeResult<M>> {
  const id = nextId++
  const response = (await ipcRenderer.invoke(IPC_CALL_CHANNEL, {
    kind: 'request',
    id,
    method,
    params,
  })) as BridgeResponse
  if (response.ok) return response.result as BridgeResult<M>
  const rejection: BridgeRejection = { name: 'BridgeError', ...response.error }
  throw rejection
}

function on<E extends BridgeEvent>(
  event: E,
  listener: (payload: BridgeEvents[E]) => void,
): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function')
  const set = listeners.get(event) ?? new Set<Listener>()
  listeners.set(event, set)
  const wrapped: Listener = (payload) => listener(payload as BridgeEvents[E])
  set.add(wrapped)
  return () => {
    set.delete(wrapped)
  }
}

const api: StudioApi = Object.freeze({ transport: 'electron-ipc', version, call, on })

contextBridge.exposeInMainWorld(STUDIO_API_GLOBAL, api)
