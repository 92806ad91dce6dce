import { parseArgs } from 'node:util'
import { formatDiagnostic, loadDeployConfig } from '../runner/load-config'
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { ClusterConfig } from '../../shared/deploy-config/types'
import type { DeploymentMode } from '../runner/deployment'
import { ExitCode } from '../runner/exit-code'
import { CALL_HELP } from './call-help'
import { createTerminalOutput } from './terminal-output'
import { TraceFileRecorder } from '../runner/trace/trace-file'

const USAGE = `usage: parigot <command> [options]

commands:
  run <deploy.toml>       start the servers, run the main program(s), stop; the exit code is the
                          first main program's non-zero code (or 0)
  test <deploy.toml>      the same with the services whose role is "test" as the programs
  serve [<deploy.toml>]   the Studio in a browser, backed by the engine: prints
                          "Studio running at <url>" and serves until SIGINT/SIGTERM
  validate <deploy.toml>  check the config (and that its files exist); print every problem
  call <deploy.toml> <package.Service.Method> [<json>]
                          start the servers, call one method with a JSON request, print the
                          JSON response (--list: the methods that can be called)
  gen <proto dir>         generate AssemblyScript messages, client stubs and server skeletons
                          for the .proto files under a folder (--out <dir>, default
                          <proto dir>/../gen; --include <dir> for import-only roots)

options:
  --json                  machine-readable output: one JSON object per line (logs and events)
  --watch                 (run) keep running; restart a service and its dependents when its
                          .wasm changes; a broken build leaves the last good version running
  --host NAME             (run) only the services of host NAME, joined to the other hosts
                          over the [cluster] NATS server (docs/cluster.md)
  --trace <file>          (run, test) record every call as a span and write them, with the
                          log lines, as Chrome trace-event JSON (Perfetto opens it)
  -h, --help              this help (also: parigot <command> --help)

exit codes:
  0..192  the main (or test) program's own exit code
  1       wrong command line
  2       invalid deploy config, or a module that does not compile or instantiate
  130     interrupted (SIGINT/SIGTERM): every guest was stopped
  253     a main (or test) program trapped or was killed
  255     test mode with no test program`

const COMMAND_HELP: Record<string, string> = {
  run: `usage: parigot run <deploy.toml> [--json] [--watch] [--host NAME] [--trace <file>]

Compiles every service's module in parallel, starts the servers in file order, runs each main
program in file order and stops the servers. SIGINT/SIGTERM stop everything within the
deployment's stop_grace_ms. A deployment with no main program serves until interrupted.
With --watch it keeps running after the main programs: when a service's .wasm changes, that
service and every service that depends on it restart (a main program runs again); a .wasm that
does not compile is reported and the last good version keeps running.
With --host NAME it runs only the services whose \`host\` is NAME and joins the other hosts
through the NATS server of the config's [cluster] table (docs/cluster.md).
With --trace FILE it records every call as a span and writes Chrome trace-event JSON.`,
  test: `usage: parigot test <deploy.toml> [--json] [--trace <file>]

Like run, with the services whose role is "test" as the programs (main programs are not run).`,
  serve: `usage: parigot serve [<deploy.toml>] [--port N] [--root DIR]... [--no-build]
       parigot serve [DEPLOY.toml] --cluster nats://HOST:PORT --deployment NAME [--port N]

Starts the Studio engine and serves the Studio to a browser on 127.0.0.1 only, then prints one
line on stdout: "Studio running at http://127.0.0.1:<port>/?token=<token>". Open that URL; the
token (random for each run) is what lets the page talk to the engine. With a deploy config it
is opened (not run). --port N listens on port N (default: a free port). The page may read and
write files only inside the workspace roots: the current folder, or each --root DIR instead
(plus the bundled examples and the folder of a deploy config named here); a config's wasm,
plugins, descriptor sets and data_dir must lie inside them too. The page is the built
renderer in out/renderer: when it is missing it is built first (npm run build), unless
--no-build, which fails instead. SIGINT/SIGTERM stop the running deployment, close the server,
and exit with code 0.

With --cluster and --deployment the Studio runs nothing: it attaches to deployment NAME running
on the hosts of that NATS server (parigot run --host) and shows every host's services, grouped
by host with each host up or down, and every host's log lines (docs/cluster.md). It is
read-only. Credentials, if the server wants some, come from the [cluster] table of DEPLOY.toml
when one is named (token, user/password, creds file, TLS; its deployment must be NAME), or
else from PARIGOT_NATS_TOKEN, PARIGOT_NATS_USER with PARIGOT_NATS_PASSWORD, or
PARIGOT_NATS_CREDS (a credentials file).`,
  gen: `usage: parigot gen <proto dir> [--out <dir>] [--include <dir>]...

Generates AssemblyScript for every .proto under <proto dir> (and for what they import):
<name>.pb.ts with message classes (protobuf encode/decode, enums, oneofs, maps), and, for a
file that declares services, <name>.parigot.ts with each service's client (locate + one typed
call per rpc returning a future), server skeleton (an abstract class to implement, bind, and
init: register, export, require, launch) and host-function wrappers, plus runtime.ts at the
output root (re-exports the guest SDK). Output goes to --out (default: a "gen" folder next to
<proto dir>), mirroring the proto paths. Deterministic; every file starts with a DO NOT EDIT
header. Runs from a clone of the repository (it uses the installed buf and the generator's
sources); see docs/guest-authoring.md.`,
  call: CALL_HELP,
  validate: `usage: parigot validate <deploy.toml> [--json]

Checks the deploy config against its schema and that every wasm and plugin file exists. Prints
each problem as file:line:column: error: message [key]; exit code 0 when valid, 2 otherwise.`,
}

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
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        watch: { type: 'boolean' },
        host: { type: 'string' },
        out: { type: 'string' },
        include: { type: 'string', multiple: true },
        port: { type: 'string' },
        root: { type: 'string', multiple: true },
        'no-build': { type: 'boolean' },
        list: { type: 'boolean' },
        trace: { type: 'string' },
        cluster: { type: 'string' },
        deployment: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
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
  const recorder = traceFile === undefined ? undefined : new TraceFileRecorder()
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
  let attach: { cluster: ClusterConfig; deployment: string } | undefined
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
    attach = { cluster: found.cluster, deployment: values.deployment }
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
