// Hardening of the Studio's session and web contents: no remote content, no permissions, no new
// windows, no navigation away from the app's own page, and the CSP also sent as a header.
import { isAbsolute, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Session, WebContents } from 'electron'
import { ELECTRON_CONTENT_SECURITY_POLICY } from './csp'

// data: and blob: never leave the machine; CSP decides which of them a page may use (Monaco
// needs data: images and fonts and blob: workers).
const ALLOWED_SCHEMES = new Set(['file:', 'devtools:', 'data:', 'blob:'])

function schemeOf(url: string): string {
  try {
    return new URL(url).protocol
  } catch {
    return ''
  }
}

/** Whether `url` is a file: URL inside `folder` (the app's renderer), after normalising. */
export function isFileInside(url: string, folder: string): boolean {
  let path: string
  try {
    path = fileURLToPath(url)
  } catch {
    return false
  }
  const rel = relative(folder, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/**
 * Denies permissions and every request but local schemes; file: only inside `fileRoot` (the
 * built renderer's folder), so that a compromised page cannot load other files of the disk.
 */
export function hardenSession(session: Session, fileRoot?: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.webRequest.onBeforeRequest((details, callback) => {
    const scheme = schemeOf(details.url)
    const allowed =
      ALLOWED_SCHEMES.has(scheme) &&
      (scheme !== 'file:' || fileRoot === undefined || isFileInside(details.url, fileRoot))
    if (!allowed) console.warn(`security: blocked request to ${details.url}`)
    callback({ cancel: !allowed })
  })
  session.webRequest.onHeadersReceived((details, callback) => {
    // DevTools pages bring their own policy; leave them alone.
    if (schemeOf(details.url) === 'devtools:') {
      callback({})
      return
    }
    // Replace any CSP the response carried (header names are case-insensitive) with ours.
    const responseHeaders = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    )
    responseHeaders['Content-Security-Policy'] = [ELECTRON_CONTENT_SECURITY_POLICY]
    callback({ responseHeaders })
  })
}

/** Strips query and fragment so that `index.html#panel` still counts as the app's own page. */
function pageOf(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return undefined
  }
}

/** Lets `contents` navigate only to `appUrl` (a file: URL); blocks new windows and webviews. */
export function lockNavigation(contents: WebContents, appUrl: string): void {
  const appPage = pageOf(appUrl)
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (pageOf(url) === appPage && schemeOf(url) === 'file:') return
    event.preventDefault()
    console.warn(`security: blocked navigation to ${url}`)
  }
  contents.on('will-navigate', guard)
  contents.on('will-redirect', guard)
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-attach-webview', (event) => event.preventDefault())
}
