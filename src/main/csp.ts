// The Content-Security-Policy of the Studio window. The same string is in the <meta> tag of
// src/renderer/index.html (a unit test checks that they match); main also sends it as a header.
// Monaco (later) needs worker-src blob:, img-src data:, style-src 'unsafe-inline', font-src data:.
// connect-src allows the loopback WebSocket of browser mode (`parigot serve`).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ')

/** The policy's directives with `connect-src` replaced. */
function withConnect(sources: string): string {
  return CONTENT_SECURITY_POLICY.split('; ')
    .map((d) => (d.startsWith('connect-src ') ? `connect-src ${sources}` : d))
    .join('; ')
}

/**
 * Browser mode's header: the page may connect only to the engine's own port (the <meta> tag,
 * built before the port is known, allows any loopback port; a browser enforces both).
 */
export function servedContentSecurityPolicy(port: number): string {
  return withConnect(`'self' ws://127.0.0.1:${port}`)
}

/** The Electron window talks to the engine over IPC: it connects nowhere. */
export const ELECTRON_CONTENT_SECURITY_POLICY = withConnect("'none'")
