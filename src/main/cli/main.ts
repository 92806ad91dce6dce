import { formatDiagnostic, loadDeployConfig } from '../runner/load-config'
import type { ClusterConfig, DeployConfig } from '../../shared/deploy-config/types'
import type { DeploymentMode } from '../runner/deployment'
import { ExitCode } from '../runner/exit-code'
import { CALL_HELP } from './call-help'
import { COMMAND_HELP, USAGE } from './help'
import { parseCommandLine } from './command-line'
import { createTerminalOutput } from './terminal-output'

export interface CliIo {
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
  /** Whether stdout takes colour (a TTY, after NO_COLOR/FORCE_COLOR): see colorWanted. */
  readonly color: boolean
  /** Registers the handler for SIGINT/SIGTERM; returns a function that removes it. */
  readonly onInterrupt: (handler: () => void) => () => void
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed
  try {
    parsed = parseCommandLine(argv)
  } catch (err) {
    io.stderr(`parigot: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`)
    return 1
  }
  const [command, ...rest] = parsed.positionals
  if (command === undefined) {
    ;(parsed.values.help ? io.stdout : io.stderr)(USAGE)
    return parsed.values.help ? 0 : 1
  }
  const help = COMMAND_HELP[command]
  if (help === undefined) {
    io.stderr(`parigot: unknown command "${command}"\n\n${USAGE}`)
    return 1
  }
  if (parsed.values.help) {
    io.stdout(help)
    return 0
  }
  if (command === 'serve') return serveCommand(rest, parsed.values, io)
  if (
    parsed.values.port !== undefined ||
    parsed.values['no-build'] !== undefined ||
    parsed.values.root !== undefined ||
    parsed.values.cluster !== undefined ||
    parsed.values.deployment !== undefined
  ) {
    io.stderr(
      `parigot ${command}: --port, --root, --no-build, --cluster and --deployment only go with serve`,
    )
    return 1
  }
  if (command === 'call') return callEntry(rest, parsed.values, io)
  if (parsed.values.list !== undefined) {
    io.stderr(`parigot ${command}: --list only goes with call`)
    return 1
  }
  if (rest.length !== 1) {
    io.stderr(
      `parigot ${command}: expected exactly one deploy config file, got ${rest.length}\n\n${help}`,
    )
    return 1
  }
  const file = rest[0] as string
  if (command === 'gen') return generate(file, parsed.values.out, parsed.values.include ?? [], io)
  const json = parsed.values.json === true
  const { config, diagnostics } = await loadDeployConfig(file)
  for (const d of diagnostics) {
    if (json) io.stderr(JSON.stringify({ type: 'diagnostic', ...d }))
    else io.stderr(formatDiagnostic(d))
  }
  if (config === undefined) return ExitCode.BAD_DEPLOYMENT
  if (command === 'validate') {
    if (!json) io.stdout(`${config.file}: valid (${config.services.length} services)`)
    return ExitCode.OK
  }
  if (parsed.values.watch && command !== 'run') {
    io.stderr(`parigot ${command}: --watch only goes with run`)
    return 1
  }
  const host = parsed.values.host
  if (host !== undefined && (command !== 'run' || !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(host))) {
    io.stderr(
      command !== 'run'
        ? `parigot ${command}: --host only goes with run`
        : `parigot run: --host expects a host name (an identifier), got "${host}"`,
    )
    return 1
  }
  if (parsed.values.trace !== undefined && command !== 'run' && command !== 'test') {
    io.stderr(`parigot ${command}: --trace only goes with run and test`)
    return 1
  }
  if (parsed.values.trace === '') {
    io.stderr(`parigot ${command}: --trace expects a file name`)
    return 1
  }
  return runDeployment(
    config,
    command as DeploymentMode,
    json,
    parsed.values.watch === true,
    io,
    host,
    parsed.values.trace,
  )
}

