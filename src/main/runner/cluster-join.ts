/**
 * Joins the deployment's cluster (src/main/cluster) with the supervisor's kernel, for
 * `parigot run <file> --host NAME`. Imported on demand: it loads the NATS client.
 */
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { LogSink } from '../engine/logger'
import { createLogger } from '../engine/logger'
import { ClusterNode } from '../cluster/cluster-node'
import type { ControlHandler } from '../cluster/host-control'
import type { Supervisor } from './supervisor'

export function joinCluster(
  config: DeployConfig,
  host: string,
  supervisor: Supervisor,
  logSink: LogSink,
  control?: ControlHandler,
  remoteRestarted?: (guest: string, host: string, exports: string[]) => void,
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
      ...(supervisor.traces !== undefined ? { traces: supervisor.traces } : {}),
    },
    logger: createLogger('cluster', logSink, () => Date.now()),
    ...(control !== undefined ? { control } : {}),
    ...(remoteRestarted !== undefined ? { remoteRestarted } : {}),
  })
}
