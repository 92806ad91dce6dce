// The values that travel over the Studio bridge (contract.ts): what the engine answers and
// pushes, as the renderer shows it. Pure types: no platform imports. contract.ts re-exports
// them all, so importers keep importing from there.
import type { ConfigDiagnostic } from '../deploy-config/types'
import type { ServiceState, UnmetRequirement } from '../events/kernel-events'
import type { LogLevel, LogRecord } from '../log/log-record'
import type { SpanRecord } from '../trace/span'

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
  /** JetStream queues: acknowledged messages leave the stream, so `done` is always 0. */
  readonly doneNotKept?: true
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
