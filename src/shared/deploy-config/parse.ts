/**
 * Deploy config text -> validated `DeployConfig` + diagnostics with positions. No platform
 * imports: the Node runner and the browser editor both use it; path operations come from the
 * caller.
 */
import { parse, TomlError } from 'smol-toml'
import type { LogLevel } from '../log/log-record'
import { buildCluster, clusterIssues, hostOf } from './cluster-config'
import { CONFIG_LIMITS, checkConfigLimits } from './limits'
import { envTable, referenceSpelling } from './reference-spelling'
import { schemaAt } from './schema'
import { semanticIssues } from './semantic-checks'
import { validateDeployConfig, type SchemaIssue } from './schema-validate'
import { formatKeyPath, TomlLocator, type KeyPath } from './toml-locator'
import { isTable, type Table } from './toml-table'
import type {
  ConfigDiagnostic,
  DeployConfig,
  ServiceConfig,
  ServicePlugin,
  ServiceRole,
} from './types'

export interface ParseDeployConfigOptions {
  /**
   * Resolves `rel` against the folder `base`; must return `rel` itself (normalised) when it is
   * already absolute (Node's `path.resolve` does).
   */
  resolvePath(base: string, rel: string): string
  /** The folder of a file path. */
  dirname(file: string): string
}

export interface ParseDeployConfigResult {
  /** Present only when there is no error (warnings allowed). */
  readonly config?: DeployConfig
  /** Sorted by line, then column. */
  readonly diagnostics: ConfigDiagnostic[]
}

/** A file the config names, for the caller to check on disk. */
export interface ConfigPathReference {
  readonly kind: 'wasm' | 'plugin' | 'descriptors' | 'data_dir' | 'cluster'
  /**
   * How diagnostics name the file: `wasm file`, `plugin module`, `descriptor set`, `data_dir`
   * (a folder: it must be one, or be creatable; the default one is listed too).
   */
  readonly what: string
  /** Dotted key, e.g. `services.greeting.wasm`. */
  readonly key: string
  /** Resolved (absolute when `file` is). */
  readonly path: string
  readonly line: number
  readonly column: number
}

export interface DeployConfigAnalysis extends ParseDeployConfigResult {
  /**
   * Every well-typed `wasm`, plugin `path` and `deployment.descriptors` entry, even when other
   * keys have errors.
   */
  readonly references: readonly ConfigPathReference[]
}

const REFERENCE_WHAT: Record<ConfigPathReference['kind'], string> = {
  wasm: 'wasm file',
  plugin: 'plugin module',
  descriptors: 'descriptor set',
  data_dir: 'data_dir',
  cluster: 'cluster file',
}

/** Diagnostics listed at most; the rest are counted in one more. */
const MAX_DIAGNOSTICS = 200

function defaultOf<T>(path: KeyPath): T {
  return schemaAt(path)?.default as T
}

/** `helloworld` from `/a/b/helloworld.toml`. */
function baseName(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(0, dot) : name
}

function syntaxMessage(error: TomlError): string {
  const first = error.message.split('\n')[0] ?? error.message
  return `invalid TOML: ${first.replace(/^Invalid TOML document:\s*/, '')}`
}

/** Converts parsed TOML to plain JS for a plugin: bigint -> number, date -> ISO string. */
function plainSettings(value: unknown, path: KeyPath, issues: SchemaIssue[]): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      issues.push({
        code: 'semantic',
        severity: 'error',
        path,
        message: `\`${formatKeyPath(path.slice(-1))}\` is too large for a plugin setting (at most ${Number.MAX_SAFE_INTEGER} in magnitude), got ${value}`,
      })
      return 0
    }
    return Number(value)
  }
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((v, i) => plainSettings(v, [...path, i], issues))
  if (isTable(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, plainSettings(v, [...path, k], issues)]),
    )
  }
  return value
}

/** `env = ["K=V"]` (the original's list form) gets the table to write instead. */
function withEnvHint(root: Table, issue: SchemaIssue): SchemaIssue {
  const [top, name, key] = issue.path
  if (issue.code !== 'type' || issue.path.length !== 3 || top !== 'services' || key !== 'env') {
    return issue
  }
  const services = isTable(root['services']) ? root['services'] : {}
  const service = typeof name === 'string' ? services[name] : undefined
  const env = isTable(service) ? service['env'] : undefined
  if (!Array.isArray(env)) return issue
  return { ...issue, message: `${issue.message}: write \`env = ${envTable(env)}\`` }
}

/**
 * `reference` with its line and column looked up when first read: only a file that turns out
 * missing or wrong needs them, and looking them up parses the text a second time.
 */
