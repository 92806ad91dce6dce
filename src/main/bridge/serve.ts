// `parigot serve`: the engine-backed Studio for a browser. Starts a session (opening a deploy
// config when given), the loopback web server, and prints one line with the page's URL.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { BridgeServer } from './bridge-server'
import { studioDataDir, studioRoot, studioVersion } from './paths'
import { describeError, StudioError } from './errors'
import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { AttachedSession } from './attached-session'
import { StudioSession } from './session'
import { startStudioWebServer } from './web-server'
import { WorkspaceRoots } from './workspace-roots'
import type { StudioWebServer } from './web-server'

export interface ServeOptions {
  readonly config?: string
  /**
   * The workspace roots: the only folders a client may read or write files in (default: the
   * current directory). The bundled examples' folder and the folder of `config` are added.
   */
  readonly roots?: readonly string[]
  readonly port?: number
  /**
   * Attach to a deployment running on a cluster instead of running one (read-only:
   * attached-session.ts), with the cluster's address, credentials and TLS.
   */
  readonly attach?: {
    readonly cluster: ClusterConfig
    readonly deployment: string
    /** The deploy config's descriptor sets, when it was named: queue payloads decode with them. */
    readonly descriptors?: readonly string[]
  }
  /** Build the renderer when out/renderer is missing (default true). */
  readonly build?: boolean
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
}

export interface RunningStudio {
  readonly session: StudioSession | AttachedSession
  readonly server: StudioWebServer
  close(): Promise<void>
}

function buildRenderer(root: string, stderr: (line: string) => void): boolean {
  stderr('parigot serve: out/renderer is missing: building the Studio (npm run build)...')
  let bin: string
  try {
    const require = createRequire(join(root, 'package.json'))
    bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin/electron-vite.js')
  } catch {
    return false
  }
  const result = spawnSync(process.execPath, [bin, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return result.status === 0
}

/** Starts the session and the web server; throws StudioError('io') when there is no bundle. */
export async function startStudio(options: ServeOptions): Promise<RunningStudio> {
  const root = studioRoot()
  const rendererDir = join(root, 'out', 'renderer')
  const index = join(rendererDir, 'index.html')
  if (!existsSync(index) && options.build !== false) buildRenderer(root, options.stderr)
  if (!existsSync(index))
    throw new StudioError(
      'io',
      `the Studio renderer is not built (${index} is missing): run \`npm run build\` first`,
    )
  const examplesDir = join(root, 'examples')
  let roots: WorkspaceRoots
  try {
    roots = await WorkspaceRoots.create(options.roots ?? [process.cwd()])
    if (existsSync(examplesDir)) await roots.add(examplesDir)
  } catch (err) {
    throw new StudioError('invalid-params', `--root: ${describeError(err)}`)
  }
  // A config named on the command line was chosen by the user, as in a native dialog.
  if (options.config !== undefined)
    await roots.add(dirname(resolve(options.config))).catch(() => {})
  const attach = options.attach
  const session =
    attach !== undefined
      ? // The NATS client loads only for an attached Studio.
        await (
          await import('./attached-session')
        ).AttachedSession.attach({
          version: studioVersion(root),
          roots,
          deployment: attach.deployment,
          cluster: attach.cluster,
          ...(attach.descriptors !== undefined ? { descriptors: attach.descriptors } : {}),
        })
      : new StudioSession({
          version: studioVersion(root),
          roots,
          dataDir: studioDataDir(),
          examplesDir,
        })
  options.stderr(`parigot serve: workspace roots: ${roots.list().join(', ')}`)
  if (attach !== undefined)
    options.stderr(
      `parigot serve: attached to deployment ${attach.deployment} on ${attach.cluster.nats}`,
    )
  if (options.config !== undefined && session instanceof StudioSession) {
    const opened = await session.open(resolve(options.config))
    for (const d of opened.diagnostics)
      options.stderr(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`)
  }
  const bridge = new BridgeServer(session)
  const server = await startStudioWebServer({
    bridge,
    rendererDir,
    onError: (err, context) =>
      options.stderr(
        `parigot serve: answered 400 after an error in ${context}: ${describeError(err)}`,
      ),
    ...(options.port !== undefined ? { port: options.port } : {}),
  })
  return {
    session,
    server,
    async close() {
      await server.close()
      bridge.close()
      await session.close()
    },
  }
}

/** The whole command: serve until `interrupted` resolves, then stop everything. */
export async function serve(options: ServeOptions, interrupted: Promise<void>): Promise<number> {
  let studio: RunningStudio
  try {
    studio = await startStudio(options)
  } catch (err) {
    options.stderr(`parigot serve: ${describeError(err)}`)
    return err instanceof StudioError && err.code !== 'io' ? 2 : 1
  }
  options.stdout(`Studio running at ${studio.server.url}`)
  const removeGuard = guardProcess(options.stderr)
  try {
    await interrupted
    await studio.close()
  } finally {
    removeGuard()
  }
  return 0
}

/**
 * The last line of defence while serving: an error that escaped every handler is logged with
 * its context and stack instead of ending the process, which would take the running deployment
 * (and every connected client) with it. Handlers catch their own errors; this only makes a
 * missed one visible and survivable. The session's state changes are synchronous steps on the
 * event loop and guests run in workers, so no half-done step is left behind by a throw here.
 */
export function guardProcess(stderr: (line: string) => void): () => void {
  const report =
    (kind: string) =>
    (err: unknown): void => {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err)
      stderr(`parigot serve: ${kind} (the server keeps running): ${detail}`)
    }
  const onException = report('an uncaught exception escaped a handler')
  const onRejection = report('an unhandled promise rejection escaped a handler')
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return () => {
    process.off('uncaughtException', onException)
    process.off('unhandledRejection', onRejection)
  }
}
