import { spawn } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compileGuestFixture, REPO_ROOT } from '../helpers/asc'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parigot-cli-'))
  await writeFile(join(dir, 'server.wasm'), await compileGuestFixture('test-server'))
  await writeFile(join(dir, 'client.wasm'), await compileGuestFixture('test-client'))
}, 120_000)

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `parigot <args>` as a user would (bin/parigot.mjs in a child process). */
function parigot(
  args: string[],
  onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'parigot.mjs'), ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      onStdout?.(stdout, (s) => child.kill(s))
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

async function config(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}

describe('parigot command line', () => {
  it("run: starts the server, runs the main, and exits with the main's code", async () => {
    const file = await config(
      'ok.toml',
      `[deployment]
name = "cli-ok"

[services.echo]
wasm = "server.wasm"

[services.client]
wasm = "client.wasm"
role = "main"
args = ["client", "test.v1.echo", "echo:hi", "exit:7"]
`,
    )
    const run = await parigot(['run', file])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(7)
    expect(run.stdout).toContain('[client] result echo:hi -> ok echo:hi')
    expect(run.stdout).toContain('[echo] echo: running')
    expect(run.stdout).toContain('client exited with code 7')
  }, 60_000)

  it('run --json: one JSON object per line, logs and kernel events', async () => {
    const file = await config(
      'json.toml',
      `[services.echo]
wasm = "server.wasm"

[services.client]
wasm = "client.wasm"
role = "main"
args = ["client", "test.v1.echo", "echo:j"]
`,
    )
    const run = await parigot(['run', file, '--json'])
    expect(run.code).toBe(0)
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; event?: { type: string } })
    expect(lines.some((l) => l.type === 'log')).toBe(true)
    expect(lines.some((l) => l.type === 'event' && l.event?.type === 'call-finished')).toBe(true)
  }, 60_000)

  it('validate: an invalid config is reported with file, line and key, exit 2', async () => {
    const file = await config(
      'bad.toml',
      `[services.echo]
wasm = "missing.wasm"
`,
    )
    const run = await parigot(['validate', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/bad\.toml:2:\d+: error: .*missing\.wasm.*\[services\.echo\.wasm\]/)
  }, 60_000)

  it('SIGINT stops a deployment with a running server within the bound and exits 130', async () => {
    const file = await config(
      'serve.toml',
      `[deployment]
stop_grace_ms = 1000

[services.echo]
wasm = "server.wasm"
`,
    )
    let sentAt = 0
    const run = await parigot(['run', file], (out, kill) => {
      if (sentAt === 0 && out.includes('echo: running')) {
        sentAt = Date.now()
        kill('SIGINT')
      }
    })
    expect(sentAt).toBeGreaterThan(0)
    expect(Date.now() - sentAt).toBeLessThan(3000)
    expect(run.code).toBe(130)
    expect(run.stdout).toContain('echo: exiting')
  }, 60_000)

  it('usage errors exit 1 with the usage text', async () => {
    const run = await parigot(['frobnicate'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('unknown command "frobnicate"')
    const help = await parigot(['run', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('usage: parigot run')
  }, 60_000)
})
