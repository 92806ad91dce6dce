export type * from './types'
export {
  analyzeDeployConfig,
  formatDiagnostic,
  parseDeployConfig,
  type ConfigPathReference,
  type DeployConfigAnalysis,
  type ParseDeployConfigOptions,
  type ParseDeployConfigResult,
} from './parse'
export {
  BUILTIN_PLUGINS,
  deployConfigSchema,
  MAX_TIMEOUT_MS,
  schemaAt,
  type BuiltinPluginName,
  type JsonSchema,
} from './schema'
export { formatKeyPath, TomlLocator, type KeyPath, type SourcePosition } from './toml-locator'
