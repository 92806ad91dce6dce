// The Electron shell cannot run here (no Electron binary offline), so these tests check what can
// be checked for real: the build output (preload format and behaviour, renderer CSP), the
// security options in the main entry, the window-state file, and the browser-mode file server.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONTENT_SECURITY_POLICY,
  ELECTRON_CONTENT_SECURITY_POLICY,
  servedContentSecurityPolicy,
} from '../../src/main/csp'
import { devToolsAllowed } from '../../src/main/devtools'
import { isFileInside } from '../../src/main/security'
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  saveWindowState,
} from '../../src/main/window-state'

const repo = resolve(import.meta.dirname, '../..')

function cspOfHtml(html: string): string | undefined {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)
  return meta?.[1]
}

describe('electron-vite build output', () => {
  let tmp: string
  let out: string

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'studio-build-'))
    out = join(tmp, 'out') // a private outDir: never clobbers the out/ that `npm start` serves
    execFileSync(
      join(repo, 'node_modules/.bin/electron-vite'),
      ['build', '--outDir', out, '--logLevel', 'error'],
      { cwd: repo, timeout: 120_000, stdio: 'pipe' },
    )
  }, 120_000)

  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('emits the preload as CommonJS that exposes exactly the frozen StudioBridge over two channels', async () => {
    const code = readFileSync(join(out, 'preload/index.cjs'), 'utf8')
    expect(code).toMatch(/require\(["']electron["']\)/)
    expect(code).not.toMatch(/^\s*(import|export)\s/m)
    expect(code).toContain('contextBridge')

    // Run it the way a sandboxed renderer does: a script with a `require` for 'electron' only,
    // and an ipcRenderer that records what the preload does with it.
    const exposed = new Map<string, unknown>()
    const invoked: { channel: string; message: unknown }[] = []
    const subscribed = new Map<string, (event: unknown, message: unknown) => void>()
    const ipcRenderer = {
      invoke: (channel: string, message: { id: number; method: string }) => {
        invoked.push({ channel, message })
        return Promise.resolve(
          message.method === 'deployment.status'
            ? { kind: 'response', id: message.id, ok: true, result: { state: 'empty' } }
            : {
                kind: 'response',
                id: message.id,
                ok: false,
                error: { code: 'unknown-method', message: 'nope' },
              },
        )
      },
      on: (channel: string, listener: (event: unknown, message: unknown) => void) => {
        subscribed.set(channel, listener)
      },
    }
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
      },
      ipcRenderer,
    }
    const fakeRequire = (id: string): unknown => {
      if (id !== 'electron') throw new Error(`sandboxed preload cannot require ${id}`)
      return electron
    }
    const module = { exports: {} }
    runInNewContext(code, { require: fakeRequire, module, exports: module.exports, console })

    expect([...exposed.keys()]).toEqual(['parigot'])
    const api = exposed.get('parigot') as Record<string, unknown>
    expect(Object.isFrozen(api)).toBe(true)
    expect(Object.keys(api).sort()).toEqual(['call', 'on', 'transport', 'version'])
    expect(api.transport).toBe('electron-ipc')
    expect(api.version).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version)
    // Nothing exposed is (or leads to) ipcRenderer itself.
    expect(Object.values(api)).not.toContain(ipcRenderer)
    expect(Object.values(api)).not.toContain(ipcRenderer.invoke)
    expect([...subscribed.keys()]).toEqual(['parigot:event'])

    const call = api.call as (method: string, params: unknown) => Promise<unknown>
    await expect(call('deployment.status', {})).resolves.toEqual({ state: 'empty' })
    await expect(call('no.such', {})).rejects.toMatchObject({
      name: 'BridgeError',
      code: 'unknown-method',
      message: 'nope',
    })
    expect(invoked.map((i) => i.channel)).toEqual(['parigot:call', 'parigot:call'])
    expect(invoked[0]?.message).toEqual({
      kind: 'request',
      id: 1,
      method: 'deployment.status',
      params: {},
    })

    const on = api.on as (event: string, listener: (payload: unknown) => void) => () => void
    const heard: unknown[] = []
    const off = on('logs', (payload) => heard.push(payload))
    const deliver = subscribed.get('parigot:event') as (e: unknown, m: unknown) => void
    deliver({}, { kind: 'event', event: 'logs', payload: { lines: [], dropped: 0 } })
    deliver({}, { kind: 'event', event: 'queues-changed', payload: { queues: [] } })
    deliver({}, 'not an event')
    off()
    deliver({}, { kind: 'event', event: 'logs', payload: { lines: [], dropped: 1 } })
    expect(heard).toEqual([{ lines: [], dropped: 0 }])
  })

  it('points main at the CommonJS preload and the built renderer', () => {
    const main = readFileSync(join(out, 'main/index.js'), 'utf8')
    expect(main).toContain('../preload/index.cjs')
    expect(main).toContain('../renderer/index.html')
    expect(main).toMatch(/sandbox:\s*true/)
  })

  it('ships the renderer with a strict CSP and no remote content', () => {
    const html = readFileSync(join(out, 'renderer/index.html'), 'utf8')
    const csp = cspOfHtml(html)
    expect(csp).toBe(CONTENT_SECURITY_POLICY)
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toContain('unsafe-eval')
    expect(html).not.toMatch(/https?:\/\//i)
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1])
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) expect(ref).toMatch(/^(\.\/assets\/|data:)/)
  })
})

