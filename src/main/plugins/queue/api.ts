// The queue plugin's face to the Studio bridge (src/main/bridge): the read-and-operate
// inspector over a deployment's queue database, and how the plugin's settings name that file.
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
export { DEFAULT_QUEUE_FILE, parseQueueSettings } from './plugin'
export type { QueueSettings, SettingsResult } from './plugin'
