// The queue plugin's face to the Studio bridge (src/main/bridge): the read-and-operate
// inspector over a deployment's queue database, and how the plugin's settings name that file;
// the same inspector over queues kept in JetStream (loaded on first use, with the NATS client).
// The bridge imports only this module (enforced in eslint.config.js), so store, schema and host
// functions stay free to change.
export { InspectorError, QueueInspector } from './inspector'
export type {
  DecodedAny,
  InspectedMessage,
  InspectorEvent,
  MessageStateName,
  QueueSummary,
} from './inspector'
import type { JetStreamInspector, JetStreamInspectorOptions } from './jetstream/inspector'
import type { ClusterConfig } from '../../../shared/deploy-config/types'
export type { JetStreamInspector, JetStreamInspectorOptions } from './jetstream/inspector'
export { DEFAULT_QUEUE_FILE, parseQueueSettings } from './plugin'
export type { QueueSettings, SettingsResult } from './plugin'
export { JetStreamInspectorError } from './jetstream/inspector-error'
export type { JetStreamInspectorProblem } from './jetstream/inspector-error'

/**
 * The inspector over a deployment's JetStream queues, on a connection of its own. The NATS client
 * loads here, on first use: a Studio that never meets a JetStream queue never loads it.
 */
export async function openJetStreamInspector(
  cluster: ClusterConfig,
  deployment: string,
  options: JetStreamInspectorOptions = {},
): Promise<JetStreamInspector> {
  const { JetStreamInspector } = await import('./jetstream/inspector')
  return JetStreamInspector.connect(cluster, deployment, options)
}