describe('hardening switches', () => {
  it('offers DevTools in development, and in a packaged app only when asked for', () => {
    expect(devToolsAllowed(false, [], {})).toBe(true)
    expect(devToolsAllowed(true, [], {})).toBe(false)
    expect(devToolsAllowed(true, ['app', '--devtools'], {})).toBe(true)
    expect(devToolsAllowed(true, [], { PARIGOT_DEVTOOLS: '1' })).toBe(true)
    expect(devToolsAllowed(true, [], { PARIGOT_DEVTOOLS: 'yes' })).toBe(false)
    // The window's webPreferences and the menu ask the same function (the built main, out/).
    const main = readFileSync(join(repo, 'out/main/index.js'), 'utf8')
    expect(main.match(/devTools:\s*devToolsAllowed\(app\.isPackaged\)/g)).toHaveLength(2)
  })

  it('lets the window load file: URLs of its own folder only', () => {
    const app = '/opt/Parigot Studio/resources/app.asar/out/renderer'
    const url = (p: string) => `file://${encodeURI(p)}`
    expect(isFileInside(url(`${app}/index.html`), app)).toBe(true)
    expect(isFileInside(url(`${app}/assets/x.js`), app)).toBe(true)
    expect(isFileInside(url('/etc/passwd'), app)).toBe(false)
    expect(isFileInside(`file://${encodeURI(app)}/../../../../../etc/passwd`, app)).toBe(false)
    expect(isFileInside(`file://${encodeURI(app)}/%2e%2e/%2e%2e/x`, app)).toBe(false)
    expect(isFileInside(url(`${app}-evil/x.js`), app)).toBe(false)
    expect(isFileInside('file://host/share/x', app)).toBe(false)
    expect(isFileInside('not a url', app)).toBe(false)
  })

  it('lets the Electron window connect nowhere and a served page only to its own port', () => {
    expect(ELECTRON_CONTENT_SECURITY_POLICY).toContain("connect-src 'none';")
    expect(servedContentSecurityPolicy(4242)).toContain("connect-src 'self' ws://127.0.0.1:4242;")
    // Everything else is the <meta> policy's.
    const rest = (p: string) => p.split('; ').filter((d) => !d.startsWith('connect-src'))
    expect(rest(ELECTRON_CONTENT_SECURITY_POLICY)).toEqual(rest(CONTENT_SECURITY_POLICY))
    expect(rest(servedContentSecurityPolicy(1))).toEqual(rest(CONTENT_SECURITY_POLICY))
  })
})

describe('main entry security settings', () => {
  const source = readFileSync(join(repo, 'src/main/index.ts'), 'utf8')
  const prefs = /webPreferences:\s*\{([^}]*)\}/.exec(source)?.[1] ?? ''

  it('creates the window with isolation, sandbox and no node integration', () => {
    expect(prefs).toMatch(/\bcontextIsolation:\s*true\b/)
    expect(prefs).toMatch(/\bsandbox:\s*true\b/)
    expect(prefs).toMatch(/\bnodeIntegration:\s*false\b/)
    expect(prefs).toMatch(/\bwebSecurity:\s*true\b/)
    expect(prefs).not.toMatch(/allowRunningInsecureContent|experimentalFeatures/)
  })

  it('hardens the session and locks navigation', () => {
    expect(source).toContain('requestSingleInstanceLock()')
    expect(source).toMatch(/hardenSession\(session\.defaultSession, dirname\(INDEX_HTML\)\)/)
    expect(source).toMatch(/lockNavigation\(win\.webContents/)
    const security = readFileSync(join(repo, 'src/main/security.ts'), 'utf8')
    expect(security).toContain("setWindowOpenHandler(() => ({ action: 'deny' }))")
    expect(security).toContain('callback(false)')
    expect(security).toContain('onBeforeRequest')
    expect(security).toContain('onHeadersReceived')
  })
})

describe('window state file', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'studio-window-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('round-trips bounds and falls back to defaults when missing', () => {
    const file = join(dir, 'nested/window-state.json')
    const logs: string[] = []
    expect(loadWindowState(file, (m) => logs.push(m))).toEqual(DEFAULT_WINDOW_STATE)
    expect(logs).toEqual([])
    saveWindowState(file, { x: 10, y: 20, width: 900, height: 700, maximized: true })
    expect(loadWindowState(file)).toEqual({
      x: 10,
      y: 20,
      width: 900,
      height: 700,
      maximized: true,
    })
  })

  it('ignores a corrupt or out-of-range file with one log line', () => {
    for (const text of [
      '{not json',
      '[]',
      '{"width":"big","height":700}',
      '{"width":5,"height":5}',
    ]) {
      const file = join(dir, 'corrupt.json')
      writeFileSync(file, text)
      const logs: string[] = []
      expect(loadWindowState(file, (m) => logs.push(m))).toEqual(DEFAULT_WINDOW_STATE)
      expect(logs).toHaveLength(1)
      expect(logs[0]).toMatch(/corrupt/)
    }
  })

  it('drops a position that is on no display', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }]
    const state = { x: 5000, y: 5000, width: 800, height: 600, maximized: false }
    expect(fitToDisplays(state, screen)).toEqual({ width: 800, height: 600, maximized: false })
    expect(fitToDisplays({ ...state, x: 100, y: 100 }, screen)).toEqual({
      ...state,
      x: 100,
      y: 100,
    })
  })
})
