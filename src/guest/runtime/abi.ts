// The host-call ABI (docs/abi.md): the raw imports and hostCall, which places a request, passes
// the out-buffer capacity in the error word, reads the error code back and retries once with a
// bigger buffer when the host answers DataTooLarge.

export {
  register_,
  export_,
  require_,
  bind_method_,
  launch_,
  locate_,
  dispatch_,
  return_value_,
  read_one_,
  exit_,
  synchronous_exit_,
  block_until_call_,
} from './parigot'
import { requestLen, requestPtr } from './scratch-writer'

export {
  fd_write,
  random_get,
  proc_exit,
  poll_oneoff,
  args_sizes_get,
  args_get,
  clock_time_get,
} from './wasi_snapshot_preview1'

/** The signature of every non-WASI host function. */
export type HostFn = (inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize) => i64

/** The out-buffer size used unless a call asks for more (the original's fixed size). */
export const DEFAULT_OUT_CAPACITY: i32 = 4096

/** KernelErr.DataTooLarge: the response needs a bigger out buffer. */
export const KERNEL_DATA_TOO_LARGE: i32 = 6

/** The outcome of a host call: `err` 0 and the response bytes (possibly empty), or an error. */
export class HostResult {
  constructor(
    public err: i32,
    public response: Uint8Array,
  ) {}

  get ok(): bool {
    return this.err == 0
  }
}

// The error word lives in static memory; the default out buffer is allocated once and reused
// (responses are copied out of it, so callers may keep them).
const errWord: usize = memory.data(4, 4)
let sharedOut: Uint8Array | null = null

function defaultOut(): Uint8Array {
  let out = sharedOut
  if (out == null) {
    out = new Uint8Array(DEFAULT_OUT_CAPACITY)
    sharedOut = out
  }
  return out
}

function invoke(fn: HostFn, request: Uint8Array, out: Uint8Array): i64 {
  store<i32>(errWord, out.length)
  return fn(request.length, request.dataStart, out.dataStart, errWord)
}

/**
 * Calls a host function. `capacity` sizes the out buffer (default 4096); `dataTooLarge` is the
 * host module's DataTooLarge code (the kernel's by default; plugins have their own).
 */
export function hostCall(
  fn: HostFn,
  request: Uint8Array,
  capacity: i32 = DEFAULT_OUT_CAPACITY,
  dataTooLarge: i32 = KERNEL_DATA_TOO_LARGE,
): HostResult {
  let out = capacity == DEFAULT_OUT_CAPACITY ? defaultOut() : new Uint8Array(capacity)
  let ret = invoke(fn, request, out)
  let err = load<i32>(errWord)
  if (err == dataTooLarge) {
    const needed = <i32>((<u64>ret) >>> 32)
    if (needed > out.length) {
      out = new Uint8Array(needed)
      ret = invoke(fn, request, out)
      err = load<i32>(errWord)
    }
  }
  if (err != 0) return new HostResult(err, new Uint8Array(0))
  const len = <i32>((<u64>ret) >>> 32)
  if (len <= 0) return new HostResult(0, new Uint8Array(0))
  return new HostResult(0, out.slice(0, min(len, out.length)))
}

// Where the last hostCallScratch left its response (in the shared out buffer, or in `largeOut`
// when the host asked for more room): valid until the next host call.
let responseAt: usize = 0
let responseLength: i32 = 0
let largeOut: Uint8Array | null = null

/** Where hostCallScratch's response starts. */
export function responsePtr(): usize {
  return responseAt
}

/** How many bytes hostCallScratch's response has. */
export function responseLen(): i32 {
  return responseLength
}

/**
 * Calls a kernel host function with the request in the scratch buffer (scratch-writer.ts) and
 * leaves the response where responsePtr()/responseLen() say, without copying it: for the
 * syscalls every call makes (call-codec.ts). Retries once with a bigger buffer on DataTooLarge,
 * as hostCall does. Returns the error code.
 */
export function hostCallScratch(fn: HostFn): i32 {
  let out = defaultOut()
  store<i32>(errWord, out.length)
  let ret = fn(requestLen(), requestPtr(), out.dataStart, errWord)
  let err = load<i32>(errWord)
  if (err == KERNEL_DATA_TOO_LARGE) {
    const needed = <i32>((<u64>ret) >>> 32)
    if (needed > out.length) {
      out = new Uint8Array(needed)
      largeOut = out
      store<i32>(errWord, out.length)
      ret = fn(requestLen(), requestPtr(), out.dataStart, errWord)
      err = load<i32>(errWord)
    }
  }
  responseAt = out.dataStart
  const len = <i32>((<u64>ret) >>> 32)
  responseLength = err != 0 || len <= 0 ? 0 : min(len, out.length)
  return err
}
