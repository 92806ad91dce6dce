// Nothing a client sends before it is authenticated can hurt `parigot serve`: a raw-socket fuzz
// of malformed request lines, targets, headers and WebSocket upgrades against the built CLI,
// after which the same server still serves a client with the token.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioInfo } from '../../src/shared/bridge/contract'
import { serveStudio } from './serve-process'
import type { ServedStudio } from './serve-process'

interface Answer {
  /** The status line, or '' when the server closed without one. */
  readonly status: string
  readonly timedOut: boolean
}

/** Writes `bytes` on a fresh connection; answers the first line the server sent back. */
function send(port: number, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let done = false
    const finish = (timedOut: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ status: received.split('\r\n', 1)[0] ?? '', timedOut })
    }
    const timer = setTimeout(() => finish(true), 5000)
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1')
      if (received.includes('\r\n')) finish(false)
    })
    socket.on('error', () => finish(false))
    socket.on('close', () => finish(false))
    // The server may close on the first bad byte; a write after that is not an error for us.
    socket.write(bytes, () => socket.end())
  })
}

const UPGRADE = [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
]

/** The hostile inputs: each a name and the raw bytes of one request. */
interface Case {
  readonly name: string
  readonly bytes: Buffer
  /** Token, Host, Origin, key and version all right: a 101 is allowed (not required). */
  readonly authentic?: boolean
}

