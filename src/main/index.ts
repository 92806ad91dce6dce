// Electron entry: one hardened window showing the Studio renderer. Kept thin on purpose; the
// engine, kernel and bridge live in their own modules.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, screen, session } from 'electron'
import { installAppMenu } from './menu'
import { hardenSession, lockNavigation } from './security'
import { fitToDisplays, loadWindowState, saveWindowState } from './window-state'

const here = import.meta.dirname // out/main
const PRELOAD = join(here, '../preload/index.cjs')
const INDEX_HTML = join(here, '../renderer/index.html')

let mainWindow: BrowserWindow | undefined

function createWindow(): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json')
  const workAreas = screen.getAllDisplays().map((display) => display.workArea)
  const state = fitToDisplays(loadWindowState(stateFile), workAreas)

  const win = new BrowserWindow({
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    width: state.width,
    height: state.height,
    minWidth: 640,
    minHeight: 400,
    show: false,
    title: 'Parigot Studio',
    backgroundColor: '#15171c',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  })
  lockNavigation(win.webContents, pathToFileURL(INDEX_HTML).href)
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize()
    win.show()
  })
  win.on('close', () => {
    saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() })
  })
  win.on('closed', () => {
    mainWindow = undefined
  })
  win.loadFile(INDEX_HTML).catch((err: unknown) => {
    console.error(`studio: cannot load ${INDEX_HTML}: ${String(err)}`)
  })
  return win
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.enableSandbox()
  app.on('second-instance', () => {
    if (mainWindow === undefined) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', () => {
    if (mainWindow === undefined) mainWindow = createWindow()
  })
  void app.whenReady().then(() => {
    hardenSession(session.defaultSession)
    installAppMenu()
    mainWindow = createWindow()
  })
}
