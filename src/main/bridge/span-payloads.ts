// Requests and responses of the running deployment's calls, as the guests' workers captured them
// (bounded: runner/worker/payload-capture.ts), kept by span id and decoded to JSON when asked,
// through the deployment's descriptors. The bytes are the guests': a type nobody describes, a
// cut payload or bytes that are not the message they claim to be are shown as hex with the
// reason, never thrown.
import { fromBinary, toJson } from '@bufbuild/protobuf'
import type { Registry } from '@bufbuild/protobuf'
import type { BridgeResults, PayloadView } from '../../shared/bridge/contract'
import type { CapturedPayload, SpanPayloads } from '../../shared/trace/payload'
import { describeError } from './errors'

/** Calls whose payloads are kept; the oldest go first. */
export const MAX_KEPT_PAYLOADS = 4096
/** And at most this many bytes of them in all. */
export const MAX_KEPT_PAYLOAD_BYTES = 16 * 1024 * 1024

export class PayloadShelf {
  private readonly bySpan = new Map<string, SpanPayloads>()
  private bytes = 0
  /** Calls whose payloads fell off the shelf. */
  dropped = 0

  add(spanId: string, payloads: SpanPayloads): void {
    this.bySpan.set(spanId, payloads)
    this.bytes += sizeOf(payloads)
    while (this.bySpan.size > MAX_KEPT_PAYLOADS || this.bytes > MAX_KEPT_PAYLOAD_BYTES) {
      const oldest = this.bySpan.entries().next().value
      if (oldest === undefined) break
      this.bySpan.delete(oldest[0])
      this.bytes -= sizeOf(oldest[1])
      this.dropped++
    }
  }

  get(spanId: string): SpanPayloads | undefined {
    return this.bySpan.get(spanId)
  }

  clear(): void {
    this.bySpan.clear()
    this.bytes = 0
  }
}

function sizeOf(p: SpanPayloads): number {
  return (p.request?.bytes.byteLength ?? 0) + (p.response?.bytes.byteLength ?? 0)
}

/** A span's payloads for `traces.payload`, decoded through `registry` where it can. */
export function spanPayloadView(
  payloads: SpanPayloads,
  registry: Registry | undefined,
): BridgeResults['traces.payload'] {
  return {
    ...(payloads.request ? { request: payloadView(payloads.request, registry) } : {}),
    ...(payloads.response ? { response: payloadView(payloads.response, registry) } : {}),
  }
}

export function payloadView(payload: CapturedPayload, registry: Registry | undefined): PayloadView {
  const typeName = payload.typeUrl.slice(payload.typeUrl.lastIndexOf('/') + 1)
  const base = { typeName, size: payload.size, captured: payload.bytes.byteLength }
  const raw = (problem: string): PayloadView => ({ ...base, hex: hex(payload.bytes), problem })
  if (payload.bytes.byteLength < payload.size)
    return raw(`cut: ${payload.bytes.byteLength} of ${payload.size} bytes captured`)
  if (typeName === '') return raw('it names no type (no type URL)')
  const desc = registry?.getMessage(typeName)
  if (desc === undefined)
    return raw(
      registry === undefined
        ? `no descriptors: ${typeName} cannot be decoded`
        : `the descriptors do not describe ${typeName}`,
    )
  try {
    const json = toJson(desc, fromBinary(desc, payload.bytes), { registry })
    return { ...base, json: JSON.stringify(json, null, 2) }
  } catch (err) {
    return raw(`not a valid ${typeName}: ${describeError(err)}`)
  }
}

function hex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    out += (bytes[i] as number).toString(16).padStart(2, '0')
    if (i + 1 < bytes.length) out += i % 16 === 15 ? '\n' : ' '
  }
  return out
}