function cases(port: number, token: string): Case[] {
  const host = `Host: 127.0.0.1:${port}`
  const origin = `Origin: http://127.0.0.1:${port}`
  const request = (line: string, headers: readonly string[]): Buffer =>
    Buffer.from(`${line}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1')
  const out: Case[] = []
  const targets = [
    '//[',
    'http://[::1',
    'http://[::1]:1/bridge',
    `http://127.0.0.1:${port}/bridge?token=${token}`,
    '//',
    '///bridge',
    '*',
    '',
    '[',
    '/%',
    '/%zz',
    '/%00',
    '/%c0%af',
    '/\u00ff\u00fe',
    '/bridge?token=%',
    '/bridge?token=%zz',
    `/bridge?token=${token}%00`,
    `/bridge?token=${token.toUpperCase()}`,
    `/bridge?token=${token}&token=x`,
    '/bridge?token',
    '/bridge?=&&=',
    '/bridge#x',
    `/bridge/../bridge?token=${token}`,
    `/BRIDGE?token=${token}`,
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/../../../../etc/passwd',
    '/\\..\\..\\etc\\passwd',
    `/${'a'.repeat(7000)}`,
    `/bridge?token=${'f'.repeat(7000)}`,
    'javascript:alert(1)',
    'file:///etc/passwd',
    '/index.html?%',
  ]
  for (const target of targets) {
    out.push({ name: `GET ${target}`, bytes: request(`GET ${target} HTTP/1.1`, [host]) })
    out.push({
      name: `upgrade ${target}`,
      bytes: request(`GET ${target} HTTP/1.1`, [host, origin, ...UPGRADE]),
    })
    out.push({
      name: `upgrade without host ${target}`,
      bytes: request(`GET ${target} HTTP/1.1`, [...UPGRADE]),
    })
  }
  const lines = [
    'GET',
    'GET /',
    'GET / HTTP/9.9',
    'GET / HTTP/1',
    'GET / HTTX/1.1',
    'GET  / HTTP/1.1',
    'GET / HTTP/1.1 extra',
    'get / HTTP/1.1',
    'BREW / HTTP/1.1',
    'CONNECT 127.0.0.1:1 HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'POST / HTTP/1.1',
    'DELETE /index.html HTTP/1.1',
    '\u0000\u0001\u0002 / HTTP/1.1',
    'GET /\u0000 HTTP/1.1',
    'GET /\t HTTP/1.1',
    'GET /\u007f HTTP/1.1',
    ' GET / HTTP/1.1',
    'GET / HTTP/1.1\r',
    `${'G'.repeat(20000)} / HTTP/1.1`,
    'PRI * HTTP/2.0\r\n\r\nSM',
    '\u0016\u0003\u0001\u0002\u0000\u0001',
  ]
  for (const line of lines) {
    out.push({ name: `line ${JSON.stringify(line.slice(0, 40))}`, bytes: request(line, [host]) })
    out.push({
      name: `upgrade line ${JSON.stringify(line.slice(0, 40))}`,
      bytes: request(line, [host, origin, ...UPGRADE]),
    })
  }
  const headerSets: Record<string, readonly string[]> = {
    'huge header': [host, `X-Big: ${'x'.repeat(200_000)}`],
    'many headers': [host, ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`)],
    'no colon': [host, 'NoColonHere'],
    'empty name': [host, ': value'],
    'space before colon': [host, 'X-A : b'],
    'bad header name': [host, 'X(A): b'],
    'control char value': [host, 'X-A: \u0001\u0002'],
    'obs-fold': [host, 'X-A: b', ' continued'],
    'two hosts': [host, 'Host: evil.example'],
    'host with path': ['Host: 127.0.0.1/../x'],
    'empty host': ['Host:'],
    'host huge': [`Host: ${'h'.repeat(60_000)}`],
    'content-length negative': [host, 'Content-Length: -1'],
    'content-length text': [host, 'Content-Length: abc'],
    'content-length twice': [host, 'Content-Length: 1', 'Content-Length: 2'],
    'content-length huge': [host, 'Content-Length: 99999999999999999999999'],
    'chunked and length': [host, 'Transfer-Encoding: chunked', 'Content-Length: 3'],
    'bad transfer encoding': [host, 'Transfer-Encoding: gzip, chunked, x'],
    'chunked bad': [host, 'Transfer-Encoding: chunked'],
    expect: [host, 'Expect: 100-continue', 'Content-Length: 10'],
  }
  // With the token, Host and Origin right, a body-less oddity does not make the upgrade wrong.
  const harmlessWithToken = new Set(['chunked bad', 'expect', 'content-length twice'])
  for (const [name, headers] of Object.entries(headerSets)) {
    out.push({ name: `GET / ${name}`, bytes: request('GET / HTTP/1.1', headers) })
    out.push({
      name: `upgrade ${name}`,
      bytes: request(`GET /bridge?token=${token} HTTP/1.1`, [...headers, origin, ...UPGRADE]),
      ...(harmlessWithToken.has(name) ? { authentic: true } : {}),
    })
  }
  out.push({
    name: 'chunked garbage body',
    bytes: Buffer.concat([
      request('POST / HTTP/1.1', [host, 'Transfer-Encoding: chunked']),
      Buffer.from('zz\r\nhello\r\n0\r\n\r\n'),
    ]),
  })
  const good = `/bridge?token=${token}`
  const upgradeVariants: Record<string, readonly string[]> = {
    'key empty': ['Sec-WebSocket-Key: '],
    'key short': ['Sec-WebSocket-Key: x'],
    'key not base64': ['Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!!!'],
    'key long': [`Sec-WebSocket-Key: ${'A'.repeat(5000)}`],
    'key twice': ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Key: x'],
    'key missing': [],
  }
  for (const [name, key] of Object.entries(upgradeVariants)) {
    for (const t of [good, '/bridge?token=wrong', '//[']) {
      out.push({
        name: `${name} ${t === good ? 'good token' : t}`,
        bytes: request(`GET ${t} HTTP/1.1`, [
          host,
          origin,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Version: 13',
          ...key,
        ]),
      })
    }
  }
  const versions = ['', '8', '99', '13, 8', 'x', '-1', '1'.repeat(400)]
  for (const v of versions)
    out.push({
      name: `version ${JSON.stringify(v.slice(0, 10))}`,
      bytes: request(`GET ${good} HTTP/1.1`, [
        host,
        origin,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Version: ${v}`,
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
    })
  const upgradeHeaders: Record<string, readonly string[]> = {
    'upgrade h2c': [host, 'Upgrade: h2c', 'Connection: Upgrade'],
    'upgrade empty': [host, 'Upgrade:', 'Connection: Upgrade'],
    'upgrade no connection': [host, 'Upgrade: websocket'],
    'upgrade bad origin': [host, 'Origin: http://evil.example', ...UPGRADE],
    'upgrade null origin': [host, 'Origin: null', ...UPGRADE],
    'upgrade origin huge': [host, `Origin: ${'o'.repeat(10_000)}`, ...UPGRADE],
    'upgrade bad host': ['Host: evil.example', origin, ...UPGRADE],
    'upgrade extensions junk': [
      host,
      origin,
      ...UPGRADE,
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=999;;;',
    ],
    'upgrade protocol junk': [host, origin, ...UPGRADE, 'Sec-WebSocket-Protocol: ,,,\u0001'],
    'upgrade two origins': [host, origin, 'Origin: http://evil.example', ...UPGRADE],
  }
  for (const [name, headers] of Object.entries(upgradeHeaders))
    out.push({
      name,
      bytes: request(`GET ${good} HTTP/1.1`, headers),
      // Compression is off: unknown extensions are ignored, as RFC 6455 allows.
      ...(name === 'upgrade extensions junk' ? { authentic: true } : {}),
    })
  // Not HTTP at all.
  for (const junk of ['\r\n\r\n', '\u0000'.repeat(64), 'hello', '{"kind":"request"}\n'])
    out.push({ name: `junk ${JSON.stringify(junk.slice(0, 10))}`, bytes: Buffer.from(junk) })
  out.push({
    name: 'random bytes',
    bytes: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256)),
  })
  return out
}

