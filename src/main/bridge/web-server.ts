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
import { CONTENT_SECURITY_POLICY } from '../csp'
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

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function serveFile(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } : {}),
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

  const server: Server = createServer((req, res) => {
    if (req.headers.host !== host) {
      // A page of another name resolving to 127.0.0.1 (DNS rebinding) gets nothing.
      plain(res, 403, 'forbidden host')
      return
    }
    void serveFile(root, req, res).catch(() => res.destroy())
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', origin)
    if (url.pathname !== BRIDGE_PATH) return refuseUpgrade(socket, 404, 'Not Found')
    if (!sameToken(url.searchParams.get('token') ?? '', token))
      return refuseUpgrade(socket, 401, 'Unauthorized')
    if (req.headers.origin !== origin || req.headers.host !== host)
      return refuseUpgrade(socket, 403, 'Forbidden')
    if (options.bridge.connectionCount >= MAX_CONNECTIONS)
      return refuseUpgrade(socket, 503, 'Too Many Connections')
    sockets.handleUpgrade(req, socket, head, (ws) => attach(ws))
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
