// `parigot serve` as a user runs it: a child process that prints one line with the URL, serves
// the built renderer with the token, carries the bridge, and ends cleanly on SIGINT.
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { StudioInfo } from '../../src/shared/bridge/contract'
import { servedContentSecurityPolicy } from '../../src/main/csp'
import { compileGuestFixture, REPO_ROOT } from '../helpers/asc'
import { TestClient, until, writeDeployment } from './helpers'

function parigot(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'out', 'main', 'cli.js'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, out, exited }
}

describe('parigot serve', () => {
  it('prints the URL once, serves index.html and the bridge with the token, exits 0 on SIGINT', async () => {
    const { file } = await writeDeployment('[services.echo]\nwasm = "server.wasm"\n', {
      'server.wasm': await compileGuestFixture('test-server'),
    })
    const dataDir = await mkdtemp(join(tmpdir(), 'studio-serve-data-'))
    const run = parigot(['serve', file], { PARIGOT_STUDIO_DIR: dataDir })
    try {
      await until('the URL line', () => run.out.stdout.includes('\n'), 120_000)
      const match =
        /^Studio running at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))\n$/.exec(
          run.out.stdout,
        )
      expect(match, run.out.stdout + run.out.stderr).not.toBeNull()
      const url = new URL(match?.[1] as string)
      const page = await fetch(url)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.headers.get('content-security-policy')).toBe(
        servedContentSecurityPolicy(Number(url.port)),
      )
      expect(page.headers.get('content-security-policy')).toContain(
        `connect-src 'self' ws://127.0.0.1:${url.port};`,
      )
      expect(await page.text()).toMatch(/<!doctype html>/i)

      const token = url.searchParams.get('token') as string
      const client = await TestClient.connect(`ws://${url.host}/bridge?token=${token}`, url.origin)
      const info = await client.call<StudioInfo>('studio.info')
      expect(info.status).toMatchObject({ state: 'ready', file })
      expect(info.recent[0]).toBe(file)
      expect(info.examples.map((e) => e.name)).toContain('queue')
      await client.call('deployment.run')
      await until('running', () =>
        client.payloads('deployment-status').some((s) => s.state === 'running'),
      )
      client.close()
    } finally {
      run.child.kill('SIGINT')
    }
    expect(await run.exited).toBe(0)
    expect(run.out.stdout.split('\n').filter(Boolean)).toHaveLength(1)
  }, 150_000)

  it('refuses a bad command line with exit code 1 and explains itself with --help', async () => {
    const help = parigot(['serve', '--help'])
    expect(await help.exited).toBe(0)
    expect(help.out.stdout).toContain(
      'usage: parigot serve [<deploy.toml>] [--port N] [--root DIR]... [--no-build]',
    )
    const two = parigot(['serve', 'a.toml', 'b.toml'])
    expect(await two.exited).toBe(1)
    expect(two.out.stderr).toContain('at most one deploy config')
    const port = parigot(['serve', '--port', 'http'])
    expect(await port.exited).toBe(1)
    expect(port.out.stderr).toContain('--port expects a port number')
    const elsewhere = parigot(['run', 'x.toml', '--port', '1'])
    expect(await elsewhere.exited).toBe(1)
    const missing = parigot(['serve', join(tmpdir(), 'no-such-deploy.toml'), '--no-build'])
    expect(await missing.exited).toBe(2)
    expect(missing.out.stderr).toContain('does not exist')
    // --cluster: with --deployment, without a config, a nats:// address, a reachable server.
    const alone = parigot(['serve', '--cluster', 'nats://127.0.0.1:4222'])
    expect(await alone.exited).toBe(1)
    expect(alone.out.stderr).toContain('--cluster and --deployment go together')
    const badUrl = parigot(['serve', '--cluster', 'http://x', '--deployment', 'd'])
    expect(await badUrl.exited).toBe(1)
    expect(badUrl.out.stderr).toContain('--cluster expects nats://HOST:PORT')
    const badName = parigot(['serve', '--cluster', 'nats://127.0.0.1:1', '--deployment', 'a.b'])
    expect(await badName.exited).toBe(1)
    expect(badName.out.stderr).toContain('--deployment expects a deployment name')
    const unreachable = parigot([
      'serve',
      '--cluster',
      'nats://127.0.0.1:1',
      '--deployment',
      'd',
      '--no-build',
    ])
    expect(await unreachable.exited).toBe(1)
    expect(unreachable.out.stderr).toContain(
      "cannot connect to the cluster's NATS server nats://127.0.0.1:1",
    )
    const onRun = parigot(['run', 'x.toml', '--deployment', 'd'])
    expect(await onRun.exited).toBe(1)
    expect(onRun.out.stderr).toContain('only go with serve')
  }, 60_000)
})
