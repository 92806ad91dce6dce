/**
 * A call's request and response as captured for the Studio (only while a Studio runs the
 * deployment, or on a host of a cluster: capture costs each call a copy and a message). Each is
 * the `Any` the guests exchanged: its type URL and at most MAX_PAYLOAD_BYTES of its value, with
 * the full size, so a truncated payload says by how much.
 */
export const MAX_PAYLOAD_BYTES = 4096
/** Longer type URLs are cut (they come from a guest). */
export const MAX_TYPE_URL_CHARS = 256

export interface CapturedPayload {
  /** The Any's type URL (`type.googleapis.com/package.Message`), '' when it had none. */
  readonly typeUrl: string
  /** The value's full size in bytes. */
  readonly size: number
  /** Its first MAX_PAYLOAD_BYTES bytes at most. */
  readonly bytes: Uint8Array
}

/** What was captured of one call; `request` or `response` is absent when the call had none. */
export interface SpanPayloads {
  readonly request?: CapturedPayload
  readonly response?: CapturedPayload
  /** The callee's error code (its response is then usually empty). */
  readonly resultError: number
}
