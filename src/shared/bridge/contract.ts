// The Studio bridge: every call the renderer makes to the engine and every event the engine
// pushes, with a runtime validator for each call's parameters. Both transports (Electron IPC
// through the preload, and the WebSocket of `parigot serve`) carry exactly these messages, so
// the renderer never knows which one it has. Pure types and validators: no platform imports.
import type { ConfigDiagnostic } from '../deploy-config/types'
import type { KernelEvent } from '../events/kernel-events'
import { LOG_LEVELS } from '../log/log-record'
import type { LogRecord } from '../log/log-record'
import type { SpanRecord } from '../trace/span'
import { array, bool, int, object, oneOf, optional, str } from './validate'
import type { Checked, CheckedType } from './validate'
import { MESSAGE_STATES } from './values'
import type {
  ConfigText,
  DeploymentStatus,
  InvokeRecord,
  LogFileInfo,
  LogLine,
  PayloadView,
  ProgramMethods,
  QueueMessageView,
  QueueView,
  ServiceDetails,
  ServiceGraph,
  StudioInfo,
  TraceSource,
  TraceSummary,
  WorkspaceFiles,
} from './values'

export * from './values'

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
    /** Attached to a cluster: the host that served the call and answered for its payloads. */
    readonly host?: string
    /** The deploy config says `[cluster] capture_payloads = false` (for `host`, when given). */
    readonly captureOff?: boolean
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
