import type { HostFunctionDef, WasmImport } from '../../engine/host-function'
import { outBufferCapacity } from '../../engine/invoke'
import { KernelErr } from '../../../shared/gen/parigot/syscall/v1/syscall_pb'
import { State, Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import { SYSCALLS } from '../../kernel/syscall-table'

/** Spins this many times on the state word before sleeping in Atomics.wait. */
const SPIN_LIMIT = 2000

/**
 * The `parigot.*` imports as a guest's worker provides them: each copies the request from
 * guest memory into the syscall channel, blocks this worker until the kernel answers, and
 * copies the answer back, keeping the ABI of docs/abi.md (capacity word, DataTooLarge with the
 * required length, errors at errPtr).
 */
export function syscallForwarders(channel: Channel): HostFunctionDef[] {
  return SYSCALLS.map((entry, index) => ({
    module: 'parigot',
    name: entry.name,
    bind: (guest): WasmImport => {
      const { header, data } = channel
      const qualified = `parigot.${entry.name}`
      return (inLenArg: number, inPtrArg: number, outPtrArg: number, errPtrArg: number) => {
        const memory = guest.memory()
        const inLen = inLenArg >>> 0
        const outPtr = outPtrArg >>> 0
        const errPtr = errPtrArg >>> 0
        const capacity = outBufferCapacity(guest, errPtr, qualified)
        const request = memory.peek(inPtrArg, inLen)
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
        data.set(request)
        Atomics.store(header, Word.FUNCTION, index)
        Atomics.store(header, Word.REQUEST_LENGTH, inLen)
        Atomics.store(header, Word.CAPACITY, capacity)
        Atomics.add(header, Word.SYSCALL_COUNT, 1)
        Atomics.store(header, Word.STATE, State.REQUEST)
        Atomics.notify(header, Word.STATE)
        awaitResponse(header)
        const code = Atomics.load(header, Word.RESULT_CODE)
        const length = Atomics.load(header, Word.RESULT_LENGTH)
        Atomics.store(header, Word.STATE, State.IDLE)
        if (code === KernelErr.DataTooLarge) {
          memory.writeI32(errPtr, code)
          return BigInt(length) << 32n
        }
        if (code !== KernelErr.NoError) {
          memory.writeI32(errPtr, code)
          return 0n
        }
        if (entry.response === undefined) {
          memory.writeI32(errPtr, 0)
          return 0n
        }
        if (!memory.write(outPtr, data.subarray(0, length))) {
          guest.logger.log(
            'warn',
            `${qualified}: out buffer [${outPtr}, +${length}) is outside guest memory (${memory.size} bytes)`,
          )
          memory.writeI32(errPtr, KernelErr.GuestWriteFailed)
          return 0n
        }
        memory.writeI32(errPtr, 0)
        return (BigInt(length) << 32n) | BigInt(outPtr)
      }
    },
  }))
}

/** A short bounded spin (the kernel often answers within microseconds), then a real sleep. */
function awaitResponse(header: Int32Array): void {
  for (let i = 0; i < SPIN_LIMIT; i++) {
    if (Atomics.load(header, Word.STATE) === State.RESPONSE) return
  }
  while (Atomics.load(header, Word.STATE) !== State.RESPONSE) {
    Atomics.wait(header, Word.STATE, State.REQUEST)
  }
}
