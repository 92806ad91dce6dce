/**
 * Joins the deployment's cluster (src/main/cluster) with the supervisor's kernel, for
 * `parigot run <file> --host NAME`. Imported on demand: it loads the NATS client.
 */
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { LogSink } from '../engine/logger'
import { createLogger } from '../engine/logger'
import { ClusterNode } from '../cluster/cluster-node'
import type { ControlHandler } from '../cluster/host-control'
import type { KernelAccess } from '../cluster/kernel-access'
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
      ...(process.env.PARIGOT_CLUSTER_MAILBOXES === '0' ? {} : mailboxPaths(supervisor)),
      ...(supervisor.traces !== undefined ? { traces: supervisor.traces } : {}),
    },
    logger: createLogger('cluster', logSink, () => Date.now()),
    ...(control !== undefined ? { control } : {}),
    ...(remoteRestarted !== undefined ? { remoteRestarted } : {}),
  })
}

/**
 * Calls between hosts enter and leave the guests' workers through their mailboxes
 * (runner/mailbox-caller.ts, mailbox-result.ts). PARIGOT_CLUSTER_MAILBOXES=0 leaves them out, so
 * every call goes through the kernel's syscalls as before: the bench's peer figure.
 */
export function mailboxPaths(
  supervisor: Supervisor,
): Pick<KernelAccess, 'deliverResult' | 'mailboxCaller'> {
  return {
    deliverResult: (callee, callId, result, resultError) =>
      supervisor.deliverResult(callee, callId, result, resultError),
    mailboxCaller: (host, onResult) => supervisor.mailboxCaller(host, onResult),
  }
}
