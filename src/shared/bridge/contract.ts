// The Studio bridge: every call the renderer makes to the engine and every event the engine
// pushes, with a runtime validator for each call's parameters. Both transports (Electron IPC
// through the preload, and the WebSocket of `parigot serve`) carry exactly these messages, so
// the renderer never knows which one it has. Pure types and validators: no platform imports.
import type { ConfigDiagnostic } from '../deploy-config/types'
import type { KernelEvent, ServiceState, UnmetRequirement } from '../events/kernel-events'
import type { LogLevel, LogRecord } from '../log/log-record'
import { LOG_LEVELS } from '../log/log-record'
import type { SpanRecord } from '../trace/span'
import { array, bool, int, object, oneOf, optional, str } from './validate'
import type { Checked, CheckedType } from './validate'

/** Bumped when a message changes incompatibly; the renderer checks it in `studio.info`. */
export const BRIDGE_PROTOCOL_VERSION = 1

/** Largest message either side accepts (a deploy config is at most 256 KiB of it). */
export const MAX_BRIDGE_MESSAGE_BYTES = 1024 * 1024
export const MAX_CONFIG_TEXT_CHARS = 256 * 1024
const MAX_PATH_CHARS = 4096
const MAX_NAME_CHARS = 256
/** Regular expressions in log filters are bounded to keep a filter from stalling the engine. */
export const MAX_LOG_FILTER_CHARS = 200
export const MAX_LOG_BACKFILL = 10_000
/** Request JSON of the invoke form. */
export const MAX_INVOKE_JSON_CHARS = 64 * 1024
/** Calls kept per deployment for "run again". */
export const MAX_INVOKE_HISTORY = 50

// ---------------------------------------------------------------------------------------------
// Values that travel over the bridge

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { readonly [key: string]: JsonValue }

/** Where the deployment is in its life, as the status bar shows it. */
export const DEPLOYMENT_STATES = [
  'empty', // nothing opened
  'invalid', // opened, but the config has errors (see diagnostics)
  'ready', // opened and valid, not running
  'starting', // compiling modules and starting servers
  'running',
  'stopping',
  'stopped', // stopped by the user
  'exited', // the main program ended (exitCode says how)
  'failed', // a module did not compile, or the runner gave up (message says why)
] as const
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number]

export interface DeploymentStatus {
  readonly state: DeploymentState
  /** Absolute path of the deploy config, when one is open. */
  readonly file?: string
  readonly exitCode?: number
  /** Why the deployment is `failed` or `invalid`, in one sentence. */
  readonly message?: string
  /** Error-level log lines and config errors since the deployment last started. */
  readonly errorCount: number
  /** The Studio watches a deployment running on a cluster (`parigot serve --cluster`). */
  readonly attached?: { readonly deployment: string; readonly server: string }
}

/** A service as the graph draws it: one node per guest program of the deploy config. */
export interface ServiceNode {
  /** The program's name in the deploy config (`[services.<name>]`). */
  readonly name: string
  readonly role: 'server' | 'main' | 'test'
  readonly state: ServiceState | 'not-started'
  /** Canonical host id, once the guest runs. */
  readonly host?: string
  /** Protobuf services this program registered, `package.Service`. */
  readonly registered: readonly string[]
  readonly exports: readonly string[]
  readonly requires: readonly string[]
  readonly unmet: readonly UnmetRequirement[]
  readonly exitCode?: number
  readonly reason?: string
  /** While waiting: when the kernel gives up launching it (ms since epoch, engine clock). */
  readonly launchDeadlineMs?: number
  /** The cluster host that runs it (`[services.<name>] host`), when attached to a cluster. */
  readonly clusterHost?: string
}

/** A host of a deployment split over hosts, as the attached Studio sees it. */
export interface ClusterHostView {
  readonly name: string
  /** Its heartbeat is being heard. */
  readonly up: boolean
  /** Why it is down ("left", "no heartbeat for 1512 ms", "no heartbeat yet"). */
  readonly reason?: string
}

export interface ServiceEdge {
  /** Program that requires... */
  readonly from: string
  /** ...the program that exports `via`. Undefined `to` = nobody exports it (yet). */
  readonly to?: string
  readonly via: string
  /**
   * Calls `from` made to `via` of `to` that ended so far in this run (absent before the first);
   * in the Studio, counted from the calls' spans.
   */
  readonly calls?: EdgeCallStats
  /**
   * `from` is a caller from outside the guests (one of `ServiceGraph.callers`), not a program:
   * the edge is the calls it made, not a require.
   */
  readonly fromCaller?: boolean
}