function locatedLazily(
  reference: Omit<ConfigPathReference, 'line' | 'column'>,
  locator: TomlLocator,
  path: KeyPath,
): ConfigPathReference {
  let position: { line: number; column: number } | undefined
  const at = () => (position ??= locator.position(path))
  return Object.defineProperties(
    { ...reference },
    {
      line: { enumerable: true, get: () => at().line },
      column: { enumerable: true, get: () => at().column },
    },
  ) as ConfigPathReference
}

interface Built {
  config?: DeployConfig
  references: ConfigPathReference[]
}

function build(
  root: Table,
  file: string,
  options: ParseDeployConfigOptions,
  locator: TomlLocator,
  issues: SchemaIssue[],
  complete: boolean,
): Built {
  const folder = options.dirname(file)
  const resolve = (rel: string): string => options.resolvePath(folder, rel)
  const references: ConfigPathReference[] = []
  const reference = (kind: ConfigPathReference['kind'], path: KeyPath, value: unknown): void => {
    if (typeof value !== 'string' || value === '') return
    const what = REFERENCE_WHAT[kind]
    references.push(
      locatedLazily({ kind, what, key: formatKeyPath(path), path: resolve(value) }, locator, path),
    )
  }

  const deployment = isTable(root['deployment']) ? root['deployment'] : {}
  const setting = <T>(key: string): T => (deployment[key] ?? defaultOf<T>(['deployment', key])) as T
  const int = (key: string): number => Number(setting<bigint | number>(key))
  const rawDescriptors = Array.isArray(deployment['descriptors']) ? deployment['descriptors'] : []
  rawDescriptors.forEach((value, i) =>
    reference('descriptors', ['deployment', 'descriptors', i], value),
  )
  const descriptors = rawDescriptors
    .filter((value): value is string => typeof value === 'string')
    .map((value) => resolve(value))

  const builtinSettings = isTable(root['plugins']) ? root['plugins'] : {}
  const services: ServiceConfig[] = []
  const rawServices = isTable(root['services']) ? root['services'] : {}
  for (const [name, raw] of Object.entries(rawServices)) {
    if (!isTable(raw)) continue
    const servicePath = ['services', name]
    reference('wasm', [...servicePath, 'wasm'], raw['wasm'])
    const plugins: ServicePlugin[] = []
    const listed = Array.isArray(raw['plugins']) ? raw['plugins'] : []
    for (const builtin of listed) {
      if (typeof builtin !== 'string') continue
      const settings = plainSettings(builtinSettings[builtin] ?? {}, ['plugins', builtin], [])
      plugins.push({ name: builtin, builtin, settings: settings as Table })
    }
    const thirdParty = isTable(raw['plugin']) ? raw['plugin'] : {}
    for (const [pluginName, spec] of Object.entries(thirdParty)) {
      if (!isTable(spec)) continue
      const pluginPath = [...servicePath, 'plugin', pluginName]
      reference('plugin', [...pluginPath, 'path'], spec['path'])
      const settings = plainSettings(spec['settings'] ?? {}, [...pluginPath, 'settings'], issues)
      plugins.push({
        name: pluginName,
        path: typeof spec['path'] === 'string' ? resolve(spec['path']) : '',
        symbol: typeof spec['symbol'] === 'string' ? spec['symbol'] : '',
        settings: settings as Table,
      })
    }
    const env = isTable(raw['env']) ? raw['env'] : {}
    services.push({
      name,
      wasm: typeof raw['wasm'] === 'string' ? resolve(raw['wasm']) : '',
      role: (raw['role'] ?? defaultOf<ServiceRole>(['services', name, 'role'])) as ServiceRole,
      args: (Array.isArray(raw['args']) ? raw['args'] : []) as string[],
      env: Object.fromEntries(Object.entries(env)) as Record<string, string>,
      plugins,
      ...(raw['memory_limit_mb'] !== undefined
        ? { memoryLimitMb: Number(raw['memory_limit_mb'] as bigint | number) }
        : {}),
      ...(typeof raw['worker'] === 'string' ? { worker: raw['worker'] } : {}),
      ...(raw['host'] !== undefined ? { host: hostOf(raw) } : {}),
    })
  }
  // Built-in settings shared by several services are checked once, at their own key.
  for (const [name, settings] of Object.entries(builtinSettings)) {
    plainSettings(settings, ['plugins', name], issues)
  }
  const { cluster, files: clusterFiles } = buildCluster(root, resolve)
  for (const f of clusterFiles) {
    references.push(
      locatedLazily(
        { kind: 'cluster', what: f.what, key: formatKeyPath(f.path), path: resolve(f.value) },
        locator,
        f.path,
      ),
    )
  }
  if (!complete) return { references }

  const name = setting<string | undefined>('name') ?? baseName(file)
  const dataDir = resolve(setting<string | undefined>('data_dir') ?? `.parigot-data/${name}`)
  const dataDirKey = ['deployment', 'data_dir']
  references.push(
    locatedLazily(
      {
        kind: 'data_dir',
        what: REFERENCE_WHAT.data_dir,
        key: formatKeyPath(dataDirKey),
        path: dataDir,
      },
      locator,
      dataDirKey,
    ),
  )
  const config: DeployConfig = {
    file,
    name,
    dataDir,
    logLevel: setting<LogLevel>('log_level'),
    limits: {
      launchTimeoutMs: int('launch_timeout_ms'),
      callTimeoutMs: int('call_timeout_ms'),
      inboundQueue: int('inbound_queue'),
      memoryLimitMb: int('memory_limit_mb'),
    },
    stopGraceMs: int('stop_grace_ms'),
    placement: setting<'manual' | 'auto'>('placement'),
    services,
    descriptors,
    ...(cluster !== undefined ? { cluster } : {}),
    ...telemetryOf(root),
  }
  return { config, references }
}