describe('parigot serve against malformed requests before authentication', () => {
  let studio: ServedStudio
  beforeAll(async () => {
    studio = await serveStudio()
  })
  afterAll(async () => {
    await studio.stop()
  })

  it('answers the repro of the report (an upgrade to `//[`) with 400 and keeps serving', async () => {
    const answer = await send(
      studio.port,
      Buffer.from(
        `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${studio.port}\r\n${UPGRADE.join('\r\n')}\r\n\r\n`,
      ),
    )
    expect(answer.status).toBe('HTTP/1.1 400 Bad Request')
    const client = await studio.connect()
    expect((await client.call<StudioInfo>('studio.info')).protocol).toBe(1)
    client.close()
  })

  it('survives over 200 malformed requests, never upgrading one, then serves a valid client', async () => {
    const all = cases(studio.port, studio.token)
    expect(all.length).toBeGreaterThanOrEqual(200)
    const answers: { name: string; authentic: boolean; answer: Answer }[] = []
    // A few at a time, as a misbehaving local process would.
    for (let i = 0; i < all.length; i += 16) {
      const batch = all.slice(i, i + 16)
      const got = await Promise.all(batch.map((c) => send(studio.port, c.bytes)))
      got.forEach((answer, j) => {
        const c = batch[j] as Case
        answers.push({ name: c.name, authentic: c.authentic === true, answer })
      })
    }
    const upgraded = answers.filter((a) => !a.authentic && a.answer.status.includes(' 101 '))
    expect(upgraded.map((a) => a.name)).toEqual([])
    const hung = answers.filter((a) => a.answer.timedOut)
    expect(hung.map((a) => a.name)).toEqual([])
    // Every answer is an HTTP status (or a plain close): a 4xx for what is malformed.
    for (const { name, authentic, answer } of answers)
      expect(answer.status, name).toMatch(
        authentic ? /^(HTTP\/1\.1 (101|[2-5]\d\d) .*)?$/ : /^(HTTP\/1\.[01] (100|[2-5]\d\d) .*)?$/,
      )
    const statuses = new Map<string, number>()
    for (const { answer } of answers)
      statuses.set(answer.status || 'closed', (statuses.get(answer.status || 'closed') ?? 0) + 1)
    console.log(`hostile-http: ${answers.length} requests:`, Object.fromEntries(statuses))

    expect(studio.child.exitCode).toBeNull()
    expect(studio.out.stderr).not.toContain('escaped a handler')
    // The same server, after all that: the token handshake and bridge calls.
    const client = await studio.connect()
    const info = await client.call<StudioInfo>('studio.info')
    expect(info.status.state).toBeDefined()
    const chain = info.examples.find((e) => e.name === 'chain') ?? info.examples[0]
    expect(chain).toBeDefined()
    const opened = await client.call<{ file: string }>('deployment.open', { file: chain?.file })
    expect(opened.file).toBe(chain?.file)
    client.close()
    const page = await fetch(new URL('/', studio.url))
    expect(page.status).toBe(200)
  }, 120_000)
})