export interface EdgeCallStats {
  readonly count: number
  /** Calls that ended with a callee error or a kernel error. */
  readonly errors: number
  /** Median latency of the finished calls (over the newest few hundred), in ms. */
  readonly p50Ms?: number
}

export interface ServiceGraph {
  readonly nodes: readonly ServiceNode[]
  readonly edges: readonly ServiceEdge[]
  /** A refused dependency cycle, as program names with the first repeated at the end. */
  readonly cycle?: readonly string[]
  /** The kernel's words for the refused cycle (which require or export closed it). */
  readonly cycleReason?: string
  /** Attached to a cluster: its hosts; nodes name theirs in `clusterHost`. */
  readonly hosts?: readonly ClusterHostView[]
  /**
   * Callers from outside the guests that called a service in this run (`studio`: the invoke
   * form). Not wasm guests: drawn apart, with an edge (`fromCaller`) to each service called.
   */
  readonly callers?: readonly string[]
}

export interface StateHistoryEntry {
  readonly state: ServiceState
  readonly timeMs: number
  readonly reason?: string
}

export interface CallSummary {
  readonly caller: string
  readonly target: string
  readonly method: string
  readonly startedMs: number
  readonly latencyMs?: number
  /** Non-zero: the callee returned an error, or (kernelError) the kernel ended the call. */
  readonly resultError?: number
  readonly kernelError?: number
}

export interface ServiceDetails {
  readonly node: ServiceNode
  readonly wasm: string
  readonly args: readonly string[]
  readonly plugins: readonly string[]
  /** Method names per registered service, `package.Service` -> methods bound. */
  readonly methods: Readonly<Record<string, readonly string[]>>
  readonly history: readonly StateHistoryEntry[]
  /** The most recent calls made by or to this program (newest last, bounded). */
  readonly recentCalls: readonly CallSummary[]
}

export interface LogLine extends LogRecord {
  /** Position in the deployment's log, so clients can detect gaps and deduplicate. */
  readonly seq: number
  /**
   * 'separator': a line the Studio wrote between runs (start, stop, restart, switch), naming
   * the deployment, what happened and when. It passes every filter.
   */
  readonly mark?: 'separator'
}

/** Where the engine keeps every line of the current run (the ring holds only the newest). */
export interface LogFileInfo {
  /** Absolute path of the run's first NDJSON file (later ones add `.1`, `.2`, ...). */
  readonly file: string
  /** Sequence numbers the files hold: [firstSeq, nextSeq). */
  readonly firstSeq: number
  readonly nextSeq: number
  /** Lines the engine could not write (the disk refused); counted, never silent. */
  readonly unwritten: number
}

export interface LogFilter {
  /** Only these sources (service names, `runner`, `plugin:<name>`); empty or absent = all. */
  readonly sources?: readonly string[]
  readonly minLevel?: LogLevel
  /**
   * Case-insensitive substring, or a regular expression when `regex` is true (RE2 syntax: linear
   * time, no backreferences or lookaround).
   */
  readonly text?: string
  readonly regex?: boolean
  /** Only the lines written while handling this call (its span id, 16 hex digits). */
  readonly spanId?: string
}

/** One trace of the Calls panel's list: its root call and what it touched. */
export interface TraceSummary {
  readonly traceId: string
  readonly startMs: number
  /** From the first span's start to the last span's end. */
  readonly durationMs: number
  readonly spanCount: number
  readonly errorCount: number
  /** The root span (the earliest span when the root fell out of the ring). */
  readonly root: SpanRecord
  /** `package.Service` of every span, deduplicated. */
  readonly services: readonly string[]
}

export interface TraceFilter {
  /** Traces with a span of this `package.Service` (or its callee program's name). */
  readonly service?: string
  /** Traces with a span of this method name. */
  readonly method?: string
  readonly errorsOnly?: boolean
  /** Traces that took at least this long. */
  readonly minDurationMs?: number
}