/**
 * Parses and validates a deploy config, and lists the files it names so that the caller can
 * check them on disk. `file` is the config's path as diagnostics should name it (absolute for
 * the runner).
 */
export function analyzeDeployConfig(
  text: string,
  file: string,
  options: ParseDeployConfigOptions,
): DeployConfigAnalysis {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  const overLimit = checkConfigLimits(source, file)
  if (overLimit !== undefined) return { diagnostics: [overLimit], references: [] }
  let root: Table
  try {
    root = parse(source, {
      integersAsBigInt: true,
      unsafeKeyBehaviour: 'throw',
      maxDepth: CONFIG_LIMITS.depth,
    }) as Table
  } catch (error) {
    const diagnostic: ConfigDiagnostic = {
      severity: 'error',
      file,
      line: error instanceof TomlError ? error.line : 1,
      column: error instanceof TomlError ? error.column : 1,
      key: '',
      message:
        error instanceof TomlError
          ? syntaxMessage(error)
          : `invalid TOML: ${error instanceof Error ? error.message : String(error)}`,
    }
    return { diagnostics: [diagnostic], references: [] }
  }

  const locator = new TomlLocator(source)
  let issues = validateDeployConfig(root, { unknownKey: referenceSpelling })
  // A file in the original spelling has no [services]: its conversion messages say what to write.
  if (issues.some((i) => i.code === 'reference-spelling' && i.path.length <= 4)) {
    issues = issues.filter((i) => !(i.code === 'required' && formatKeyPath(i.path) === 'services'))
  }
  issues = issues.map((i) => withEnvHint(root, i))
  semanticIssues(root, issues)
  clusterIssues(root, issues)
  const firstErrors = issues.some((i) => i.severity === 'error')
  const built = build(root, file, options, locator, issues, !firstErrors)
  // Past a couple of hundred problems more are noise, and each costs a position lookup.
  const shown = issues.slice(0, MAX_DIAGNOSTICS)
  const diagnostics = shown.map((issue): ConfigDiagnostic => {
    const pos = locator.position(issue.locate ?? issue.path, issue.at ?? 'value')
    return {
      severity: issue.severity,
      file,
      line: pos.line,
      column: pos.column,
      key: formatKeyPath(issue.path),
      message: issue.message,
    }
  })
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column)
  if (issues.length > shown.length) {
    const last = diagnostics.at(-1)
    diagnostics.push({
      severity: 'error',
      file,
      line: last?.line ?? 1,
      column: last?.column ?? 1,
      key: '',
      message: `${issues.length - shown.length} more problems not listed (fix the ones above first)`,
    })
  }
  const ok = !diagnostics.some((d) => d.severity === 'error')
  return ok && built.config
    ? { config: built.config, diagnostics, references: built.references }
    : { diagnostics, references: built.references }
}

/** Parses and validates a deploy config (no disk access: the files it names are not checked). */
export function parseDeployConfig(
  text: string,
  file: string,
  options: ParseDeployConfigOptions,
): ParseDeployConfigResult {
  const { config, diagnostics } = analyzeDeployConfig(text, file, options)
  return config ? { config, diagnostics } : { diagnostics }
}

/** `file:line:column: error: message [key]` (the key part only when there is one). */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const key = d.key ? ` [${d.key}]` : ''
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${key}`
}

/** `[telemetry]` as the runner reads it (already validated against the schema). */
function telemetryOf(root: Table): { telemetry?: { otlp: string } } {
  const table = isTable(root['telemetry']) ? root['telemetry'] : {}
  const otlp = table['otlp']
  return typeof otlp === 'string' ? { telemetry: { otlp } } : {}
}
