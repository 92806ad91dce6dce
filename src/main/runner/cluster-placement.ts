/**
 * `parigot run <file> --host NAME`: which services this process runs, and joining the
 * deployment's cluster (src/main/cluster) with the supervisor's kernel.
 */
import type { DeployConfig, ServiceConfig } from '../../shared/deploy-config/types'
import type { LogSink } from '../engine/logger'
import { createLogger } from '../engine/logger'
import { ClusterNode } from '../cluster/cluster-node'
import type { ControlHandler } from '../cluster/host-control'
import type { Supervisor } from './supervisor'

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

export function joinCluster(
  config: DeployConfig,
  host: string,
  supervisor: Supervisor,
  logSink: LogSink,
  control?: ControlHandler,
): Promise<ClusterNode> {
  if (config.cluster === undefined) throw new Error('internal: joinCluster without [cluster]')
  return ClusterNode.start({
    config: config.cluster,
    deployment: config.name,
    host,
    access: {
      kernel: supervisor.kernel,
      virtualHost: (name, onWake) => supervisor.virtualHost(name, onWake),
      flush: () => supervisor.flush(),
    },
    logger: createLogger('cluster', logSink, () => Date.now()),
    ...(control !== undefined ? { control } : {}),
  })
}