async function callEntry(
  positionals: readonly string[],
  values: { list?: boolean; json?: boolean; watch?: boolean },
  io: CliIo,
): Promise<number> {
  const list = values.list === true
  const [file, target, request, ...extra] = positionals
  if (
    file === undefined ||
    extra.length > 0 ||
    (list && target !== undefined) ||
    values.json ||
    values.watch
  ) {
    io.stderr(
      `parigot call: expected <deploy.toml> and a method, or <deploy.toml> --list\n\n${CALL_HELP}`,
    )
    return 1
  }
  const { config, diagnostics } = await loadDeployConfig(file)
  for (const d of diagnostics) io.stderr(formatDiagnostic(d))
  if (config === undefined) return ExitCode.BAD_DEPLOYMENT
  const { sharedWorkerPool } = await import('../runner/worker/worker-pool')
  sharedWorkerPool.keepIdle(0)
  if (!list) sharedWorkerPool.prewarm(workersAtStart(config, 'serve'))
  const { callCommand } = await import('./call-command')
  return callCommand(config, target, request, list, io)
}

async function runDeployment(
  config: NonNullable<Awaited<ReturnType<typeof loadDeployConfig>>['config']>,
  mode: DeploymentMode,
  json: boolean,
  watch: boolean,
  io: CliIo,
  host?: string,
  traceFile?: string,
): Promise<number> {
  // Worker threads start loading first, on the other cores, while this thread loads the runner
  // (engine, kernel, protobuf-es), which only the commands that run guests load: validate and
  // help answer without it (docs/architecture.md, "Start-up"). A one-shot run keeps no idle
  // worker for later; --watch does, for restarts.
  const { sharedWorkerPool } = await import('../runner/worker/worker-pool')
  if (!watch) sharedWorkerPool.keepIdle(0)
  sharedWorkerPool.prewarm(workersAtStart(config, mode))
  const { Deployment } = await import('../runner/deployment')
  const output = createTerminalOutput({ json, color: io.color && !json, write: io.stdout })
  const recorder =
    traceFile === undefined
      ? undefined
      : new (await import('../runner/trace/trace-file')).TraceFileRecorder()
  const deployment = new Deployment(config, {
    mode,
    watch,
    ...(host !== undefined ? { host } : {}),
    ...(recorder ? { tracing: true, onSpan: (span) => recorder.addSpan(span) } : {}),
    onLog: (record) => {
      recorder?.addLog(record)
      output.log(record)
    },
    onEvent: (event) => output.event(event),
    onProgress: (message) => output.progress(message),
  })
  const removeHandler = io.onInterrupt(() => {
    output.progress('interrupted: stopping every guest')
    void deployment.stop()
  })
  try {
    const code = await deployment.run()
    if (recorder !== undefined && traceFile !== undefined) {
      try {
        await recorder.write(traceFile)
      } catch (err) {
        io.stderr(
          `parigot ${mode}: --trace ${traceFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        )
        return 1
      }
      if (recorder.dropped > 0)
        io.stderr(
          `parigot ${mode}: --trace ${traceFile}: ${recorder.dropped} events past the first ${recorder.spanCount} spans were not kept`,
        )
    }
    // --json ends with the run's result: the same number the process exits with.
    if (json) io.stdout(JSON.stringify({ type: 'result', exitCode: code }))
    return code
  } finally {
    removeHandler()
  }
}

/** The workers a run needs at once: every server, and the first program (they run in turn). */
function workersAtStart(config: DeployConfig, mode: DeploymentMode): number {
  const program = mode === 'test' ? 'test' : mode === 'run' ? 'main' : undefined
  const servers = config.services.filter((s) => s.role === 'server').length
  return servers + (config.services.some((s) => s.role === program) ? 1 : 0)
}

async function serveCommand(
  positionals: readonly string[],
  values: {
    port?: string
    root?: string[]
    'no-build'?: boolean
    json?: boolean
    watch?: boolean
    cluster?: string
    deployment?: string
  },
  io: CliIo,
): Promise<number> {
  const help = COMMAND_HELP['serve'] as string
  if ((values.cluster === undefined) !== (values.deployment === undefined)) {
    io.stderr(`parigot serve: --cluster and --deployment go together\n\n${help}`)
    return 1
  }
  if (values.cluster !== undefined && !/^(nats|tls):\/\/[^\s/]+$/.test(values.cluster)) {
    io.stderr(`parigot serve: --cluster expects nats://HOST:PORT, got "${values.cluster}"`)
    return 1
  }
  if (
    values.deployment !== undefined &&
    !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(values.deployment)
  ) {
    io.stderr(`parigot serve: --deployment expects a deployment name, got "${values.deployment}"`)
    return 1
  }
  if (positionals.length > 1) {
    io.stderr(`parigot serve: expected at most one deploy config file\n\n${help}`)
    return 1
  }
  if (values.json || values.watch) {
    io.stderr(`parigot serve: --json and --watch do not go with serve\n\n${help}`)
    return 1
  }
  let port: number | undefined
  if (values.port !== undefined) {
    port = Number(values.port)
    if (!/^\d+$/.test(values.port) || port > 65535) {
      io.stderr(`parigot serve: --port expects a port number 0..65535, got "${values.port}"`)
      return 1
    }
  }
  let attach:
    { cluster: ClusterConfig; deployment: string; descriptors?: readonly string[] } | undefined
  if (values.cluster !== undefined && values.deployment !== undefined) {
    const { clusterFromConfig, clusterFromEnv } = await import('./attach-credentials')
    const found =
      positionals[0] !== undefined
        ? await clusterFromConfig(positionals[0], values.cluster, values.deployment)
        : clusterFromEnv(values.cluster, process.env)
    if (!found.ok) {
      io.stderr(`parigot serve: cannot attach to ${values.cluster}: ${found.error}`)
      return 1
    }
    attach = {
      cluster: found.cluster,
      deployment: values.deployment,
      ...(found.descriptors !== undefined ? { descriptors: found.descriptors } : {}),
    }
  }
  const { serve } = await import('../bridge/serve')
  let removeHandler: () => void = () => undefined
  const interrupted = new Promise<void>((resolve) => {
    removeHandler = io.onInterrupt(() => resolve())
  })
  try {
    return await serve(
      {
        ...(positionals[0] !== undefined && attach === undefined ? { config: positionals[0] } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(values.root !== undefined ? { roots: values.root } : {}),
        ...(attach !== undefined ? { attach } : {}),
        build: values['no-build'] !== true,
        stdout: io.stdout,
        stderr: io.stderr,
      },
      interrupted,
    )
  } finally {
    removeHandler()
  }
}

async function generate(
  protoDir: string,
  out: string | undefined,
  includes: readonly string[],
  io: CliIo,
): Promise<number> {
  const { resolve, dirname, join } = await import('node:path')
  const outDir = out ?? join(dirname(resolve(protoDir)), 'gen')
  const { existsSync, statSync } = await import('node:fs')
  if (!existsSync(protoDir) || !statSync(protoDir).isDirectory()) {
    io.stderr(`parigot gen: proto folder not found: ${resolve(protoDir)}`)
    return ExitCode.BAD_DEPLOYMENT
  }
  try {
    // Loaded on demand: the generator needs buf and its own sources, only present in a clone.
    const { generateGuestCode } = await import('../../codegen/generate')
    generateGuestCode({ protoDir, outDir, includes })
  } catch (err) {
    io.stderr(`parigot gen: ${err instanceof Error ? err.message : String(err)}`)
    return ExitCode.BAD_DEPLOYMENT
  }
  io.stdout(`generated AssemblyScript for ${protoDir} into ${outDir}`)
  return ExitCode.OK
}
