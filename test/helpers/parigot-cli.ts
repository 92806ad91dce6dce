// Runs the `parigot` command as a user would: the built CLI (out/main/cli.js, the bundle
// bin/parigot.mjs runs) in a child process.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './asc'

export interface ParigotRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface ParigotRunOptions {
  /** Working directory (default: the repository). */
  readonly cwd?: string
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>
  /** Sees stdout as it grows, with a way to signal the process (e.g. SIGINT mid-run). */
  readonly onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void
}

export function runParigot(args: string[], options: ParigotRunOptions = {}): Promise<ParigotRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'out', 'main', 'cli.js'), ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      options.onStdout?.(stdout, (signal) => child.kill(signal))
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}
