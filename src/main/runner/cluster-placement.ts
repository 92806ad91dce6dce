/**
 * `parigot run <file> --host NAME`: which services this process runs. Joining the cluster is
 * cluster-join.ts, loaded only by a process that has a host (the NATS client is large).
 */
import type { DeployConfig, ServiceConfig } from '../../shared/deploy-config/types'

/** The host of a service that names none. */
export const LOCAL_HOST = 'local'

/**
 * The services `host` runs (every service without `--host`), or the sentence saying why the
 * deployment cannot run on that host.
 */
export function placeServices(
  config: DeployConfig,
  host: string | undefined,
): readonly ServiceConfig[] | string {
  if (host === undefined) return config.services
  if (config.cluster === undefined)
    return `${config.file}: --host ${host} needs a [cluster] table with the NATS server the hosts meet on (docs/cluster.md)`
  const known = [...new Set(config.services.map((s) => s.host ?? LOCAL_HOST))]
  if (!known.includes(host))
    return `${config.file}: no service runs on host "${host}"; the hosts are ${known.map((h) => `"${h}"`).join(', ')}`
  return config.services.filter((s) => (s.host ?? LOCAL_HOST) === host)
}
