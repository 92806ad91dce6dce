// Preload: exposes the typed Studio api to the page through contextBridge, and nothing else.
// Never expose ipcRenderer (or any function that forwards arbitrary channels) to the page.
// Built as CommonJS (out/preload/index.cjs) so that it runs in a sandboxed renderer.
import { contextBridge } from 'electron'
import { version } from '../../package.json'
import { STUDIO_API_GLOBAL, type StudioApi } from '../shared/bridge/studio-api'

const api: StudioApi = Object.freeze({ transport: 'electron-ipc', version })

contextBridge.exposeInMainWorld(STUDIO_API_GLOBAL, api)
