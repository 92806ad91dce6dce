/**
 * The original parigot's deploy-config spelling (`[config.dev]`,
 * `[config.dev.microservice.<name>]` with `WasmPath`, `Arg`, `Env = ["K=V"]`, `Server`/`Main`/
 * `Test`, ...; and the older `[microservice.<name>]` form) is refused, with one error per key
 * that says exactly what to write instead. It is not accepted with a warning because its paths
 * resolved against the current directory, not the file's folder: silently accepting it would
 * run different files than the original did.
 */
import { formatKeyPath, type KeyPath } from './toml-locator'
import type { SchemaIssue } from './schema-validate'
import { BUILTIN_PLUGINS } from './schema'
import { isTable } from './toml-table'

const ORIGINAL = "the original parigot's spelling"
const BARE_KEY = /^[A-Za-z0-9_-]+$/

function toml(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.trim())
  if (Array.isArray(value)) return `[${value.map(toml).join(', ')}]`
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value)
  }
  return '...'
}

function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : JSON.stringify(key)
}

function issue(path: KeyPath, message: string): SchemaIssue {
  return { code: 'reference-spelling', severity: 'error', path, at: 'key', message }
}

/** `env = { K = "V" }` from the original's `Env = ["K=V"]`. */
export function envTable(value: unknown): string {
  const entries = (Array.isArray(value) ? value : [value])
    .filter((e): e is string => typeof e === 'string' && e.includes('='))
    .map((e) => {
      const eq = e.indexOf('=')
      return `${tomlKey(e.slice(0, eq).trim())} = ${JSON.stringify(e.slice(eq + 1).trim())}`
    })
  return entries.length > 0 ? `{ ${entries.join(', ')} }` : '{ NAME = "value" }'
}

/** Issues for one field of a microservice table written the original way. */
function fieldIssue(path: KeyPath, service: string, field: string, value: unknown): SchemaIssue {
  const at = `\`${formatKeyPath(path)}\` is ${ORIGINAL}`
  const table = `\`[services.${tomlKey(service)}]\``
  switch (field.toLowerCase()) {
    case 'wasmpath':
    case 'path':
      return issue(
        path,
        `${at}: write ${table} with \`wasm = ${toml(value)}\` (a relative path now resolves against this file's folder, not the current directory)`,
      )
    case 'pluginpath': {
      const text = typeof value === 'string' ? value.toLowerCase() : ''
      const builtin = BUILTIN_PLUGINS.find((b) => text.includes(b))
      const instead = builtin
        ? `for the built-in ${builtin} plugin write \`plugins = ["${builtin}"]\` in ${table}; for another plugin, write`
        : 'write'
      return issue(
        path,
        `${at} of a Go plugin (.so), which cannot be loaded: ${instead} a JavaScript module and declare it as \`[services.${tomlKey(service)}.plugin.<name>]\` with \`path = "<module>.mjs"\` and \`symbol = "<export>"\``,
      )
    }
    case 'pluginsymbol':
      return issue(
        path,
        `${at}: write \`symbol = ${toml(value)}\` in the plugin's \`[services.${tomlKey(service)}.plugin.<name>]\` table (the name of the JavaScript module's export)`,
      )
    case 'arg':
      return issue(path, `${at}: write ${table} with \`args = ${toml(value)}\``)
    case 'env':
      return issue(path, `${at}: write ${table} with \`env = ${envTable(value)}\``)
    case 'server':
    case 'main':
    case 'test': {
      const role = field.toLowerCase()
      if (value === false) {
        return issue(path, `${at}: delete it (a service is a \`role = "server"\` unless told)`)
      }
      return issue(path, `${at}: write ${table} with \`role = "${role}"\``)
    }
    case 'searchdir':
      return issue(path, `${at}; it is not used: delete it`)
    default:
      return issue(
        path,
        `\`${formatKeyPath(path)}\` is not a key of the original parigot's microservice table either: write ${table} with wasm, role, args, env, plugins or plugin`,
      )
  }
}

