// The Electron IPC transport of the bridge, with `electron` replaced by a recording ipcMain
// (the Electron binary cannot run here). The dispatcher behind it is the real BridgeServer over
// a real session: only the main frame of our file: page gets answers, events reach the page
// that subscribed, and a reload or a closed window ends that page's subscriptions.
import { EventEmitter } from 'node:events'
import { mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { BridgeResponse } from '../../src/shared/bridge/contract'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src/shared/bridge/studio-api'

type Handler = (event: unknown, raw: unknown) => Promise<BridgeResponse>
const handlers = new Map<string, Handler>()

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, handler)
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}))

const { BridgeServer } = await import('../../src/main/bridge/bridge-server')
const { StudioSession } = await import('../../src/main/bridge/session')
const { WorkspaceRoots } = await import('../../src/main/bridge/workspace-roots')
const { installBridgeIpc } = await import('../../src/main/bridge/ipc')

const PAGE = 'file:///opt/parigot-studio/out/renderer/index.html'

/** A WebContents as far as the transport uses it: send, isDestroyed, once. */
class FakeContents extends EventEmitter {
  readonly sent: { channel: string; message: unknown }[] = []
  destroyed = false
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message })
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}

function invokeEvent(contents: FakeContents, url: string, parent: unknown = null) {
  return { sender: contents, senderFrame: { url, parent } }
}

let session: InstanceType<typeof StudioSession>
let bridge: InstanceType<typeof BridgeServer>
let uninstall: () => void
let config: string
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-ipc-'))
  // A deployment whose module is not WebAssembly: each run logs its start, then fails fast.
  // The magic number passes the config check; the rest does not compile.
  await writeFile(join(dir, 'broken.wasm'), '\0asm but not wasm')
  config = join(dir, 'deploy.toml')
  await writeFile(config, '[services.broken]\nwasm = "broken.wasm"\nrole = "main"\n')
  session = new StudioSession({
    version: '1.2.3',
    roots: await WorkspaceRoots.create([dir]),
    dataDir: join(dir, 'data'),
  })
  bridge = new BridgeServer(session, { flushMs: 5 })
  uninstall = installBridgeIpc(bridge, `${PAGE}#/services`)
})

afterAll(async () => {
  uninstall()
  bridge.close()
  await session.close()
})

function call(): Handler {
  const handler = handlers.get(IPC_CALL_CHANNEL)
  if (handler === undefined) throw new Error('no bridge handler installed')
  return handler
}

describe('bridge over Electron IPC', () => {
  it('keeps file access to the workspace roots, as the WebSocket does', async () => {
    const page = new FakeContents()
    await symlink('/etc/passwd', join(dir, 'passwd.toml'))
    const ask = (id: number, method: string, params: unknown) =>
      call()(invokeEvent(page, PAGE), { kind: 'request', id, method, params })
    for (const [id, method, params] of [
      [1, 'config.read', { file: '/etc/parigot-probe.toml' }],
      [2, 'config.read', { file: join(dir, 'passwd.toml') }],
      [3, 'deployment.open', { file: join(dir, '..', 'elsewhere.toml') }],
      [4, 'config.save', { file: '/etc/parigot-probe.toml', text: '' }],
      [5, 'config.save', { file: join(dir, 'passwd.toml'), text: '' }],
    ] as const) {
      const response = await ask(id, method, params)
      expect(!response.ok && response.error, `${method} ${JSON.stringify(params)}`).toMatchObject({
        code: 'forbidden',
        field: 'params.file',
      })
    }
    expect((await ask(6, 'config.read', { file: config })).ok).toBe(true)
  })

  it('answers the main frame of our page, with the same envelopes as the WebSocket', async () => {
    const page = new FakeContents()
    const response = await call()(invokeEvent(page, `${PAGE}?token=x#/queues`), {
      kind: 'request',
      id: 7,
      method: 'studio.info',
      params: {},
    })
    expect(response).toMatchObject({ kind: 'response', id: 7, ok: true })
    expect(response.ok && (response.result as { version: string }).version).toBe('1.2.3')

    const bad = await call()(invokeEvent(page, PAGE), {
      kind: 'request',
      id: 8,
      method: 'queue.peek',
      params: { queue: 'q', limit: 0 },
    })
    expect(!bad.ok && bad.error).toMatchObject({ code: 'invalid-params', field: 'params.limit' })
  })

  it('refuses frames other than our page before parsing anything', async () => {
    const page = new FakeContents()
    const request = { kind: 'request', id: 1, method: 'studio.info', params: {} }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      for (const event of [
        invokeEvent(page, 'https://evil.example/index.html'),
        invokeEvent(page, 'file:///tmp/other/index.html'),
        invokeEvent(page, PAGE, { url: PAGE }), // an iframe inside our page
        { sender: page, senderFrame: null }, // a frame that is gone
      ]) {
        // Electron turns a throw in the handler, sync or async, into a rejected invoke.
        await expect(Promise.resolve().then(() => call()(event, request))).rejects.toThrow(
          /only accepted from the Studio page/,
        )
      }
      expect(warn).toHaveBeenCalledTimes(4)
    } finally {
      warn.mockRestore()
    }
  })

  it('pushes events to the subscribed page, and stops when the page reloads', async () => {
    const page = new FakeContents()
    let id = 0
    const send = (method: string, params: unknown) =>
      call()(invokeEvent(page, PAGE), { kind: 'request', id: ++id, method, params })
    const startLines = () =>
      page.sent.filter(
        (s) =>
          s.channel === IPC_EVENT_CHANNEL &&
          (s.message as { event?: string }).event === 'logs' &&
          JSON.stringify(s.message).includes('starting deploy'),
      ).length
    expect((await send('deployment.open', { file: config })).ok).toBe(true)
    const subscribed = await send('logs.subscribe', {
      filter: { sources: ['studio'] },
      backfill: 0,
    })
    expect(subscribed.ok).toBe(true)
    expect((await send('deployment.run', {})).ok).toBe(true)
    await vi.waitFor(() => expect(startLines()).toBe(1), { timeout: 5000 })
    await vi.waitFor(async () => {
      const status = await send('deployment.status', {})
      expect(status.ok && (status.result as { state: string }).state).toBe('failed')
    })

    // A reload is a new page: the old subscription ends, so a second run is not pushed to it.
    page.emit('did-navigate')
    expect((await send('deployment.run', {})).ok).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(startLines()).toBe(1)
  })
})
