// The bridge's front door against a real session and a real loopback server: malformed and
// hostile messages get typed errors, and only a page with the token and our Origin connects.
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { MAX_BRIDGE_MESSAGE_BYTES } from '../../src/shared/bridge/contract'
import { servedContentSecurityPolicy } from '../../src/main/csp'
import { BridgeServer } from '../../src/main/bridge/bridge-server'
import { StudioSession } from '../../src/main/bridge/session'
import { WorkspaceRoots } from '../../src/main/bridge/workspace-roots'
import { startStudioWebServer } from '../../src/main/bridge/web-server'
import type { StudioWebServer } from '../../src/main/bridge/web-server'
import { TestClient } from './helpers'

let dir: string
let session: StudioSession
let bridge: BridgeServer
let server: StudioWebServer
let client: TestClient

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-bridge-'))
  const site = join(dir, 'site')
  await mkdir(join(site, 'assets'), { recursive: true })
  await writeFile(join(site, 'index.html'), '<!doctype html><title>studio</title>')
  await writeFile(join(site, 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET')
  await symlink(join(dir, 'secret.txt'), join(site, 'link.txt'))
  session = new StudioSession({
    version: '9.9.9',
    roots: await WorkspaceRoots.create([dir]),
    dataDir: join(dir, 'data'),
  })
  bridge = new BridgeServer(session)
  server = await startStudioWebServer({ bridge, rendererDir: site })
  client = await TestClient.connect(
    `ws://127.0.0.1:${server.port}/bridge?token=${server.token}`,
    server.origin,
  )
})

afterAll(async () => {
  client.close()
  await server.close()
  bridge.close()
  await session.close()
})

describe('dispatcher', () => {
  it('answers malformed messages with bad-message and a null id', async () => {
    for (const text of ['{not json', '[]', '42', 'null', '"request"']) {
      const response = await client.raw(text)
      expect(response).toMatchObject({ kind: 'response', id: null, ok: false })
      expect(!response.ok && response.error.code).toBe('bad-message')
    }
    const noId = await client.raw(JSON.stringify({ kind: 'request', method: 'studio.info' }))
    expect(!noId.ok && noId.error).toMatchObject({ code: 'bad-message', field: 'id' })
    const badId = await client.raw(
      JSON.stringify({ kind: 'request', id: -1, method: 'studio.info', params: {} }),
    )
    expect(!badId.ok && badId.error.field).toBe('id')
  })

  it('refuses a wrong kind, an extra envelope field and a missing method with the request id', async () => {
    const wrongKind = await client.raw(
      JSON.stringify({ kind: 'event', id: 7, method: 'studio.info', params: {} }),
      7,
    )
    expect(wrongKind).toMatchObject({
      id: 7,
      ok: false,
      error: { code: 'bad-message', field: 'kind' },
    })
    const extra = await client.raw(
      JSON.stringify({ kind: 'request', id: 8, method: 'studio.info', params: {}, x: 1 }),
      8,
    )
    expect(extra).toMatchObject({ id: 8, ok: false, error: { code: 'bad-message', field: 'x' } })
    const noMethod = await client.raw(JSON.stringify({ kind: 'request', id: 9, params: {} }), 9)
    expect(noMethod).toMatchObject({ id: 9, ok: false, error: { field: 'method' } })
  })

  it('answers an oversized message with too-large, and the connection keeps working', async () => {
    const big = JSON.stringify({
      kind: 'request',
      id: 10,
      method: 'config.validate',
      params: { file: '/x.toml', text: 'x'.repeat(MAX_BRIDGE_MESSAGE_BYTES) },
    })
    const response = await client.raw(big)
    expect(!response.ok && response.error.code).toBe('too-large')
    expect((await client.request('deployment.status')).ok).toBe(true)
  })

  it('answers unknown methods and invalid params with the offending field path', async () => {
    const unknown = await client.request('deployment.explode')
    expect(!unknown.ok && unknown.error.code).toBe('unknown-method')
    // Inherited names are not methods either.
    const proto = await client.request('__proto__')
    expect(!proto.ok && proto.error.code).toBe('unknown-method')

    const cases: [string, unknown, string][] = [
      ['deployment.open', {}, 'params.file'],
      ['deployment.open', { file: 7 }, 'params.file'],
      ['deployment.status', { extra: true }, 'params.extra'],
      ['deployment.status', null, 'params'],
      [
        'logs.subscribe',
        { filter: { sources: ['a', 3] }, backfill: 0 },
        'params.filter.sources[1]',
      ],
      ['logs.subscribe', { filter: { minLevel: 'loud' }, backfill: 0 }, 'params.filter.minLevel'],
      ['logs.subscribe', { filter: {}, backfill: 1e9 }, 'params.backfill'],
      ['logs.subscribe', { filter: { text: 'x'.repeat(201) }, backfill: 0 }, 'params.filter.text'],
      ['queue.peek', { queue: 'q', states: ['gone'] }, 'params.states[0]'],
    ]
    for (const [method, params, field] of cases) {
      const response = await client.request(method, params)
      expect(response.ok, `${method} ${JSON.stringify(params)}`).toBe(false)
      expect(!response.ok && response.error).toMatchObject({ code: 'invalid-params', field })
    }
  })

  it('refuses a regular expression that does not compile, naming params.filter.text', async () => {
    const response = await client.request('logs.subscribe', {
      filter: { text: '(unclosed', regex: true },
      backfill: 0,
    })
    expect(!response.ok && response.error).toMatchObject({
      code: 'invalid-params',
      field: 'params.filter.text',
    })
  })

  it('maps state and file problems to typed errors without stacks', async () => {
    const run = await client.request('deployment.run')
    expect(!run.ok && run.error.code).toBe('no-deployment')
    const relative = await client.request('config.read', { file: 'deploy.toml' })
    expect(!relative.ok && relative.error).toMatchObject({
      code: 'invalid-params',
      field: 'params.file',
    })
    const notToml = await client.request('config.save', { file: join(dir, 'evil.sh'), text: 'x' })
    expect(!notToml.ok && notToml.error.code).toBe('invalid-params')
    const missing = await client.request('deployment.open', { file: join(dir, 'none.toml') })
    expect(!missing.ok && missing.error.code).toBe('not-found')
    expect(!missing.ok && missing.error.message).not.toMatch(/\n\s+at /)
    const info = await client.call<{
      version: string
      protocol: number
      status: { state: string }
    }>('studio.info')
    expect(info).toMatchObject({ version: '9.9.9', protocol: 1, status: { state: 'empty' } })
  })

  it('saves configs atomically and answers diagnostics of what was saved', async () => {
    const file = join(dir, 'edited.toml')
    const saved = await client.call<{ diagnostics: { message: string; line: number }[] }>(
      'config.save',
      { file, text: '[services.a]\nwasm = "a.wasm"\n' },
    )
    expect(saved.diagnostics.map((d) => d.message).join('\n')).toContain('a.wasm does not exist')
    const read = await client.call<{ text: string }>('config.read', { file })
    expect(read.text).toBe('[services.a]\nwasm = "a.wasm"\n')
    const validated = await client.call<{ diagnostics: { line: number }[] }>('config.validate', {
      file,
      text: '[services.a]\nwasm = 3\n',
    })
    expect(validated.diagnostics[0]?.line).toBe(2)
    // A missing file is named by what it is for, at its own entry.
    const missing = await client.call<{
      diagnostics: { line: number; key: string; message: string }[]
    }>('config.validate', {
      file,
      text: '[deployment]\ndescriptors = ["none.binpb"]\n[services.a]\nwasm = "a.wasm"\n',
    })
    expect(missing.diagnostics.map((d) => [d.line, d.key, d.message.split(' ')[0]])).toEqual([
      [2, 'deployment.descriptors[0]', 'descriptor'],
      [4, 'services.a.wasm', 'wasm'],
    ])
  })
})

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: 'GET', headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** Tries a WebSocket upgrade; answers the HTTP status of a refusal, or 101. */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin !== undefined ? { origin } : {})
    ws.once('open', () => {
      ws.close()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('error', () => undefined)
  })
}

