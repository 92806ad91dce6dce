// The help texts of the `parigot` command (`--help`, a command's `--help`, a usage error), apart
// from main.ts so that the command's logic reads without them.
import { CALL_HELP } from './call-help'

export const USAGE = `usage: parigot <command> [options]

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

export const COMMAND_HELP: Record<string, string> = {
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
