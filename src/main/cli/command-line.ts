import { parseArgs } from 'node:util'

/** Every option of every command; main.ts says which command each goes with. */
const OPTIONS = {
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
} as const

/** The command line split into options and positionals; throws on an unknown option. */
export function parseCommandLine(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS })
}

/** See workersBeforeConfig. */
const EARLY_WORKERS = 1

/**
 * Guest worker threads to start before anything else loads, when the command line alone says
 * that guests will run (`run`, `test`, `call` of a method): a thread's start-up is Node's own
 * and the longest step of a short run, so it is begun on the other core while this thread reads
 * the deploy config and loads the runner. One, since every such deployment needs at least one;
 * the rest are asked for once the config says how many (main.ts, workersAtStart). Undefined for
 * everything else (validate, gen, serve, help, a command line main.ts will reject).
 */
export function workersBeforeConfig(
  argv: readonly string[],
): { readonly count: number; readonly watch: boolean } | undefined {
  let parsed
  try {
    parsed = parseCommandLine(argv)
  } catch {
    return undefined
  }
  const { values, positionals } = parsed
  if (values.help === true) return undefined
  const command = positionals[0]
  const startsGuests =
    command === 'run' || command === 'test' || (command === 'call' && values.list !== true)
  return startsGuests ? { count: EARLY_WORKERS, watch: values.watch === true } : undefined
}