/** A call's request or response as the Calls panel shows it (`traces.payload`). */
export interface PayloadView {
  /** `package.Message` from the Any's type URL ('' when it had none). */
  readonly typeName: string
  /** The message's full size in bytes. */
  readonly size: number
  /** Bytes captured (at most 4096): fewer than `size` when it was cut. */
  readonly captured: number
  /** The message as protobuf JSON (formatted), when the descriptors describe it. */
  readonly json?: string
  /** The captured bytes in hex, when it is not shown as JSON. */
  readonly hex?: string
  /** Why it is not shown as JSON (cut, no descriptor of the type, not a valid message...). */
  readonly problem?: string
}

/** Where the Calls panel's traces come from: the running deployment, or a trace file. */
export type TraceSource =
  | { readonly kind: 'live' }
  | { readonly kind: 'file'; readonly file: string; readonly skipped: number }

export const MESSAGE_STATES = ['ready', 'in-flight', 'done', 'dead'] as const
export type MessageStateName = (typeof MESSAGE_STATES)[number]

export interface QueueView {
  readonly name: string
  readonly id: string
  readonly createdMs: number
  readonly ready: number
  readonly inFlight: number
  readonly done: number
  readonly dead: number
}

export interface DecodedPayload {
  readonly typeUrl: string
  readonly typeName: string
  readonly json?: JsonValue
  readonly hex?: string
  readonly problem?: string
}

export interface QueueMessageView {
  readonly seq: number
  /** Canonical message id. */
  readonly msgId: string
  readonly state: MessageStateName
  readonly receiveCount: number
  readonly sentMs: number
  readonly lastReceivedMs?: number
  readonly visibleAtMs: number
  readonly doneMs?: number
  readonly deadMs?: number
  readonly sender?: DecodedPayload
  readonly payload: DecodedPayload
}

export interface ExampleEntry {
  readonly name: string
  readonly title: string
  /** Absolute path of the example's deploy.toml. */
  readonly file: string
}

/** One field of a request message, as the invoke form draws it. */
export interface FieldView {
  /** Name in the .proto. */
  readonly name: string
  /** Name in protobuf's JSON mapping (what the form writes). */
  readonly jsonName: string
  readonly kind: 'scalar' | 'enum' | 'message' | 'map'
  /** For scalars and map keys: the protobuf scalar type (`string`, `int64`, `bool`, ...). */
  readonly scalar?: string
  readonly repeated: boolean
  /** The oneof this field belongs to, if any (at most one of them may be set). */
  readonly oneof?: string
  /** For enums (and maps of enums): the enum's type name and values. */
  readonly enumName?: string
  readonly enumValues?: readonly { readonly name: string; readonly number: number }[]
  /** For messages (and maps of messages): the message's type name and fields. */
  readonly messageName?: string
  readonly fields?: readonly FieldView[]
  /** For maps: the key's scalar type and what a value is. */
  readonly mapKey?: string
  readonly mapValue?: FieldView
  /**
   * The message's fields are not described: too deep (recursive types), or a well-known type
   * the form does not expand (Any, Struct, Timestamp...), which is entered as JSON text.
   */
  readonly opaque?: string
}

export interface MethodView {
  /** `package.Service`. */
  readonly service: string
  readonly method: string
  readonly inputType: string
  readonly outputType: string
  readonly fields: readonly FieldView[]
  /** The service's error enum, naming the codes it answers with. */
  readonly errorEnum?: string
}

/** The callable methods of one program of the deploy config, or why it has none by form. */
export interface ProgramMethods {
  /** The program's name in the deploy config. */
  readonly program: string
  readonly methods: readonly MethodView[]
  /** Why the program's methods cannot be called by form (absent when it has some). */
  readonly reason?: string
}

export type InvokeOutcome =
  | { readonly ok: JsonValue }
  | { readonly error: { readonly code: number; readonly name?: string } }
  | { readonly kernel: { readonly code: number; readonly name: string } }

/** One call made from the invoke form, kept per deployment so it can be run again. */
export interface InvokeRecord {
  readonly id: number
  readonly atMs: number
  readonly service: string
  readonly method: string
  readonly json: string
  readonly latencyMs: number
  readonly outcome: InvokeOutcome
}

export interface StudioInfo {
  readonly version: string
  readonly protocol: number
  readonly status: DeploymentStatus
  readonly examples: readonly ExampleEntry[]
  readonly recent: readonly string[]
}

/** What browser mode's "Open…" offers: the roots and the deploy configs found under them. */
export interface WorkspaceFiles {
  /** The workspace roots (real paths): a client may open and save files only inside them. */
  readonly roots: readonly string[]
  /** Absolute paths of `deploy.toml` files found by a bounded walk of the roots. */
  readonly files: readonly string[]
  /** The walk stopped at a limit (depth, folders or files): there may be more. */
  readonly truncated: boolean
}

