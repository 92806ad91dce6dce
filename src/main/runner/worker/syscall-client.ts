import type { HostFunctionDef, WasmImport } from '../../engine/host-function'
import { outBufferCapacity } from '../../engine/out-buffer'
import { PeekCache } from '../../engine/guest-memory'
import { SYSCALL_ABI, WORKER_KERNEL_ERR as KernelErr } from '../../kernel/syscall-abi'
import { POLL_FLAG, State, Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import { count, COUNTING } from '../../kernel/transport/call-counters'
import { DirectPath } from './direct-path'
import type { IdleTracker } from './idle-tracker'
import type { CallContext } from './call-context'
import type { PayloadCapture } from './payload-capture'
import type { DirectPathConfig } from './direct-path'

/** Spins this many times on the state word before sleeping in Atomics.wait. */
const SPIN_LIMIT = 2000

/**
 * The `parigot.*` imports as a guest's worker provides them: each copies the request from
 * guest memory into the syscall channel, blocks this worker until the kernel answers, and
 * copies the answer back, keeping the ABI of docs/abi.md (capacity word, DataTooLarge with the
 * required length, errors at errPtr).
 */
export function syscallForwarders(
  channel: Channel,
  directConfig?: DirectPathConfig,
  idle?: IdleTracker,
  /** Told of the guest's DirectPath (a worker shared by several guests links them). */
  onDirect?: (direct: DirectPath) => void,
  /** Present when the deployment traces calls (docs/architecture.md, "Traces"). */
  context?: CallContext,
  /** Present when a Studio runs the deployment: requests and responses (payload-capture.ts). */
  capture?: PayloadCapture,
): HostFunctionDef[] {
  const { header, data } = channel
  /** Posts a request to the kernel and blocks until it answers; the answer is in `data`. */
  const viaKernel = (fn: number, request: Uint8Array, capacity: number) => {
    if (COUNTING)
      count(
        `kernel-roundtrip ${SYSCALL_ABI[fn & ~POLL_FLAG]?.name}${fn & POLL_FLAG ? ' (poll)' : ''}`,
      )
    direct?.beforeKernel()
    data.set(request)
    Atomics.store(header, Word.FUNCTION, fn)
    Atomics.store(header, Word.REQUEST_LENGTH, request.byteLength)
    Atomics.store(header, Word.CAPACITY, capacity)
    Atomics.store(header, Word.STATE, State.REQUEST)
    Atomics.notify(header, Word.STATE)
    awaitResponse(header)
    const code = Atomics.load(header, Word.RESULT_CODE)
    const length = Atomics.load(header, Word.RESULT_LENGTH)
    Atomics.store(header, Word.STATE, State.IDLE)
    return { code, length }
  }
  const readOneIndex = SYSCALL_ABI.findIndex((s) => s.name === 'read_one_')
  const direct =
    directConfig &&
    new DirectPath(directConfig, channel, (request, capacity) => {
      const { code, length } = viaKernel(readOneIndex | POLL_FLAG, request, capacity)
      const empty = code === KernelErr.NoError && Atomics.load(header, Word.EMPTY) === 1
      return { code, length, bytes: undefined, empty }
    })
  if (direct) onDirect?.(direct)
  return SYSCALL_ABI.map((entry, index) => ({
    module: 'parigot',
    name: entry.name,
    bind: (guest): WasmImport => {
      const qualified = `parigot.${entry.name}`
      const requestViews = new PeekCache()
      // The last two answers' (length, out pointer) and their i64s: a guest's answers mostly
      // repeat (its out buffer is fixed; a call's answer alike, or a timeout), and each new
      // BigInt is garbage.
      const packed = new PackedAnswers()
      return (inLenArg: number, inPtrArg: number, outPtrArg: number, errPtrArg: number) => {
        const memory = guest.memory()
        const inLen = inLenArg >>> 0
        const outPtr = outPtrArg >>> 0
        const errPtr = errPtrArg >>> 0
        const capacity = outBufferCapacity(guest, errPtr, qualified)
        const request = memory.peekCached(requestViews, inPtrArg, inLen)
        if (request === undefined || inLen > data.byteLength) {
          guest.logger.log(
            'warn',
            request === undefined
              ? `${qualified}: request [${inPtrArg >>> 0}, +${inLen}) is outside guest memory (${memory.size} bytes)`
              : `${qualified}: request of ${inLen} bytes exceeds the ${data.byteLength}-byte syscall limit`,
          )
          memory.writeI32(errPtr, KernelErr.GuestReadFailed)
          return 0n
        }
        // The whole out buffer the guest declared must be writable before the kernel acts:
        // after it has (read_one_ hands out a result, dispatch_ queues a call), a failed write
        // would lose what it answered.
        const outProblem = !entry.answers
          ? undefined
          : outBufferProblem(memory, outPtr, capacity, errPtr)
        if (outProblem !== undefined) {
          guest.logger.log('warn', `${qualified}: ${outProblem}; the kernel was not called`)
          memory.writeI32(errPtr, KernelErr.GuestWriteFailed)
          return 0n
        }
        Atomics.add(header, Word.SYSCALL_COUNT, 1)
        if (COUNTING) count(`syscall ${entry.name}`)
        const isRead = entry.name === 'read_one_'
        if (isRead) idle?.reading()
        else idle?.active()
        if (context !== undefined && entry.name === 'dispatch_') context.beforeDispatch(request)
        if (capture !== undefined && entry.name === 'return_value_') capture.beforeReturn(request)
        let answer = direct?.serve(entry.name, request, capacity)
        if (answer === undefined) {
          answer = { ...viaKernel(index, request, capacity), bytes: undefined }
          direct?.kernelAnswered(entry.name, answer.code)
        }
        const { code, length } = answer
        if (isRead && idle !== undefined) {
          idle.answered(code === KernelErr.NoError ? (answer.bytes ?? data) : undefined, length)
        }
        if (isRead && context !== undefined && code === KernelErr.NoError) {
          context.afterRead(answer.bytes ?? data, length)
          capture?.afterRead((answer.bytes ?? data).subarray(0, length))
        }
        if (code === KernelErr.DataTooLarge) {
          memory.writeI32(errPtr, code)
          return BigInt(length) << 32n
        }
        if (code !== KernelErr.NoError) {
          memory.writeI32(errPtr, code)
          return 0n
        }
        if (!entry.answers) {
          memory.writeI32(errPtr, 0)
          return 0n
        }
        if (!memory.writeFrom(outPtr, answer.bytes ?? data, 0, length)) {
          guest.logger.log(
            'warn',
            `${qualified}: out buffer [${outPtr}, +${length}) is outside guest memory (${memory.size} bytes)`,
          )
          memory.writeI32(errPtr, KernelErr.GuestWriteFailed)
          return 0n
        }
        memory.writeI32(errPtr, 0)
        return packed.of(length, outPtr)
      }
    },
  }))
}

/** Why the out buffer `[outPtr, outPtr+capacity)` cannot take an answer, or undefined. */
function outBufferProblem(
  memory: { contains(ptr: number, len: number): boolean; readonly size: number },
  outPtr: number,
  capacity: number,
  errPtr: number,
): string | undefined {
  if (!memory.contains(outPtr, capacity)) {
    return `out buffer [${outPtr}, +${capacity}) is outside guest memory (${memory.size} bytes)`
  }
  if (outPtr < errPtr + 4 && errPtr < outPtr + capacity) {
    return `out buffer [${outPtr}, +${capacity}) overlaps the error word at ${errPtr}`
  }
  return undefined
}

/** A short bounded spin (the kernel often answers within microseconds), then a real sleep. */
function awaitResponse(header: Int32Array): void {
  for (let i = 0; i < SPIN_LIMIT; i++) {
    if (Atomics.load(header, Word.STATE) === State.RESPONSE) return
  }
  while (Atomics.load(header, Word.STATE) !== State.RESPONSE) {
    if (COUNTING) count('kernel-answer-wait')
    Atomics.wait(header, Word.STATE, State.REQUEST)
  }
}

/** The i64 a syscall returns for an answer of `length` bytes at `outPtr`, the last two kept. */
class PackedAnswers {
  private readonly lengths = [-1, -1]
  private readonly outs = [-1, -1]
  private readonly values = [0n, 0n]
  private older = 0

  of(length: number, outPtr: number): bigint {
    for (let i = 0; i < 2; i++) {
      if (this.lengths[i] === length && this.outs[i] === outPtr) return this.values[i] as bigint
    }
    // One BigInt instead of three where the sum is exact in a double (length < 2^21).
    const value =
      length < 0x200000
        ? BigInt(length * 0x1_0000_0000 + outPtr)
        : (BigInt(length) << 32n) | BigInt(outPtr)
    const i = this.older
    this.lengths[i] = length
    this.outs[i] = outPtr
    this.values[i] = value
    this.older = 1 - i
    return value
  }
}
