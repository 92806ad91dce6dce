// A real nats-server for the cluster tests and benches: JetStream on, a temporary store
// directory, a free loopback port chosen by the server itself (`-p -1`, so no race with another
// process for a port we picked). Ready when the server logs that it is; no sleep.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** Debian's package installs it here; `.ci/run` installs it when missing. */
export const NATS_SERVER_BIN = existsSync('/usr/sbin/nats-server')
  ? '/usr/sbin/nats-server'
  : 'nats-server'

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly storeDir: string
  /** `http://127.0.0.1:<port>` of the monitoring endpoints (/connz, ...), when asked for. */
  readonly monitorUrl?: string
  readonly process: ChildProcess
  /** Every line the server logged so far (for a failing test's message). */
  readonly log: string[]
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its store. */
  stop(): Promise<void>
}

export interface NatsServerOptions {
  /** Clients must present this token. */
  readonly token?: string
  /** Clients must present this user and password. */
  readonly user?: { readonly name: string; readonly password: string }
  /** A configuration file's text (accounts, permissions), passed with `-c`. */
  readonly config?: string
  /** How long the server may take to be ready; default 15 s (a loaded 2-core machine). */
  readonly readyTimeoutMs?: number
  /** Also serve the HTTP monitoring endpoints, on a free loopback port. */
  readonly monitor?: boolean
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'parigot-nats-'))
  const args = ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', storeDir]
  if (options.monitor === true) args.push('-m', '-1')
  if (options.token !== undefined) args.push('--auth', options.token)
  if (options.user !== undefined)
    args.push('--user', options.user.name, '--pass', options.user.password)
  if (options.config !== undefined) {
    await writeFile(join(storeDir, 'server.conf'), options.config)
    args.push('-c', join(storeDir, 'server.conf'))
  }
  const child = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const log: string[] = []
  let port: number | undefined
  let monitorUrl: string | undefined
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = new Promise<number>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 15_000
    const timer = setTimeout(
      () => reject(new Error(`nats-server not ready within ${timeoutMs} ms:\n${log.join('\n')}`)),
      timeoutMs,
    )
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`cannot start ${NATS_SERVER_BIN}: ${err.message}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`nats-server exited (${code ?? signal}) before ready:\n${log.join('\n')}`))
    })
    // nats-server logs to stderr.
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.push(line)
        const listening = /Listening for client connections on [^\s]*:(\d+)/.exec(line)
        if (listening) port = Number(listening[1])
        const monitoring = /Starting http monitor on ([^\s]+)/.exec(line)
        if (monitoring) monitorUrl = `http://${monitoring[1]}`
        if (/Server is ready/.test(line) && port !== undefined) {
          clearTimeout(timer)
          resolve(port)
        }
      })
    }
  })
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      await rm(storeDir, { recursive: true, force: true })
    })())
  try {
    const boundPort = await ready
    return {
      url: `nats://127.0.0.1:${boundPort}`,
      port: boundPort,
      storeDir,
      ...(monitorUrl !== undefined ? { monitorUrl } : {}),
      process: child,
      log,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The names of the server's closed client connections (its /connz?state=closed; needs monitor). */
export async function closedConnectionNames(server: NatsServer): Promise<string[]> {
  if (server.monitorUrl === undefined) throw new Error('start the server with { monitor: true }')
  const response = await fetch(`${server.monitorUrl}/connz?state=closed&limit=10000`)
  const body = (await response.json()) as { connections?: { name?: string }[] }
  return (body.connections ?? []).map((c) => c.name ?? '')
}
