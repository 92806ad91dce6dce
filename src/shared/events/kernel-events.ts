/**
 * Every state change of a deployment, as one stream that the runner, the CLI and the UI
 * consume. Ids are canonical id strings (see src/shared/id), so events survive JSON and IPC.
 */

export const SERVICE_STATES = [
  'registered',
  'exported',
  'waiting',
  'running',
  'failed',
  'exited',
] as const
export type ServiceState = (typeof SERVICE_STATES)[number]

/** Why a required name is not yet satisfied, in words a user can act on. */
export interface UnmetRequirement {
  readonly name: string
  readonly reason: string
}

interface EventBase {
  readonly timeMs: number
}

/** An event as the kernel builds it; the stream adds the time. */
export type KernelEventBody =
  | { readonly type: 'host-added'; readonly host: string; readonly name: string }
  | {
      readonly type: 'host-ended'
      readonly host: string
      readonly name: string
      readonly outcome: 'exited' | 'failed'
      readonly exitCode?: number
      readonly reason?: string
    }
  | {
      readonly type: 'service-registered'
      readonly service: string
      readonly name: string
      readonly host: string
    }
  | { readonly type: 'service-exported'; readonly service: string; readonly names: string[] }
  | {
      readonly type: 'service-state'
      readonly service: string
      readonly name: string
      readonly state: ServiceState
      readonly reason?: string
      readonly exitCode?: number
    }
  | {
      readonly type: 'waiting-for'
      readonly service: string
      readonly name: string
      readonly unmet: UnmetRequirement[]
    }
  | { readonly type: 'require-edge'; readonly service: string; readonly required: string }
  | {
      readonly type: 'dependency-cycle'
      readonly service: string
      /** The services around the cycle, first repeated at the end: A -> B -> A. */
      readonly cycle: string[]
      /** The kernel's own account: which service, which require/export, and the cycle by name. */
      readonly reason: string
    }
  | {
      readonly type: 'call-started'
      readonly call: string
      readonly caller: string
      readonly target: string
      readonly method: string
      /** When the caller dispatched it (a direct call is booked a little later). */
      readonly startMs?: number
    }
  | {
      readonly type: 'call-finished'
      readonly call: string
      readonly caller: string
      readonly target: string
      readonly method: string
      readonly latencyMs: number
      readonly resultError: number
      /** Non-zero when the kernel, not the callee, ended the call (KernelErr). */
      readonly kernelError: number
    }
  | {
      /**
       * Every live guest waits for something no guest can give any more (and a main program is
       * among them): the deployment ends. One entry per guest, in words a user can act on.
       */
      readonly type: 'deadlock'
      readonly guests: readonly {
        readonly host: string
        readonly name: string
        readonly waitsFor: string
      }[]
      /** The whole report, one line per guest. */
      readonly reason: string
    }
  | {
      readonly type: 'shutdown-requested'
      readonly byService: string
      readonly exitCode: number
    }

export type KernelEvent = KernelEventBody & EventBase

export type KernelEventType = KernelEvent['type']