describe('loopback web server', () => {
  it('serves the renderer with content types and the CSP, and nothing outside it', async () => {
    const index = await get(`/?token=${server.token}`)
    expect(index.status).toBe(200)
    expect(index.body).toContain('<title>studio</title>')
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.headers['content-security-policy']).toBe(servedContentSecurityPolicy(server.port))
    const js = await get('/assets/app.js')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    for (const path of [
      '/../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
    ]) {
      const hostile = await get(path)
      expect([403, 404], path).toContain(hostile.status)
      expect(hostile.body).not.toContain('root:')
      expect(hostile.body).not.toContain('TOP-SECRET')
    }
    const link = await get('/link.txt')
    expect(link.status).toBe(404)
    expect(link.body).not.toContain('TOP-SECRET')
    expect((await get('/', { Host: 'evil.example:80' })).status).toBe(403)
  })

  it('opens the bridge only with the token and from its own origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/bridge`
    expect(await upgradeStatus(`${base}`, server.origin)).toBe(401)
    expect(await upgradeStatus(`${base}?token=${'0'.repeat(64)}`, server.origin)).toBe(401)
    expect(await upgradeStatus(`${base}?token=${server.token}x`, server.origin)).toBe(401)
    expect(await upgradeStatus(`${base}?token=${server.token}`, 'http://evil.example')).toBe(403)
    expect(await upgradeStatus(`${base}?token=${server.token}`, 'http://localhost:1')).toBe(403)
    expect(await upgradeStatus(`${base}?token=${server.token}`)).toBe(403)
    expect(
      await upgradeStatus(
        `ws://127.0.0.1:${server.port}/other?token=${server.token}`,
        server.origin,
      ),
    ).toBe(404)
    expect(await upgradeStatus(`${base}?token=${server.token}`, server.origin)).toBe(101)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
  })
})
