/**
 * The deploy configuration's JSON Schema (draft 2020-12): the single source of the format's
 * keys, types, enums, defaults, ranges and descriptions. Ajv validates against it (compiled by
 * `npm run gen`), and the Studio's editor uses it for completion and hover. Only the subset of
 * keywords in `JsonSchema` below is used; `patternErrorMessage` is the VS Code / Monaco
 * extension keyword for a readable pattern failure.
 */
import { clusterSchema } from './cluster-schema'

export type JsonSchemaType = 'object' | 'array' | 'string' | 'integer' | 'boolean'

export interface JsonSchema {
  readonly $schema?: string
  readonly $id?: string
  readonly title?: string
  /** Every node has one: it is the hover text in the editor and appears in some messages. */
  readonly description: string
  readonly type?: JsonSchemaType
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly additionalProperties?: boolean | JsonSchema
  readonly propertyNames?: JsonSchema
  readonly required?: readonly string[]
  readonly dependentRequired?: Readonly<Record<string, readonly string[]>>
  readonly minProperties?: number
  readonly maxProperties?: number
  readonly items?: JsonSchema
  readonly uniqueItems?: boolean
  readonly maxItems?: number
  readonly enum?: readonly (string | number | boolean)[]
  readonly default?: unknown
  readonly minimum?: number
  readonly maximum?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: string
  readonly patternErrorMessage?: string
  readonly examples?: readonly unknown[]
}

/** The built-in plugins a service may list in `plugins`. */
export const BUILTIN_PLUGINS = ['file', 'queue'] as const
export type BuiltinPluginName = (typeof BUILTIN_PLUGINS)[number]

/** One hour: the ceiling of every timeout, so that a typo cannot hang a deployment for days. */
export const MAX_TIMEOUT_MS = 3_600_000
/** wasm32 memory ends at 4 GiB. */
export const MAX_MEMORY_LIMIT_MB = 4096

/** More descriptor sets than this is a mistake (one per proto module is the usual count). */
export const MAX_DESCRIPTOR_FILES = 64

const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,63}$'
const IDENTIFIER_MESSAGE =
  'must start with a letter or `_` and contain only letters, digits, `_` and `-` (at most 64 characters)'

/** No C0 or C1 control character, no DEL (the `u` flag is needed for `\p{Cc}`). */
const PRINTABLE_PATTERN = '^[^\\p{Cc}]*$'
const PRINTABLE_MESSAGE =
  'must be printable: control characters (U+0000..U+001F, U+007F..U+009F) are not allowed'

const settingsSchema = (what: string): JsonSchema => ({
  description: `${what} Keys and values are passed to the plugin as written (integers become numbers, dates ISO strings); the plugin validates them.`,
  type: 'object',
  additionalProperties: true,
})

const pluginSchema: JsonSchema = {
  description:
    'A third-party plugin: a JavaScript module and the name of its export implementing `init(ctx, engine)`. The table name is the plugin name.',
  type: 'object',
  additionalProperties: false,
  required: ['path', 'symbol'],
  dependentRequired: { path: ['symbol'], symbol: ['path'] },
  properties: {
    path: {
      description:
        "Path of the plugin's JavaScript module (.js or .mjs); a relative path resolves against the folder of this file.",
      type: 'string',
      minLength: 1,
      pattern: PRINTABLE_PATTERN,
      patternErrorMessage: PRINTABLE_MESSAGE,
      examples: ['plugins/metrics.mjs'],
    },
    symbol: {
      description: "Name of the module's export that implements the plugin.",
      type: 'string',
      pattern: '^[A-Za-z_$][A-Za-z0-9_$]*$',
      patternErrorMessage: 'must be a JavaScript identifier (the name of an export)',
      examples: ['MetricsPlugin'],
    },
    settings: settingsSchema("The plugin's settings for this service."),
  },
}

