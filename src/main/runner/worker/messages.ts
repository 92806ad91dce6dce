import type { IdRaw } from '../../../shared/id'
import type { LogLevel } from '../../../shared/log/log-record'
import type { PluginSpec } from '../../plugins/plugin-api'
import type { CapturedCall } from './payload-capture'
import type { AttachQueueBroker } from '../../plugins/queue/jetstream/protocol'

/** What the supervisor hands a new guest worker. */
export interface GuestWorkerData {
  readonly module: WebAssembly.Module
  readonly origin: string
  readonly serviceName: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly channel: SharedArrayBuffer
  /** The host id the kernel gave this guest (plugins see it in their host context). */
  readonly hostId: IdRaw
  /** Plugins to initialise in this worker's engine before the guest is instantiated. */
  readonly plugins: readonly PluginSpec[]
  readonly dataDir: string
  /** The module's memory cap (MiB), to name it when the guest traps at it. */
  readonly memoryLimitMb?: number
  /** Track which call the guest handles, for spans and log lines (runner/worker/call-context.ts). */
  readonly tracing?: boolean
  /** Capture each call's request and response (runner/worker/payload-capture.ts); with tracing. */
  readonly capturePayloads?: boolean
  /** The worker-to-worker path (docs/architecture.md), when the deployment has one. */
  readonly direct?: {
    readonly switchboard: SharedArrayBuffer
    readonly slot: number
    readonly gen: number
    readonly inboundQueue: number
    readonly callTimeoutMs: number
  }
}

/** The one message a guest worker receives: which guest to run, or which guests to share it. */
export type SupervisorMessage =
  | { readonly type: 'run'; readonly data: GuestWorkerData }
  | { readonly type: 'run-group'; readonly data: readonly GuestWorkerData[] }

/**
 * Messages a guest worker posts to the supervisor; in a shared worker, `guest` is the index of
 * the guest (in the run-group list) a message is about.
 */
export type WorkerMessage = WorkerEvent & { readonly guest?: number }

type WorkerEvent =
  /** Loaded and waiting for `run` (the pool's signal that a worker is warm). */
  | { readonly type: 'ready' }
  | {
      readonly type: 'log'
      readonly level: LogLevel
      readonly message: string
      readonly timeMs: number
      /** The call the guest was handling (a wire key), when tracing. */
      readonly call?: string
    }
  | { readonly type: 'started' }
  /** Calls this guest served, as captured (only with `capturePayloads`). */
  | { readonly type: 'payloads'; readonly calls: readonly CapturedCall[] }
  /** The guest waits for good (channel word IDLE was just set): time to check for deadlock. */
  | { readonly type: 'idle' }
  | { readonly type: 'instantiate-failed'; readonly message: string }
  /** A queue plugin of this thread asks to be joined to the process's JetStream broker. */
  | AttachQueueBroker
  | { readonly type: 'ended'; readonly kind: 'exited'; readonly code: number }
  | { readonly type: 'ended'; readonly kind: 'failed'; readonly reason: string }
