import { MAX_PAYLOAD_BYTES, MAX_TYPE_URL_CHARS } from '../../../shared/trace/payload'
import type { CapturedPayload } from '../../../shared/trace/payload'
import { keyOf, scan } from './wire'
import type { Field } from './wire'
import {
  AnyFields,
  ReadOneResponseFields,
  ReturnValueRequestFields,
} from '../../../shared/wire-fields/gen/fields'

/** Requests remembered for calls not yet answered; beyond this the oldest are forgotten. */
const MAX_OPEN = 1024
/** Captured calls sent together (one message to the main thread for many calls)... */
const BATCH_CALLS = 64
/** ...or once the oldest waiting is this old, or whenever the guest's read_one_ finds no call. */
const BATCH_MS = 20

/** One finished call as captured on the callee's side (`call` is a wire key). */
export interface CapturedCall {
  readonly call: string
  readonly request?: CapturedPayload
  readonly response?: CapturedPayload
  readonly resultError: number
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/**
 * Captures each call's request and response on the callee's side, in its worker, whichever
 * path the call took (through the kernel, worker to worker, between worker-mates, or from the
 * Studio's caller): read_one_ hands the guest the call with its `param`, and return_value_
 * carries its `result`. Both are `Any`s in the guest's own bytes; at most MAX_PAYLOAD_BYTES of
 * each are copied. The pairs go out in batches, so a busy guest costs the main thread one
 * message per BATCH_CALLS calls: when the batch is full, when its oldest is BATCH_MS old, or
 * when read_one_ answers anything but a call (the SDK's event loop reads with a 50 ms timeout,
 * so an idle guest sends what it holds within about that; a shared worker flushes its guests'
 * before it sleeps, and every guest before it is reported ended). Only made when a Studio runs the
 * deployment, or on a host of a cluster (an attached Studio asks it for them:
 * cluster/host-payloads.ts): the bench's in-process hot path and a plain `parigot run` never pay
 * for it.
 */
export class PayloadCapture {
  private readonly open = new Map<string, CapturedPayload | undefined>()
  private batch: CapturedCall[] = []
  private batchSince = 0

  constructor(private readonly deliver: (calls: CapturedCall[]) => void) {}

  /** Sends what is waiting. */
  flush(): void {
    if (this.batch.length === 0) return
    const calls = this.batch
    this.batch = []
    this.deliver(calls)
  }

  /** After read_one_ answered (NoError): an inbound call's id and param. */
  afterRead(bytes: Uint8Array): void {
    const msg = scan(bytes)
    const callId = msg?.fields.get(ReadOneResponseFields.callId)
    if (msg === undefined || callId === undefined) {
      this.flush()
      return
    }
    if (this.open.size >= MAX_OPEN) {
      const oldest = this.open.keys().next().value
      if (oldest !== undefined) this.open.delete(oldest)
    }
    this.open.set(keyOf(bytes, callId), anyOf(bytes, msg.fields.get(ReadOneResponseFields.param)))
  }

  /** Before return_value_ goes out: the call's result or error. */
  beforeReturn(request: Uint8Array): void {
    const msg = scan(request)
    const callId = msg?.fields.get(ReturnValueRequestFields.callId)
    if (msg === undefined || callId === undefined) return
    const call = keyOf(request, callId)
    const captured = this.open.get(call)
    const known = this.open.delete(call)
    const response = anyOf(request, msg.fields.get(ReturnValueRequestFields.result))
    const now = performance.now()
    if (this.batch.length === 0) this.batchSince = now
    this.batch.push({
      call,
      ...(known && captured !== undefined ? { request: captured } : {}),
      ...(response !== undefined ? { response } : {}),
      resultError: msg.fields.get(ReturnValueRequestFields.resultError)?.value ?? 0,
    })
    if (this.batch.length >= BATCH_CALLS || now - this.batchSince >= BATCH_MS) this.flush()
  }
}

/** An `Any` field as a bounded copy, or undefined when absent or bad. */
function anyOf(bytes: Uint8Array, field: Field | undefined): CapturedPayload | undefined {
  if (field === undefined) return undefined
  const any = bytes.subarray(field.start, field.end)
  const msg = scan(any)
  if (msg === undefined)
    return { typeUrl: '', size: any.byteLength, bytes: any.slice(0, MAX_PAYLOAD_BYTES) }
  const url = msg.fields.get(AnyFields.typeUrl)
  const value = msg.fields.get(AnyFields.value)
  const typeUrl =
    url === undefined
      ? ''
      : utf8.decode(any.subarray(url.start, Math.min(url.end, url.start + MAX_TYPE_URL_CHARS)))
  if (value === undefined) return { typeUrl, size: 0, bytes: new Uint8Array(0) }
  return {
    typeUrl,
    size: value.end - value.start,
    bytes: any.slice(value.start, Math.min(value.end, value.start + MAX_PAYLOAD_BYTES)),
  }
}