export interface ConfigText {
  readonly file: string
  readonly text: string
  readonly diagnostics: readonly ConfigDiagnostic[]
}

// ---------------------------------------------------------------------------------------------
// Methods: name -> parameter validator; results typed in BridgeResults

const path = str({ max: MAX_PATH_CHARS, min: 1 })
const name = str({ max: MAX_NAME_CHARS, min: 1 })
const nothing = object({})

const logFilter = object({
  sources: optional(array(name, { max: 256 })),
  minLevel: optional(oneOf(LOG_LEVELS)),
  text: optional(str({ max: MAX_LOG_FILTER_CHARS })),
  regex: optional(bool()),
  spanId: optional(str({ max: 16, min: 16 })),
})

/** Traces the Calls panel lists at most. */
export const MAX_TRACE_LIST = 500

const traceFilter = object({
  service: optional(str({ max: MAX_NAME_CHARS })),
  method: optional(str({ max: MAX_NAME_CHARS })),
  errorsOnly: optional(bool()),
  minDurationMs: optional(int({ min: 0, max: 3_600_000 })),
})

export const BRIDGE_METHODS = {
  /** Version, protocol, current status, bundled examples and recent deployments. */
  'studio.info': nothing,
  /** Open a deploy config (does not run it); answers its text and diagnostics. */
  'deployment.open': object({ file: path }),
  'deployment.status': nothing,
  /** Compile everything and start servers and main programs of the open deployment. */
  'deployment.run': nothing,
  'deployment.stop': nothing,
  'deployment.restart': nothing,
  /** Restart one program (and what depends on it) of the running deployment. */
  'service.restart': object({ name }),
  'graph.get': nothing,
  'service.details': object({ name }),
  /**
   * Set this connection's log filter and answer the newest matching lines (at most
   * `backfill`); later `logs` events carry only matching lines.
   */
  'logs.subscribe': object({
    filter: logFilter,
    backfill: int({ min: 0, max: MAX_LOG_BACKFILL }),
  }),
  /** Validate deploy-config text as the editor has it, without saving. */
  'config.validate': object({ file: path, text: str({ max: MAX_CONFIG_TEXT_CHARS }) }),
  'config.read': object({ file: path }),
  /** Save (atomically) and answer the diagnostics of what was saved. */
  'config.save': object({ file: path, text: str({ max: MAX_CONFIG_TEXT_CHARS }) }),
  /** The workspace roots and the deploy configs under them (browser mode's "Open…"). */
  'workspace.files': nothing,
  'queue.list': nothing,
  'queue.peek': object({
    queue: name,
    states: optional(array(oneOf(MESSAGE_STATES), { max: 4 })),
    afterSeq: optional(int({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    limit: optional(int({ min: 1, max: 1000 })),
  }),
  /**
   * Messages whose payload, sender, type or id contains `text` (case-insensitive), or matches it
   * as a regular expression (RE2 syntax) when `regex` is true.
   */
  'queue.search': object({
    queue: name,
    text: str({ max: MAX_LOG_FILTER_CHARS, min: 1 }),
    regex: optional(bool()),
    limit: optional(int({ min: 1, max: 1000 })),
  }),
  'queue.delete': object({ queue: name, msgId: str({ max: 64, min: 1 }) }),
  'queue.purge': object({
    queue: name,
    state: optional(oneOf(['done', 'dead', 'ready'] as const)),
  }),
  'queue.redrive': object({ queue: name }),
  /** Start one program of the running deployment that is not running (stopped, ended). */
  'service.start': object({ name }),
  /** Stop one program of the running deployment (what depends on it keeps running). */
  'service.stop': object({ name }),
  /** Lines [fromSeq, toSeq) of the current run, read from its log file (not the ring). */
  'logs.read': object({
    fromSeq: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    toSeq: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    limit: optional(int({ min: 1, max: MAX_LOG_BACKFILL })),
  }),
  /** Lines of the whole current run matching `filter`, from its log file, after `afterSeq`. */
  'logs.search': object({
    filter: logFilter,
    afterSeq: optional(int({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    limit: optional(int({ min: 1, max: MAX_LOG_BACKFILL })),
  }),
  /** Put one message on a queue: `payload` is JSON of the message type `typeName`. */
  'queue.send': object({
    queue: name,
    typeName: name,
    payload: str({ max: MAX_CONFIG_TEXT_CHARS, min: 1 }),
  }),
  /** The message types the deployment's descriptor sets define (for queue.send). */
  'queue.types': nothing,
  /**
   * The methods each program (or only `program`) offers to the invoke form, with their request
   * fields, or why it offers none.
   */
  'methods.list': object({ program: optional(name) }),
  /**
   * Call `service.method` (`package.Service`, method name) of the running deployment with the
   * request as JSON, from the caller "studio". A request that does not fit the input type is
   * `invalid-params` naming the field (`json.<path>`).
   */
  'method.invoke': object({
    service: name,
    method: name,
    json: str({ max: MAX_INVOKE_JSON_CHARS }),
  }),
  /** The invoke calls made on the open deployment (newest last, at most MAX_INVOKE_HISTORY). */
  'method.history': nothing,
  /** Traces matching `filter`, newest first (at most `limit`), from the current source. */
  'traces.list': object({
    filter: traceFilter,
    limit: optional(int({ min: 1, max: MAX_TRACE_LIST })),
  }),
  /** Every span of one trace (start order) and the log lines written in its calls. */
  'traces.get': object({ traceId: str({ max: 32, min: 32 }) }),
  /**
   * Write the current traces (and their log lines) as Chrome trace-event JSON to `file` (inside
   * the workspace roots, `.json`); default: `traces/<deployment>-<time>.trace.json` next to the
   * open deploy config.
   */
  'traces.save': object({ file: optional(path) }),
  /** Show a Chrome trace-event file (one the Studio or `parigot run --trace` wrote) instead. */
  'traces.open': object({ file: path }),
  /** Back to the running deployment's traces. */
  'traces.live': nothing,
  /** The request and response of one span, as captured while the Studio ran the deployment. */
  'traces.payload': object({ spanId: str({ max: 16, min: 16, pattern: /^[0-9a-f]{16}$/ }) }),
} as const satisfies Record<string, Checked<unknown>>

export type BridgeMethod = keyof typeof BRIDGE_METHODS
export type BridgeParams<M extends BridgeMethod> = CheckedType<(typeof BRIDGE_METHODS)[M]>

export interface BridgeResults {
  'studio.info': StudioInfo
  'deployment.open': ConfigText
  'deployment.status': DeploymentStatus
  'deployment.run': DeploymentStatus
  'deployment.stop': DeploymentStatus
  'deployment.restart': DeploymentStatus
  'service.restart': DeploymentStatus
  'graph.get': ServiceGraph
  'service.details': ServiceDetails
  'logs.subscribe': {
    readonly lines: readonly LogLine[]
    /** Older matching lines exist, or may: the backfill scan stops at its time budget. */
    readonly truncated: boolean
    /** The current run's log file, which holds what the backfill could not. */
    readonly file?: LogFileInfo
  }
  'config.validate': { readonly diagnostics: readonly ConfigDiagnostic[] }
  'config.read': ConfigText
  'config.save': ConfigText
  'workspace.files': WorkspaceFiles
  'queue.list': { readonly queues: readonly QueueView[] }
  'queue.peek': { readonly messages: readonly QueueMessageView[] }
  'queue.search': {
    readonly messages: readonly QueueMessageView[]
    /** The search stopped at its time budget: later messages were not looked at. */
    readonly incomplete?: true
  }
  'queue.delete': { readonly deleted: boolean }
  'queue.purge': { readonly removed: number }
  'queue.redrive': { readonly moved: number }
  'service.start': DeploymentStatus
  'service.stop': DeploymentStatus
  'logs.read': {
    readonly lines: readonly LogLine[]
    readonly file: LogFileInfo | undefined
    /** More lines in the range than `limit`: ask again from the last seq + 1. */
    readonly more: boolean
  }
  'logs.search': {
    readonly lines: readonly LogLine[]
    readonly file: LogFileInfo | undefined
    readonly more: boolean
  }
  'queue.send': { readonly msgId: string }
  'queue.types': { readonly types: readonly string[] }
  'methods.list': {
    readonly programs: readonly ProgramMethods[]
    /** Descriptor sets that could not be read, each with its reason. */
    readonly problems: readonly string[]
  }
  'method.invoke': InvokeRecord
  'method.history': { readonly calls: readonly InvokeRecord[] }
  'traces.list': {
    readonly traces: readonly TraceSummary[]
    /** Traces matching the filter, beyond `limit` too. */
    readonly matching: number
    readonly source: TraceSource
    /** Spans that fell out of the engine's ring (the oldest), counted. */
    readonly dropped: number
  }
  'traces.get': {
    readonly spans: readonly SpanRecord[]
    readonly logs: readonly LogRecord[]
  }
  'traces.save': { readonly file: string; readonly spans: number }
  'traces.open': { readonly source: TraceSource; readonly spans: number }
  'traces.live': { readonly source: TraceSource }
  'traces.payload': {
    /** Absent when the call had none, or nothing was captured (then `reason` says why). */
    readonly request?: PayloadView
    readonly response?: PayloadView
    readonly reason?: string
  }
}
export type BridgeResult<M extends BridgeMethod> = BridgeResults[M]

export function isBridgeMethod(value: unknown): value is BridgeMethod {
  return typeof value === 'string' && Object.hasOwn(BRIDGE_METHODS, value)
}

// ---------------------------------------------------------------------------------------------
// Events pushed from the engine

export interface BridgeEvents {
  'deployment-status': DeploymentStatus
  /** Kernel events in order, batched. */
  'kernel-events': readonly KernelEvent[]
  /** New log lines matching this connection's filter, batched (at most every ~50 ms). */
  logs: {
    readonly lines: readonly LogLine[]
    /** Lines this connection missed because it could not keep up (never silently). */
    readonly dropped: number
    /**
     * Where the missed lines were: [fromSeq, toSeq) ranges of the log, before this batch's
     * lines (the log file still has them: `logs.read`).
     */
    readonly gaps?: readonly { readonly fromSeq: number; readonly toSeq: number }[]
  }
  /** The queues changed (counts or messages); the inspector re-reads what it shows. */
  'queues-changed': { readonly queues: readonly string[] }
  /** The open deploy config changed on disk (not by a `config.save`); read it again. */
  'config-changed': { readonly file: string }
  /** New spans arrived (batched); the Calls panel lists again. */
  'traces-changed': { readonly spans: number }
}
export type BridgeEvent = keyof BridgeEvents

// ---------------------------------------------------------------------------------------------
// Errors

export const BRIDGE_ERROR_CODES = [
  'bad-message', // not JSON, not an object, missing id/method
  'too-large', // over MAX_BRIDGE_MESSAGE_BYTES
  'unknown-method',
  'invalid-params', // `field` names the offending parameter
  'no-deployment', // the method needs an open (or running) deployment
  'not-found', // the named service, queue, message or file does not exist
  'conflict', // not possible in the current state (e.g. run while running)
  'io', // reading or writing a file failed
  'forbidden', // a path outside the workspace roots (the answer does not say whether it exists)
  'internal',
] as const
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number]

export interface BridgeErrorBody {
  readonly code: BridgeErrorCode
  readonly message: string
  /** For invalid-params: dotted path of the field at fault. */
  readonly field?: string
}

/** Thrown by bridge clients when a call fails, so callers can branch on `code`. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError'
  readonly code: BridgeErrorCode
  readonly field: string | undefined
  constructor(body: BridgeErrorBody) {
    super(body.message)
    this.code = body.code
    this.field = body.field
  }
}

// ---------------------------------------------------------------------------------------------
// Wire envelopes (the WebSocket carries them as JSON text; IPC carries the same objects)

export interface BridgeRequest {
  readonly kind: 'request'
  readonly id: number
  readonly method: string
  readonly params: unknown
}

export type BridgeResponse =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly kind: 'response'
      readonly id: number | null
      readonly ok: false
      readonly error: BridgeErrorBody
    }

export interface BridgeEventMessage {
  readonly kind: 'event'
  readonly event: BridgeEvent
  readonly payload: unknown
}

export type BridgeServerMessage = BridgeResponse | BridgeEventMessage

// ---------------------------------------------------------------------------------------------
// What the renderer sees: one object, whichever transport carries it

export type StudioTransport = 'electron-ipc' | 'websocket'

export interface StudioBridge {
  readonly transport: StudioTransport
  call<M extends BridgeMethod>(method: M, params: BridgeParams<M>): Promise<BridgeResult<M>>
  /** Returns the function that unsubscribes. */
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void
}
