/**
 * The syscall channel between one guest's worker and the kernel: a SharedArrayBuffer with a
 * small header of int32 words and a data area. The worker writes a request and blocks; the
 * kernel writes the answer and wakes it. One request at a time per worker (a guest is
 * single-threaded), so no locking beyond the state word is needed.
 */

export const HEADER_BYTES = 128
export const DEFAULT_DATA_BYTES = 1024 * 1024

/** Int32 word indices in the header. */
export const Word = {
  /** IDLE -> REQUEST (worker) -> RESPONSE (kernel) -> IDLE (worker). */
  STATE: 0,
  FUNCTION: 1,
  REQUEST_LENGTH: 2,
  /** The guest's out-buffer capacity, so the kernel can refuse an answer that will not fit. */
  CAPACITY: 3,
  RESULT_CODE: 4,
  /** Response length, or the required length with DataTooLarge. */
  RESULT_LENGTH: 5,
  /** Count of syscalls made, for the supervisor's watchdog. */
  SYSCALL_COUNT: 6,
  /** Kernel: 1 when a read_one_ answer was "nothing to read" (a timeout). */
  EMPTY: 7,
  /** Kernel, after a successful dispatch_: the callee's switchboard slot (-1: none) and gen. */
  ROUTE_SLOT: 8,
  ROUTE_GEN: 9,
  /** Worker: 1 while its guest holds a call taken from its mailbox (for the watchdog). */
  SERVING: 10,
  /**
   * Worker: 1 while its guest waits for good (read_one_ again after an empty one, no other
   * host call since; see runner/worker/idle-tracker.ts), for the supervisor's deadlock check.
   */
  IDLE: 11,
  /**
   * Worker, before each dispatch_ (when tracing): the call its guest is handling, whose child
   * the new call is, as the four 32-bit words of its id (see kernel/transport/trace-words.ts);
   * all zero for a call made outside any call (a new trace). Words 12..15.
   */
  TRACE_PARENT: 12,
  /**
   * Worker: how many calls its guest took from its mailbox (wrapping), written before SERVING.
   * The watchdog times a served call from the first time it sees its count: no clock read per
   * call in the worker.
   */
  SERVED: 16,
} as const

/** Set in FUNCTION: answer now, never park (the worker waits on its mailbox meanwhile). */
export const POLL_FLAG = 0x10000

/** Byte offsets in the header (worker-written, for the watchdog). */
export const ServingBytes = {
  /** The call's service id and method id (IdRaw bytes, see switchboard writeRawId). */
  SERVICE: 72,
  METHOD: 96,
} as const

export const State = { IDLE: 0, REQUEST: 1, RESPONSE: 2 } as const

export interface Channel {
  readonly buffer: SharedArrayBuffer
  readonly header: Int32Array
  readonly data: Uint8Array
  readonly view: DataView
  /** The header as bytes. */
  readonly bytes: Uint8Array
}

export function createChannel(dataBytes = DEFAULT_DATA_BYTES): Channel {
  return openChannel(new SharedArrayBuffer(HEADER_BYTES + dataBytes))
}

export function openChannel(buffer: SharedArrayBuffer): Channel {
  return {
    buffer,
    header: new Int32Array(buffer, 0, HEADER_BYTES / 4),
    data: new Uint8Array(buffer, HEADER_BYTES),
    view: new DataView(buffer, 0, HEADER_BYTES),
    bytes: new Uint8Array(buffer, 0, HEADER_BYTES),
  }
}
