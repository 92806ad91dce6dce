// A tiny static file server for browser mode: loopback only, GET/HEAD only, no directory
// listings, no path traversal (403), 404 for anything that is not a regular file under root.
// Usage as a module: `await startStaticServer({ root, port })`; as a script:
// `node scripts/static-server.mjs <root> [--port N]`.
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CONTENT_TYPES = {
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

function contentTypeOf(file) {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

function isInside(root, file) {
  const rel = relative(root, file)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/**
 * Maps a request target to a file path under root. Returns { status } when the request must be
 * refused: 400 for a malformed path, 403 for any attempt to leave root.
 */
export function resolveRequestPath(root, target) {
  const rawPath = (target ?? '/').split(/[?#]/, 1)[0]
  let decoded
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return { status: 400 }
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) return { status: 400 }
  const segments = decoded.split(/[/\\]/)
  if (segments.some((segment) => segment === '..')) return { status: 403 }
  const file = resolve(root, `.${decoded}`)
  if (!isInside(root, file)) return { status: 403 }
  return { file: decoded.endsWith('/') ? join(file, 'index.html') : file }
}

function send(res, status, message) {
  const body = `${message}\n`
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
  })
  res.end(body)
}

const STATUS_TEXT = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }

async function handle(realRoot, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    send(res, 405, 'Method Not Allowed')
    return
  }
  const target = resolveRequestPath(realRoot, req.url)
  if (target.file === undefined) {
    send(res, target.status, STATUS_TEXT[target.status])
    return
  }
  let file
  let info
  try {
    file = await realpath(target.file) // follows symlinks: the real file must be under root too
    info = await stat(file)
  } catch {
    send(res, 404, STATUS_TEXT[404])
    return
  }
  if (!isInside(realRoot, file)) {
    send(res, 403, STATUS_TEXT[403])
    return
  }
  if (!info.isFile()) {
    send(res, 404, STATUS_TEXT[404])
    return
  }
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  })
  if (req.method === 'HEAD') {
    res.end()
    return
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
}

/**
 * Serves `root` on 127.0.0.1. `port` 0 picks an ephemeral port.
 * Resolves to { port, url, close() }; close() stops the server and drops open connections.
 */
export async function startStaticServer({ root, port = 0 }) {
  const realRoot = await realpath(root)
  const server = createServer((req, res) => {
    handle(realRoot, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error')
      else res.destroy()
    })
  })
  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', rejectListen)
      resolveListen()
    })
  })
  const actualPort = server.address().port
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}/`,
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose())
        server.closeAllConnections()
      }),
  }
}

/** Parses `--port N` / `--port=N`; returns 0 when absent. Throws on a bad value. */
export function parsePortArg(argv) {
  let value
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--port') value = argv[++i]
    else if (arg.startsWith('--port=')) value = arg.slice('--port='.length)
  }
  if (value === undefined) return 0
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`invalid --port value: ${value}`)
  return port
}

/** Closes the server and exits 0 on SIGINT / SIGTERM. */
export function closeOnSignals(server) {
  const stop = () => {
    server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const root = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--port')
  if (root === undefined) {
    console.error('usage: node scripts/static-server.mjs <root> [--port N]')
    process.exit(2)
  }
  const server = await startStaticServer({ root, port: parsePortArg(args) })
  console.log(`Serving ${root} at ${server.url}`)
  closeOnSignals(server)
}
