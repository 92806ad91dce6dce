// Checks of a deploy config that JSON Schema cannot express (parse.ts runs them after the
// schema): plugin names, built-in plugin settings nobody uses, and shared workers.
import { BUILTIN_PLUGINS } from './schema'
import type { SchemaIssue } from './schema-validate'
import { isTable, type Table } from './toml-table'

/** Checks JSON Schema cannot express, on a value that passed the schema where it matters. */
export function semanticIssues(root: Table, issues: SchemaIssue[]): void {
  const services = isTable(root['services']) ? root['services'] : {}
  const used = new Set<string>()
  for (const [name, service] of Object.entries(services)) {
    if (!isTable(service)) continue
    const listed = Array.isArray(service['plugins']) ? service['plugins'] : []
    for (const p of listed) if (typeof p === 'string') used.add(p)
    const plugin = isTable(service['plugin']) ? service['plugin'] : {}
    for (const pluginName of Object.keys(plugin)) {
      if ((BUILTIN_PLUGINS as readonly string[]).includes(pluginName)) {
        issues.push({
          code: 'semantic',
          severity: 'error',
          path: ['services', name, 'plugin', pluginName],
          at: 'key',
          message: `plugin name \`${pluginName}\` is taken by the built-in plugin: list the built-in in \`plugins = ["${pluginName}"]\`, or give this third-party plugin another name`,
        })
      }
    }
  }
  sharedWorkerIssues(services, issues)
  const builtinSettings = isTable(root['plugins']) ? root['plugins'] : {}
  for (const name of Object.keys(builtinSettings)) {
    const known = (BUILTIN_PLUGINS as readonly string[]).includes(name)
    if (known && isTable(builtinSettings[name]) && !used.has(name)) {
      issues.push({
        code: 'semantic',
        severity: 'warning',
        path: ['plugins', name],
        at: 'key',
        message: `settings of the built-in plugin \`${name}\` are unused: no service lists it in \`plugins\``,
      })
    }
  }
}

/**
 * A shared worker runs its guests' programs at once, and the runner runs mains one after
 * another: at most one `main` and one `test` per worker, and one host per worker.
 */
function sharedWorkerIssues(services: Table, issues: SchemaIssue[]): void {
  const seen = new Map<string, string>()
  // A worker thread lives in one process, so the services sharing it share a host.
  const hostOfWorker = new Map<string, { host: string; first: string }>()
  for (const [name, service] of Object.entries(services)) {
    if (!isTable(service) || typeof service['worker'] !== 'string') continue
    const host = typeof service['host'] === 'string' ? service['host'] : 'local'
    const placed = hostOfWorker.get(service['worker'])
    if (placed === undefined) hostOfWorker.set(service['worker'], { host, first: name })
    else if (placed.host !== host) {
      issues.push({
        code: 'semantic',
        severity: 'error',
        path: ['services', name, 'worker'],
        message: `worker \`${service['worker']}\` runs \`${placed.first}\` on host \`${placed.host}\`, but \`${name}\` is on host \`${host}\`: services sharing a worker share a host`,
      })
    }
    const role = service['role']
    if (role !== 'main' && role !== 'test') continue
    const key = `${role}\u0000${service['worker']}`
    const first = seen.get(key)
    if (first === undefined) {
      seen.set(key, name)
      continue
    }
    issues.push({
      code: 'semantic',
      severity: 'error',
      path: ['services', name, 'worker'],
      message: `worker \`${service['worker']}\` already runs the ${role} service \`${first}\`: a worker holds at most one ${role} (give \`${name}\` another worker)`,
    })
  }
}
