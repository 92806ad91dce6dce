// Electron entry: one hardened window showing the Studio renderer, and the Studio session the
// renderer drives over IPC. Kept thin on purpose; the engine, kernel and bridge live in their
// own modules.
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, screen, session } from 'electron'
import { version } from '../../package.json'
import { devToolsAllowed } from './devtools'
import { installAppMenu } from './menu'
import { hardenSession, lockNavigation } from './security'
import { BridgeServer } from './bridge/bridge-server'
import { describeError } from './bridge/errors'
import { installBridgeIpc } from './bridge/ipc'
import { studioRoot } from './bridge/paths'
import { StudioSession } from './bridge/session'
import { WorkspaceRoots } from './bridge/workspace-roots'
import { fitToDisplays, loadWindowState, saveWindowState } from './window-state'

const here = import.meta.dirname // out/main
const PRELOAD = join(here, '../preload/index.cjs')
const INDEX_HTML = join(here, '../renderer/index.html')

let mainWindow: BrowserWindow | undefined
let studio: StudioSession | undefined
let roots: WorkspaceRoots | undefined

async function refreshMenu(): Promise<void> {
  const current = studio
  if (current === undefined) return
  const { recent } = await current.info()
  installAppMenu({
    recent,
    devTools: devToolsAllowed(app.isPackaged),
    openDeployment: () => void chooseDeployment(),
    openRecent: (file) => void openDeployment(file),
  })
}

/**
 * Opens a config the user chose in a native dialog or menu: its folder becomes a workspace root
 * (the renderer may then read and save files there, and nowhere it was not given).
 */
async function openDeployment(file: string): Promise<void> {
  try {
    await roots?.add(dirname(file))
    await studio?.open(file)
  } catch (err) {
    dialog.showErrorBox('Cannot open the deployment', describeError(err))
  }
  await refreshMenu()
}

async function chooseDeployment(): Promise<void> {
  const options = {
    title: 'Open Deployment',
    properties: ['openFile' as const],
    filters: [{ name: 'Deploy config', extensions: ['toml'] }],
  }
  const chosen = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options)
  const file = chosen.filePaths[0]
  if (!chosen.canceled && file !== undefined) await openDeployment(file)
}

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
      devTools: devToolsAllowed(app.isPackaged),
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
  void app.whenReady().then(async () => {
    hardenSession(session.defaultSession, dirname(INDEX_HTML))
    // Installers put the examples next to the app as real files (electron-builder's
    // extraResources); a development checkout has them beside package.json.
    let examplesDir: string | undefined
    try {
      examplesDir = app.isPackaged
        ? join(process.resourcesPath, 'examples')
        : join(studioRoot(here), 'examples')
    } catch {
      examplesDir = undefined
    }
    // Roots: the bundled examples, and every folder the user picked (in earlier runs too: the
    // recent list holds only configs the user opened).
    roots = await WorkspaceRoots.create([])
    if (examplesDir !== undefined) await roots.add(examplesDir).catch(() => undefined)
    studio = new StudioSession({
      version,
      roots,
      dataDir: app.getPath('userData'),
      ...(examplesDir !== undefined ? { examplesDir } : {}),
    })
    const removeIpc = installBridgeIpc(new BridgeServer(studio), pathToFileURL(INDEX_HTML).href)
    // Recent deployments change when the page opens one too.
    let menuFile: string | undefined
    studio.subscribe((event) => {
      if (event.kind !== 'status' || event.status.file === menuFile) return
      menuFile = event.status.file
      void refreshMenu()
    })
    app.once('will-quit', (event) => {
      const closing = studio
      if (closing === undefined) return
      // Stop every guest before the process goes away, then quit for real.
      event.preventDefault()
      studio = undefined
      removeIpc()
      void closing.close().finally(() => app.quit())
    })
    for (const file of (await studio.info()).recent)
      await roots.add(dirname(file)).catch(() => undefined)
    void refreshMenu()
    mainWindow = createWindow()
  })
}
