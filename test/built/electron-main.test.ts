// The desktop app's main process as built (out/main/index.js), run under Node with a recording
// stand-in for Electron: it opens a hardened window on the built renderer with the built preload,
// and through its real IPC handlers runs examples/helloworld on the real engine.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildExample } from '../e2e/harness'
import { REPO_ROOT } from '../helpers/asc'
import { StandInMain } from './electron-stand-in'
import { runHelloworldThroughIpc } from './run-through-ipc'

describe('the built Electron main (out/main/index.js) with a stand-in for Electron', () => {
  let main: StandInMain
  let helloworld: string

  beforeAll(async () => {
    helloworld = await buildExample('helloworld')
    main = new StandInMain(join(REPO_ROOT, 'out', 'main', 'index.js'), REPO_ROOT)
  }, 120_000)
  afterAll(() => main?.kill())

  it('opens one hardened window on the built renderer, with the built preload', async () => {
    const loaded = await main.until('the window loads its page', () =>
      main.calls.find((c) => c.api === 'BrowserWindow.loadFile'),
    )
    const page = loaded.args[0] as string
    expect(page).toBe(join(REPO_ROOT, 'out', 'renderer', 'index.html'))
    expect(existsSync(page)).toBe(true)
    const created = main.calls.find((c) => c.api === 'new BrowserWindow')
    const prefs = (created?.args[0] as { webPreferences: Record<string, unknown> }).webPreferences
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(prefs['preload']).toBe(join(REPO_ROOT, 'out', 'preload', 'index.cjs'))
    expect(existsSync(prefs['preload'] as string)).toBe(true)
    // The menu lists recent deployments, read after start-up.
    await main.until('the application menu', () =>
      main.calls.find((c) => c.api === 'Menu.setApplicationMenu'),
    )
    expect(main.calls.map((c) => c.api)).toEqual(
      expect.arrayContaining([
        'app.enableSandbox',
        'session.setPermissionRequestHandler',
        'session.webRequest.onHeadersReceived',
        'Menu.setApplicationMenu',
        'ipcMain.handle',
      ]),
    )
    const denied = main.calls.find((c) => c.api === 'webContents.setWindowOpenHandler')
    expect(denied?.args[0]).toEqual({ action: 'deny' })
  })

  it('refuses a bridge call from any frame but its own page', async () => {
    const answer = await main.invoke(
      'parigot:call',
      [{ kind: 'request', id: 99, method: 'studio.info', params: {} }],
      'https://attacker.example/index.html',
    )
    expect(answer.ok).toBe(false)
    expect(String(answer.value)).toContain('only accepted from the Studio page')
  })

  it('runs helloworld through its IPC handlers: log lines and graph events reach the window', async () => {
    await runHelloworldThroughIpc(main, helloworld)
  }, 60_000)

  it('stops the deployment and exits when the app quits', async () => {
    main.quit()
    const exit = await main.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(main.calls.some((c) => c.api === 'ipcMain.removeHandler')).toBe(true)
  }, 20_000)
})
