// `parigot serve` as a child process of the built CLI (out/main/cli.js), for the hostile-client
// tests: waits for the URL line and hands back the token, the port and what it printed.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../helpers/asc'
import { TestClient, until } from '../studio/helpers'

export interface ServedStudio {
  readonly child: ChildProcess
  readonly out: { stdout: string; stderr: string }
  readonly url: URL
  readonly token: string
  readonly port: number
  readonly exited: Promise<number | null>
  connect(): Promise<TestClient>
  stop(): Promise<number | null>
}

export async function serveStudio(
  args: readonly string[] = [],
  options: { cwd?: string } = {},
): Promise<ServedStudio> {
  const dataDir = await mkdtemp(join(tmpdir(), 'studio-hostile-data-'))
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'serve', '--no-build', ...args],
    {
      cwd: options.cwd ?? REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PARIGOT_STUDIO_DIR: dataDir },
    },
  )
  const out = { stdout: '', stderr: '' }
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  let gone = false
  void exited.then(() => (gone = true))
  await until('the URL line', () => out.stdout.includes('\n') || gone, 60_000)
  const match = /Studio running at (\S+)/.exec(out.stdout)
  if (match === null) {
    child.kill('SIGKILL')
    throw new Error(`parigot serve did not start: ${out.stdout}${out.stderr}`)
  }
  const url = new URL(match[1] as string)
  const token = url.searchParams.get('token') as string
  return {
    child,
    out,
    url,
    token,
    port: Number(url.port),
    exited,
    connect: () => TestClient.connect(`ws://${url.host}/bridge?token=${token}`, url.origin),
    async stop() {
      if (!gone) child.kill('SIGINT')
      return exited
    },
  }
}
