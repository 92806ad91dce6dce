// Runs a built Electron main (out/main/index.js, here or inside a packed app) under plain Node
// with the recording stand-in for the Electron APIs (test/fixtures/electron-stand-in), and drives
// its IPC handlers as the Studio page would.
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../helpers/asc'

const REGISTER = join(REPO_ROOT, 'test', 'fixtures', 'electron-stand-in', 'register.mjs')

export interface StandInCall {
  readonly api: string
  readonly args: readonly unknown[]
}

export interface StandInSend {
  readonly channel: string
  readonly args: readonly unknown[]
}

type Message =
  | ({ type: 'call' } & StandInCall)
  | ({ type: 'send' } & StandInSend)
  | { type: 'invoke-result'; id: number; ok: boolean; value: unknown }

export class StandInMain {
  readonly calls: StandInCall[] = []
  readonly sends: StandInSend[] = []
  private output = ''
  private nextId = 1
  private readonly pending = new Map<number, (r: { ok: boolean; value: unknown }) => void>()
  private readonly waiters = new Set<() => void>()
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private readonly child: ChildProcess
  private readonly userData = mkdtempSync(join(tmpdir(), 'parigot-stand-in-'))

  constructor(mainScript: string, cwd: string, env: Record<string, string> = {}) {
    this.child = fork(mainScript, [], {
      cwd,
      execArgv: ['--import', REGISTER],
      env: {
        ...process.env,
        ...env,
        STAND_IN_USER_DATA: this.userData,
        PARIGOT_STUDIO_DIR: this.userData,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()))
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()))
    this.child.on('message', (message: Message) => {
      if (message.type === 'call') this.calls.push(message)
      else if (message.type === 'send') this.sends.push(message)
      else this.pending.get(message.id)?.(message)
      for (const wake of this.waiters) wake()
    })
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        rmSync(this.userData, { recursive: true, force: true })
        for (const wake of this.waiters) wake()
        resolve({ code, signal })
      }),
    )
  }

  /** What the process printed (for failure messages). */
  printed(): string {
    return this.output
  }

  /** Resolves once `predicate` holds, re-checked at every message from the child. */
  until<T>(what: string, predicate: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = predicate()
        if (value !== undefined) {
          clearTimeout(timer)
          this.waiters.delete(check)
          resolve(value)
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearTimeout(timer)
          this.waiters.delete(check)
          reject(new Error(`the main exited before ${what}:\n${this.output}`))
        }
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`timed out waiting for ${what}:\n${this.output}`))
      }, timeoutMs)
      this.waiters.add(check)
      check()
    })
  }

  /** Calls the handler ipcMain registered for `channel`, as the page's main frame (or `frameUrl`). */
  invoke(
    channel: string,
    args: unknown[],
    frameUrl?: string,
  ): Promise<{ ok: boolean; value: unknown }> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, (result) => {
        this.pending.delete(id)
        resolve(result)
      })
      this.child.send({ type: 'invoke', id, channel, args, ...(frameUrl ? { frameUrl } : {}) })
    })
  }

  /** A bridge request over the IPC call channel; the bridge's own response envelope. */
  async bridge(method: string, params: unknown = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++
    const answer = await this.invoke('parigot:call', [{ kind: 'request', id, method, params }])
    if (!answer.ok) throw new Error(`IPC call ${method} was refused: ${String(answer.value)}`)
    return answer.value as Record<string, unknown>
  }

  /** Asks the app to quit (as closing its last window would). */
  quit(): void {
    this.child.send({ type: 'quit' })
  }

  kill(): void {
    this.child.kill('SIGKILL')
  }
}
