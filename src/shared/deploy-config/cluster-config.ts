/**
 * `[cluster]` and `services.<name>.host`: the checks JSON Schema cannot express, and the
 * conversion into `ClusterConfig`. The schema (`cluster-schema.ts`) has already checked each
 * key's type and form where these run.
 */
import type { SchemaIssue } from './schema-validate'
import type { KeyPath } from './toml-locator'
import { isTable, type Table } from './toml-table'
import type { ClusterConfig, DeployConfig } from './types'

/** The host of a service that names none. */
export const DEFAULT_HOST = 'local'

const CREDENTIAL_KEYS = ['token', 'user', 'creds'] as const

/**
 * Problems of `[cluster]` as a whole: one way of authenticating, `require_credentials`, and a
 * JetStream queue backend without a server.
 */
export function clusterIssues(root: Table, issues: SchemaIssue[]): void {
  const cluster = root['cluster']
  const plugins = root['plugins']
  const queue = isTable(plugins) ? plugins['queue'] : undefined
  if (isTable(queue) && queue['backend'] === 'jetstream' && !isTable(cluster)) {
    issues.push({
      code: 'semantic',
      severity: 'error',
      path: ['plugins', 'queue', 'backend'],
      message:
        '`plugins.queue.backend` is "jetstream" but there is no `[cluster]` table: its `nats` server keeps the queues',
    })
  }
  if (!isTable(cluster)) return
  const given = CREDENTIAL_KEYS.filter((k) => cluster[k] !== undefined)
  if (given.length > 1) {
    issues.push({
      code: 'semantic',
      severity: 'error',
      path: ['cluster', given[1] as string],
      at: 'key',
      message: `\`cluster.${given[0]}\` and \`cluster.${given[1]}\` are two ways of authenticating to NATS: keep one (\`token\`, \`user\` + \`password\`, or \`creds\`)`,
    })
  }
  const pair = (table: Table, at: KeyPath, a: string, b: string): void => {
    for (const [has, lacks] of [
      [a, b],
      [b, a],
    ] as const) {
      if (table[has] === undefined || table[lacks] !== undefined) continue
      issues.push({
        code: 'dependent-required',
        severity: 'error',
        path: [...at, has],
        at: 'key',
        message: `\`${[...at, has].join('.')}\` is given without \`${lacks}\``,
      })
    }
  }
  pair(cluster, ['cluster'], 'user', 'password')
  if (isTable(cluster['tls'])) pair(cluster['tls'], ['cluster', 'tls'], 'cert_file', 'key_file')
  if (cluster['require_credentials'] === true && given.length === 0) {
    issues.push({
      code: 'semantic',
      severity: 'error',
      path: ['cluster', 'require_credentials'],
      message:
        '`cluster.require_credentials` is true but no credentials are given: set `token`, `user` + `password`, or `creds`',
    })
  }
}

/** A file `[cluster]` names, for the caller to check on disk. */
export interface ClusterFileReference {
  readonly what: string
  readonly path: KeyPath
  readonly value: string
}

/** `[cluster]` as the runner consumes it (paths resolved), and the files it names. */
export function buildCluster(
  root: Table,
  resolve: (rel: string) => string,
): { cluster?: ClusterConfig; files: ClusterFileReference[] } {
  const raw = root['cluster']
  const files: ClusterFileReference[] = []
  if (!isTable(raw) || typeof raw['nats'] !== 'string') return { files }
  const text = (table: Table, key: string): string | undefined =>
    typeof table[key] === 'string' ? table[key] : undefined
  const file = (table: Table, path: KeyPath, what: string): string | undefined => {
    const key = path[path.length - 1] as string
    const value = text(table, key)
    if (value === undefined || value === '') return undefined
    files.push({ what, path, value })
    return resolve(value)
  }
  const creds = file(raw, ['cluster', 'creds'], 'NATS credentials file')
  const token = text(raw, 'token')
  const user = text(raw, 'user')
  const password = text(raw, 'password')
  const rawTls = isTable(raw['tls']) ? raw['tls'] : undefined
  let tls: ClusterConfig['tls']
  if (rawTls !== undefined) {
    const caFile = file(rawTls, ['cluster', 'tls', 'ca_file'], 'TLS CA file')
    const certFile = file(rawTls, ['cluster', 'tls', 'cert_file'], 'TLS certificate file')
    const keyFile = file(rawTls, ['cluster', 'tls', 'key_file'], 'TLS key file')
    tls = {
      ...(caFile !== undefined ? { caFile } : {}),
      ...(certFile !== undefined ? { certFile } : {}),
      ...(keyFile !== undefined ? { keyFile } : {}),
      handshakeFirst: rawTls['handshake_first'] === true,
    }
  }
  const cluster: ClusterConfig = {
    nats: raw['nats'],
    ...(token !== undefined ? { token } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(creds !== undefined ? { creds } : {}),
    requireCredentials: raw['require_credentials'] === true,
    capturePayloads: raw['capture_payloads'] !== false,
    ...(tls !== undefined ? { tls } : {}),
  }
  return { cluster, files }
}

/** `services.<name>.host`, or the default. */
export function hostOf(service: Table): string {
  return typeof service['host'] === 'string' ? service['host'] : DEFAULT_HOST
}

/**
 * Whether calls' requests and responses are captured for a Studio (`[cluster] capture_payloads`,
 * default true): on a host of a cluster, and in a Studio running the file in one process.
 */
export function capturesPayloads(config: DeployConfig): boolean {
  return config.cluster?.capturePayloads !== false
}
