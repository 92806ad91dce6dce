// Browser mode (`parigot serve`): one HTTP server on 127.0.0.1 that serves the built renderer
// and carries the bridge over a WebSocket at /bridge. Only this machine can connect (loopback),
// only a page that knows the per-run token can open the bridge, and only pages of our own
// origin are accepted (a web page elsewhere cannot drive the engine through the user's browser).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import { MAX_BRIDGE_MESSAGE_BYTES } from '../../shared/bridge/contract'
import { servedContentSecurityPolicy } from '../csp'
import type { BridgeServer } from './bridge-server'

export const BRIDGE_PATH = '/bridge'
const MAX_CONNECTIONS = 16

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

export interface StudioWebServerOptions {
  readonly bridge: BridgeServer
  /** The built renderer (out/renderer). */
  readonly rendererDir: string
  /** 0 (default) = an ephemeral port. */
  readonly port?: number
  /** Default: 32 random bytes, hex. */
  readonly token?: string
  /** Hears an unexpected error of a request handler (answered 400), with what it was doing. */
  readonly onError?: (err: unknown, context: string) => void
}

export interface StudioWebServer {
  /** The page to open: `http://127.0.0.1:<port>/?token=<token>`. */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  })
  res.end(`${message}\n`)
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message) + 1}\r\n\r\n${message}\n`,
  )
}

function answerBadRequest(res: ServerResponse): void {
  if (res.headersSent) res.destroy()
  else plain(res, 400, 'bad request')
}

/** The request target, cut and printable, for a log line about it. */
function describeTarget(target: string | undefined): string {
  return JSON.stringify((target ?? '').slice(0, 200))
}

/**
 * The path and `token` query parameter of an origin-form request target (`/bridge?token=…`),
 * or undefined for anything else (`//[`, `http://[::1`, `*`, control characters). Never throws:
 * it runs before the client is authenticated.
 */
export function parseTarget(
  target: string | undefined,
): { readonly path: string; readonly token: string } | undefined {
  if (target === undefined || target.length > 8192) return undefined
  // Origin-form only: a single leading slash, visible ASCII, no fragment.
  if (!/^\/(?!\/)[\x21-\x7e]*$/.test(target) || target.includes('#')) return undefined
  const query = target.indexOf('?')
  const path = query < 0 ? target : target.slice(0, query)
  let token: string | undefined
  if (query >= 0) {
    for (const pair of target.slice(query + 1).split('&')) {
      const eq = pair.indexOf('=')
      if (eq < 0 || pair.slice(0, eq) !== 'token') continue
      // Two tokens are ambiguous: which one a proxy or a log would see is anyone's guess.
      if (token !== undefined) return undefined
      // The token is hex: anything percent-encoded or otherwise odd simply does not match.
      token = pair.slice(eq + 1)
    }
  }
  return { path, token: token ?? '' }
}

/** Host and Origin each given once: Node keeps the first of two, another reader the last. */
function singleHeaders(req: IncomingMessage): boolean {
  let hosts = 0
  let origins = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase()
    if (name === 'host') hosts++
    else if (name === 'origin') origins++
  }
  return hosts === 1 && origins === 1
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function serveFile(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  policy: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    plain(res, 405, 'method not allowed')
    return
  }
  const rawPath = (req.url ?? '/').split(/[?#]/, 1)[0] ?? '/'
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    plain(res, 400, 'bad request')
    return
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) {
    plain(res, 400, 'bad request')
    return
  }
  if (decoded.split(/[/\\]/).includes('..')) {
    plain(res, 403, 'forbidden')
    return
  }
  let file = resolve(root, `.${decoded}`)
  if (decoded.endsWith('/')) file = join(file, 'index.html')
  try {
    // Symbolic links must not lead out of the renderer folder either.
    const real = await realpath(file)
    if (!isInside(await realpath(root), real) || !(await stat(real)).isFile()) {
      plain(res, 404, 'not found')
      return
    }
    file = real
  } catch {
    plain(res, 404, 'not found')
    return
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
  res.writeHead(200, {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': policy } : {}),
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
}

export async function startStudioWebServer(
  options: StudioWebServerOptions,
): Promise<StudioWebServer> {
  const token = options.token ?? randomBytes(32).toString('hex')
  const root = resolve(options.rendererDir)
  const sockets = new WebSocketServer({
    noServer: true,
    // Our own limit answers `too-large` up to twice the contract's size; beyond, the socket closes.
    maxPayload: 2 * MAX_BRIDGE_MESSAGE_BYTES,
    perMessageDeflate: false,
  })
  let origin = ''
  let host = ''
  let policy = ''

  const server: Server = createServer((req, res) => {
    try {
      if (req.headers.host !== host) {
        // A page of another name resolving to 127.0.0.1 (DNS rebinding) gets nothing.
        plain(res, 403, 'forbidden host')
        return
      }
      void serveFile(root, req, res, policy).catch((err: unknown) => {
        options.onError?.(err, `serving ${describeTarget(req.url)}`)
        res.destroy()
      })
    } catch (err) {
      // Nothing a client sends before the token is checked may reach the process.
      options.onError?.(err, `request for ${describeTarget(req.url)}`)
      answerBadRequest(res)
    }
  })

  // Bytes that are not HTTP at all: Node's parser gives up; answer 400 and close.
  server.on('clientError', (_err: Error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    try {
      const target = parseTarget(req.url)
      if (target === undefined) return refuseUpgrade(socket, 400, 'Bad Request')
      if (target.path !== BRIDGE_PATH) return refuseUpgrade(socket, 404, 'Not Found')
      if (!sameToken(target.token, token)) return refuseUpgrade(socket, 401, 'Unauthorized')
      if (req.headers.origin !== origin || req.headers.host !== host || !singleHeaders(req))
        return refuseUpgrade(socket, 403, 'Forbidden')
      if (req.headers['sec-websocket-version'] !== '13')
        return refuseUpgrade(socket, 400, 'Bad Request')
      if (options.bridge.connectionCount >= MAX_CONNECTIONS)
        return refuseUpgrade(socket, 503, 'Too Many Connections')
      sockets.handleUpgrade(req, socket, head, (ws) => attach(ws))
    } catch (err) {
      options.onError?.(err, `upgrade request for ${describeTarget(req.url)}`)
      if (socket.writable) refuseUpgrade(socket, 400, 'Bad Request')
      else socket.destroy()
    }
  })

  function attach(ws: WebSocket): void {
    const connection = options.bridge.connect({
      send: (message) => ws.send(JSON.stringify(message)),
      bufferedBytes: () => ws.bufferedAmount,
    })
    ws.on('message', (data, isBinary) => {
      const raw = isBinary
        ? new Uint8Array(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]))
        : data.toString()
      void connection.handle(raw).then((response) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response))
      })
    })
    ws.on('close', () => connection.close())
    ws.on('error', () => ws.terminate())
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  const port = (server.address() as AddressInfo).port
  host = `127.0.0.1:${port}`
  origin = `http://${host}`
  policy = servedContentSecurityPolicy(port)
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        for (const ws of sockets.clients) ws.terminate()
        sockets.close()
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