const serviceSchema: JsonSchema = {
  description: 'One microservice: a WebAssembly guest. The table name is the service name.',
  type: 'object',
  additionalProperties: false,
  required: ['wasm'],
  properties: {
    wasm: {
      description:
        "Path of the service's .wasm file; a relative path resolves against the folder of this file.",
      type: 'string',
      minLength: 1,
      pattern: PRINTABLE_PATTERN,
      patternErrorMessage: PRINTABLE_MESSAGE,
      examples: ['build/greeting.wasm'],
    },
    role: {
      description:
        'What the runner does with the service: `server` runs until the deployment stops; every `main` runs in file order and the deployment ends when they have all exited; `test` services run only in test mode.',
      type: 'string',
      enum: ['server', 'main', 'test'],
      default: 'server',
    },
    args: {
      description:
        'Command-line arguments given to the guest after argv[0] (which is the service name).',
      type: 'array',
      default: [],
      maxItems: 1024,
      items: {
        description: 'One argument: a non-empty printable string.',
        type: 'string',
        minLength: 1,
        pattern: PRINTABLE_PATTERN,
        patternErrorMessage: PRINTABLE_MESSAGE,
      },
    },
    env: {
      description: 'Environment variables given to the guest, as `NAME = "value"`.',
      type: 'object',
      default: {},
      maxProperties: 1024,
      propertyNames: {
        description: 'A variable name: non-empty, without `=` or control characters.',
        type: 'string',
        minLength: 1,
        pattern: '^[^=\\p{Cc}]+$',
        patternErrorMessage: 'must not contain `=` or control characters',
      },
      additionalProperties: {
        description: "A variable's value: a printable string.",
        type: 'string',
        pattern: PRINTABLE_PATTERN,
        patternErrorMessage: PRINTABLE_MESSAGE,
      },
    },
    plugins: {
      description:
        "Built-in plugins the service's guest uses; their settings are the `[plugins.<name>]` tables.",
      type: 'array',
      default: [],
      uniqueItems: true,
      items: {
        description: 'A built-in plugin: `file` (files under /parigot/app/) or `queue` (queues).',
        type: 'string',
        enum: [...BUILTIN_PLUGINS],
      },
    },
    plugin: {
      description:
        "Third-party plugins the service's guest uses, one `[services.<name>.plugin.<plugin>]` table each.",
      type: 'object',
      default: {},
      propertyNames: {
        description: 'A plugin name.',
        type: 'string',
        pattern: IDENTIFIER_PATTERN,
        patternErrorMessage: IDENTIFIER_MESSAGE,
      },
      additionalProperties: pluginSchema,
    },
    memory_limit_mb: {
      description:
        "This service's cap on its guest's linear memory, in MiB (overrides `deployment.memory_limit_mb`): the memory's maximum at instantiation, so `memory.grow` past it fails and the guest gets -1 (AssemblyScript then traps, naming the limit in the log).",
      type: 'integer',
      minimum: 1,
      maximum: MAX_MEMORY_LIMIT_MB,
    },
    worker: {
      description:
        'Services with the same `worker` name share one worker thread: calls between them run in that thread, without a thread hop. Each keeps its own instance and memory, and a trap still fails only that service; an endless loop (the watchdog) ends the whole worker. At most one `main` and one `test` service per worker. Absent: a worker of its own.',
      type: 'string',
      pattern: IDENTIFIER_PATTERN,
      patternErrorMessage: IDENTIFIER_MESSAGE,
      examples: ['shop'],
    },
    host: {
      description:
        'The host (a `parigot run --host NAME` process, on this machine or another) that runs this service. Without `--host`, every service runs in one process whatever its host. Hosts other than `local` need a `[cluster]` table.',
      type: 'string',
      default: 'local',
      pattern: IDENTIFIER_PATTERN,
      patternErrorMessage: IDENTIFIER_MESSAGE,
      examples: ['local', 'db-machine'],
    },
  },
}

