// Remembers the main window's bounds in a small JSON file. No Electron imports: the caller passes
// the file path (under app.getPath('userData')) and the displays' work areas.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false }
const MIN_SIZE = 400
const MAX_SIZE = 16384
const MAX_COORD = 100_000

type Log = (message: string) => void

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
}

/** Returns the state described by `raw`, or undefined when it is not a valid window state. */
export function parseWindowState(raw: unknown): WindowState | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined
  const { x, y, width, height, maximized } = raw as Record<string, unknown>
  if (!isInt(width, MIN_SIZE, MAX_SIZE) || !isInt(height, MIN_SIZE, MAX_SIZE)) return undefined
  if (maximized !== undefined && typeof maximized !== 'boolean') return undefined
  const state: WindowState = { width, height, maximized: maximized ?? false }
  if (x === undefined && y === undefined) return state
  if (!isInt(x, -MAX_COORD, MAX_COORD) || !isInt(y, -MAX_COORD, MAX_COORD)) return undefined
  return { ...state, x, y }
}

/** Reads the saved state; a missing file gives the default, a corrupt one is logged and ignored. */
export function loadWindowState(file: string, log: Log = console.warn): WindowState {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      log(`window-state: cannot read ${file} (${(err as Error).message}); using defaults`)
    }
    return { ...DEFAULT_WINDOW_STATE }
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    raw = undefined
  }
  const state = parseWindowState(raw)
  if (state === undefined) {
    log(`window-state: ignoring corrupt ${file}; using defaults`)
    return { ...DEFAULT_WINDOW_STATE }
  }
  return state
}

/** Writes the state atomically (temporary file + rename). Errors are logged, never thrown. */
export function saveWindowState(file: string, state: WindowState, log: Log = console.warn): void {
  const clean = parseWindowState(state)
  if (clean === undefined) return
  try {
    mkdirSync(dirname(file), { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, `${JSON.stringify(clean)}\n`)
    renameSync(tmp, file)
  } catch (err) {
    log(`window-state: cannot write ${file} (${(err as Error).message})`)
  }
}

/** Drops the saved position when the window's title bar would not be on any display. */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const { x, y } = state
  if (x === undefined || y === undefined) return state
  const grip = 48 // enough of the title bar to grab the window
  const visible = workAreas.some(
    (a) =>
      x + state.width - grip >= a.x &&
      x + grip <= a.x + a.width &&
      y >= a.y &&
      y + grip <= a.y + a.height,
  )
  if (visible) return state
  return { width: state.width, height: state.height, maximized: state.maximized }
}
