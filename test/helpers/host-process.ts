// One `parigot run <file> --host NAME` process of a deployment split over hosts, as a user
// starts it: the built CLI in a child process, its output collected, with a way to wait for a
// line (an event, not a sleep) and to kill it.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './asc'

export interface HostProcess {
  readonly child: ChildProcess
  /** stdout + stderr so far. */
  output(): string
  /** Resolves with the first output line matching `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly ended: Promise<number | string>
}

export function startHost(file: string, host: string, extra: string[] = []): HostProcess {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'run', file, '--host', host, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  )
  let text = ''
  const watchers = new Set<() => void>()
  const onData = (d: Buffer) => {
    text += d.toString()
    for (const w of [...watchers]) w()
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const ended = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  return {
    child,
    output: () => text,
    ended,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = text.split('\n').find((l) => pattern.test(l))
          if (line === undefined) return
          cleanup()
          resolve(line)
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(
            new Error(`host ${host}: no line matching ${pattern} within ${timeoutMs} ms:\n${text}`),
          )
        }, timeoutMs)
        const gone = () => {
          check()
          if (!watchers.has(check)) return
          cleanup()
          reject(new Error(`host ${host} ended before a line matching ${pattern}:\n${text}`))
        }
        const cleanup = () => {
          clearTimeout(timer)
          watchers.delete(check)
        }
        watchers.add(check)
        void ended.then(gone)
        check()
      })
    },
  }
}

/** Stops a host politely (SIGTERM) and waits for it. */
export async function stopHost(host: HostProcess): Promise<void> {
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGTERM')
  await host.ended
}