export const deployConfigSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://parigot.studio/schemas/deploy-config.json',
  title: 'Parigot deploy configuration',
  description:
    "A deployment: the WebAssembly microservices to start together, their plugins, and the runner's limits.",
  type: 'object',
  additionalProperties: false,
  required: ['services'],
  properties: {
    deployment: {
      description:
        'The deployment as a whole: its name, data folder, log level, limits, and the descriptor sets the Studio decodes queue payloads with.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: {
          description: "The deployment's name. Default: the file name without its extension.",
          type: 'string',
          pattern: IDENTIFIER_PATTERN,
          patternErrorMessage: IDENTIFIER_MESSAGE,
        },
        data_dir: {
          description:
            'Where plugins keep their data (files, queues); a relative path resolves against the folder of this file. Default: `.parigot-data/<name>` next to this file.',
          type: 'string',
          minLength: 1,
          pattern: PRINTABLE_PATTERN,
          patternErrorMessage: PRINTABLE_MESSAGE,
        },
        log_level: {
          description: 'The lowest level of log line kept.',
          type: 'string',
          enum: ['debug', 'info', 'warn', 'error'],
          default: 'info',
        },
        launch_timeout_ms: {
          description:
            'How long a launched service may wait for the services it requires, in milliseconds.',
          type: 'integer',
          minimum: 1,
          maximum: MAX_TIMEOUT_MS,
          default: 10_000,
        },
        call_timeout_ms: {
          description: 'How long a call may wait for its result, in milliseconds.',
          type: 'integer',
          minimum: 1,
          maximum: MAX_TIMEOUT_MS,
          default: 3_000,
        },
        inbound_queue: {
          description: 'How many calls may be queued for one service and not yet read.',
          type: 'integer',
          minimum: 1,
          maximum: 1_000_000,
          default: 1024,
        },
        memory_limit_mb: {
          description:
            "Each guest's cap on its linear memory, in MiB, unless its service sets `memory_limit_mb`: the memory's maximum at instantiation (`memory.grow` past it fails; a module whose initial memory is larger does not start). Each worker's JavaScript heap is capped too (resourceLimits), so one guest cannot take the process down.",
          type: 'integer',
          minimum: 1,
          maximum: MAX_MEMORY_LIMIT_MB,
          default: 256,
        },
        stop_grace_ms: {
          description:
            'How long a stop waits for guests to leave their loop before terminating them, in milliseconds (0: terminate at once).',
          type: 'integer',
          minimum: 0,
          maximum: MAX_TIMEOUT_MS,
          default: 2_000,
        },
        placement: {
          description:
            'How guests are placed on worker threads. `manual` (default): each service in its own worker unless it sets `worker`. `auto`: each run saves its call counts per pair of services in the data dir (`.parigot/placement.json`), and the next run puts the most-called pairs in one worker (at most 4 services, one main or test program, one cluster host each); services that set `worker` keep it. Guests in one worker take turns on one thread: their calls skip the thread hop, but they never run at the same time.',
          type: 'string',
          enum: ['manual', 'auto'],
          default: 'manual',
        },
        descriptors: {
          description:
            'Binary FileDescriptorSet files (`buf build -o <file>.binpb`, or `protoc --include_imports --descriptor_set_out`) whose message types the Studio decodes queue payloads with; relative paths resolve against the folder of this file. Payloads of other types are shown in hex.',
          type: 'array',
          default: [],
          uniqueItems: true,
          maxItems: MAX_DESCRIPTOR_FILES,
          items: {
            description:
              'Path of one FileDescriptorSet file; a relative path resolves against the folder of this file.',
            type: 'string',
            minLength: 1,
            pattern: PRINTABLE_PATTERN,
            patternErrorMessage: PRINTABLE_MESSAGE,
            examples: ['build/descriptors.binpb'],
          },
        },
      },
    },
    services: {
      description: 'The microservices, one `[services.<name>]` table each, in start order.',
      type: 'object',
      minProperties: 1,
      maxProperties: 256,
      propertyNames: {
        description: "A service name (also the guest's argv[0]).",
        type: 'string',
        pattern: IDENTIFIER_PATTERN,
        patternErrorMessage: IDENTIFIER_MESSAGE,
      },
      additionalProperties: serviceSchema,
    },
    cluster: clusterSchema,
    telemetry: {
      description:
        'Where spans and log lines go besides the Studio: an OpenTelemetry collector (docs/deploy-config.md, [telemetry]).',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        otlp: {
          description:
            'Base URL of an OpenTelemetry collector speaking OTLP/HTTP (JSON): spans go to `<otlp>/v1/traces`, log lines to `<otlp>/v1/logs`. Setting it turns tracing on.',
          type: 'string',
          maxLength: 2048,
          pattern: '^https?://[^\\s]+$',
          patternErrorMessage: 'must be an http:// or https:// URL, e.g. "http://127.0.0.1:4318"',
          examples: ['http://127.0.0.1:4318'],
        },
      },
    },
    plugins: {
      description:
        'Settings of the built-in plugins, shared by every service that lists the plugin.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        file: settingsSchema(
          'Settings of the built-in `file` plugin: `root`, `maxOpenFiles`, `maxBufferBytes`, `maxPathParts`, `staleTempSeconds`.',
        ),
        queue: {
          ...settingsSchema(
            'Settings of the built-in `queue` plugin: `backend`, and for SQLite `file`, `synchronous`, `busyTimeoutMs`; for both `visibilityTimeoutMs`, `maxReceives`, `maxReceiveBatch`; for JetStream `brokerTimeoutMs` (docs/queue.md).',
          ),
          properties: {
            backend: {
              description:
                'Where the queues are kept: `sqlite` (default: one file in the data directory, one process) or `jetstream` (work-queue streams on the `[cluster]` NATS server, shared by every host of the deployment).',
              type: 'string',
              enum: ['sqlite', 'jetstream'],
              default: 'sqlite',
            },
          },
        },
      },
    },
  },
}

/**
 * The schema node that describes `path` (key names; array indices step into `items`), for hover
 * and completion; undefined when the path is not part of the format.
 */
export function schemaAt(
  path: readonly (string | number)[],
  root: JsonSchema = deployConfigSchema,
): JsonSchema | undefined {
  let node: JsonSchema | undefined = root
  for (const segment of path) {
    if (!node) return undefined
    if (typeof segment === 'number') node = node.items
    else {
      const props: Readonly<Record<string, JsonSchema>> | undefined = node.properties
      const prop = props && Object.hasOwn(props, segment) ? props[segment] : undefined
      if (prop) node = prop
      else if (typeof node.additionalProperties === 'object') node = node.additionalProperties
      else return undefined
    }
  }
  return node
}
