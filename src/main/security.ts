// Hardening of the Studio's session and web contents: no remote content, no permissions, no new
// windows, no navigation away from the app's own page, and the CSP also sent as a header.
import type { Session, WebContents } from 'electron'
import { CONTENT_SECURITY_POLICY } from './csp'

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

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = ALLOWED_SCHEMES.has(schemeOf(details.url))
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
    responseHeaders['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
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
