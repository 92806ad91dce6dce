// The line of the span payload panel that says where a call's request and response come from:
// in a Studio attached to a cluster, the host that served the call (it keeps them, and answered
// for them); and plainly when that host, or the deployment run here, captures nothing.
import type { BridgeResults } from '../../../../shared/bridge/contract'

export interface PayloadSource {
  readonly text: string
  /** Capture is off: the text says so and is the whole answer. */
  readonly captureOff: boolean
}

export function payloadSource(answer: BridgeResults['traces.payload']): PayloadSource | undefined {
  const { host, captureOff } = answer
  if (captureOff === true)
    return {
      captureOff: true,
      text:
        host === undefined
          ? 'Payload capture is off in this deployment ([cluster] capture_payloads = false): no request or response is kept.'
          : `Payload capture is off on host ${host} ([cluster] capture_payloads = false in its deploy config): it keeps no request or response.`,
    }
  if (host === undefined) return undefined
  return { captureOff: false, text: `From host ${host}, which served this call.` }
}