function microservice(path: KeyPath, service: string, value: unknown): SchemaIssue[] {
  if (!isTable(value) || Object.keys(value).length === 0) {
    return [
      issue(
        path,
        `\`${formatKeyPath(path)}\` is ${ORIGINAL} of a microservice: write \`[services.${tomlKey(service)}]\` with \`wasm = "..."\``,
      ),
    ]
  }
  return Object.entries(value).map(([field, v]) => fieldIssue([...path, field], service, field, v))
}

function microservices(path: KeyPath, value: unknown): SchemaIssue[] {
  if (!isTable(value) || Object.keys(value).length === 0) {
    return [
      issue(
        path,
        `\`${formatKeyPath(path)}\` is ${ORIGINAL}: write one \`[services.<name>]\` table per microservice`,
      ),
    ]
  }
  return Object.entries(value).flatMap(([name, v]) => microservice([...path, name], name, v))
}

function deploymentField(path: KeyPath, field: string, value: unknown): SchemaIssue[] {
  const at = `\`${formatKeyPath(path)}\` is ${ORIGINAL}`
  switch (field.toLowerCase()) {
    case 'microservice':
      return microservices(path, value)
    case 'parigotlibpath':
    case 'parigotlibsymbol':
      return [issue(path, `${at} of the syscall plugin, which is built in now: delete it`)]
    case 'arrangement':
    case 'arrangementname':
    case 'size':
    case 'sizename':
      return [
        issue(
          path,
          `${at} of a deployment's ${field.toLowerCase().replace('name', '')}, which is not used: delete it`,
        ),
      ]
    case 'flag':
      return [issue(path, `${at}; it came from the command line: delete it`)]
    default:
      return [
        issue(
          path,
          `\`${formatKeyPath(path)}\` is not a key of the original parigot's deployment table either: see [deployment] for the keys`,
        ),
      ]
  }
}

/**
 * The issues replacing "unknown key" for a key written the original parigot's way, or undefined
 * when `path` is not one. Looked at: top-level `config`, `microservice`, `ParigotLibPath`,
 * `ParigotLibSymbol`, and the original field names inside `[services.<name>]`. Matching ignores
 * case, as the original's decoder did.
 */
export function referenceSpelling(path: KeyPath, value: unknown): SchemaIssue[] | undefined {
  const key = path[path.length - 1]
  if (typeof key !== 'string') return undefined
  const lower = key.toLowerCase()
  if (path.length === 1) {
    if (lower === 'config') {
      if (!isTable(value) || Object.keys(value).length === 0) {
        return [
          issue(
            path,
            `\`${key}\` is ${ORIGINAL}: write a \`[deployment]\` table and one \`[services.<name>]\` table per microservice`,
          ),
        ]
      }
      return Object.entries(value).flatMap(([name, table]) => {
        const depPath = [key, name]
        const head = issue(
          depPath,
          `\`${formatKeyPath(depPath)}\` is ${ORIGINAL} of a deployment: write \`[deployment]\` with \`name = ${JSON.stringify(name)}\`, and one \`[services.<name>]\` table per microservice`,
        )
        if (!isTable(table)) return [head]
        return [
          head,
          ...Object.entries(table).flatMap(([f, v]) => deploymentField([...depPath, f], f, v)),
        ]
      })
    }
    if (lower === 'microservice') return microservices(path, value)
    if (lower === 'parigotlibpath' || lower === 'parigotlibsymbol') {
      return deploymentField(path, key, value)
    }
    return undefined
  }
  if (path.length === 3 && path[0] === 'services' && typeof path[1] === 'string') {
    const known = ['wasmpath', 'path', 'pluginpath', 'pluginsymbol', 'arg', 'env', 'server']
    if (known.includes(lower) || lower === 'main' || lower === 'test' || lower === 'searchdir') {
      return [fieldIssue(path, path[1], key, value)]
    }
  }
  return undefined
}
