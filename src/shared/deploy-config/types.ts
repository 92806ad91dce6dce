import type { LogLevel } from '../log/log-record'

/**
 * A validated deploy configuration, as the runner consumes it. Paths are absolute (relative
 * ones in the file resolve against the file's folder).
 */
export interface DeployConfig {
  /** Absolute path of the TOML file. */
  readonly file: string
  /** The deployment's name. */
  readonly name: string
  /** Where plugins keep data (files, queues); absolute. */
  readonly dataDir: string
  readonly logLevel: LogLevel
  readonly limits: DeployLimits
  /** How long a stop waits for guests to leave their loop before terminating them. */
  readonly stopGraceMs: number
  /** `auto`: co-locate the most-called pairs, from the counts the last run saved (placement.ts). */
  readonly placement?: 'manual' | 'auto'
  /** In file order. */
  readonly services: readonly ServiceConfig[]
  /**
   * Absolute paths of the FileDescriptorSet files (`deployment.descriptors`) the Studio decodes
   * queue payloads with, in file order. The parser always sets it (`[]` when the key is absent);
   * it is optional for configs built by hand (tests, tools), where absent means none.
   */
  readonly descriptors?: readonly string[]
  /** `[cluster]`: the NATS server of a deployment split over hosts (absent: one process only). */
  readonly cluster?: ClusterConfig
  /** `[telemetry]`: where spans and log lines are exported (absent: nowhere). */
  readonly telemetry?: { readonly otlp?: string }
}

/** `[cluster]` (docs/cluster.md); paths are absolute. */
export interface ClusterConfig {
  /** `nats://HOST:PORT` or `tls://HOST:PORT`. */
  readonly nats: string
  readonly token?: string
  readonly user?: string
  readonly password?: string
  /** A NATS credentials file (JWT + NKey seed). */
  readonly creds?: string
  readonly requireCredentials: boolean
  /**
   * `capture_payloads` (default true): guest workers capture calls' requests and responses for
   * a Studio; false captures nothing (docs/cluster.md, "Watching a running deployment").
   */
  readonly capturePayloads?: boolean
  readonly tls?: {
    readonly caFile?: string
    readonly certFile?: string
    readonly keyFile?: string
    readonly handshakeFirst: boolean
  }
}

export interface DeployLimits {
  readonly launchTimeoutMs: number
  readonly callTimeoutMs: number
  readonly inboundQueue: number
  /** Default cap on each guest's linear memory, in MiB (services may override it). */
  readonly memoryLimitMb?: number
}

export type ServiceRole = 'server' | 'main' | 'test'

export interface ServiceConfig {
  /** The microservice's table name. */
  readonly name: string
  /** Absolute path of the .wasm file. */
  readonly wasm: string
  readonly role: ServiceRole
  /** argv after argv[0] (which is the service name). */
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly plugins: readonly ServicePlugin[]
  /** Cap on this guest's linear memory, in MiB (absent: the deployment's). */
  readonly memoryLimitMb?: number
  /** The worker thread this service shares with the others of that name (absent: its own). */
  readonly worker?: string
  /** The host that runs it with `parigot run --host` (absent: `local`). */
  readonly host?: string
}

/** A plugin a service uses: built-in by name, or a JavaScript module (absolute path) + export. */
export type ServicePlugin =
  | {
      readonly name: string
      readonly builtin: string
      readonly settings: Readonly<Record<string, unknown>>
    }
  | {
      readonly name: string
      readonly path: string
      readonly symbol: string
      readonly settings: Readonly<Record<string, unknown>>
    }

/** One problem found in a config file; line and column are 1-based. */
export interface ConfigDiagnostic {
  readonly severity: 'error' | 'warning'
  readonly file: string
  readonly line: number
  readonly column: number
  /** Dotted path of the key at fault, e.g. `services.greeting.wasm`. */
  readonly key: string
  readonly message: string
}
