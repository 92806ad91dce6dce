import { GuestExit } from '../errors'
import type { GuestMemory } from '../guest-memory'
import type { WasmImport } from '../host-function'
import {
  ClockId,
  Errno,
  EventType,
  Filetype,
  PREVIEW1_FUNCTIONS,
  SUBCLOCKFLAG_ABSTIME,
} from './errno'
import type { Preview1Function } from './errno'
import { LineBuffer } from './line-buffer'
import { wallClockMs } from '../wall-clock'

export const WASI_MODULE = 'wasi_snapshot_preview1'

export interface WasiClock {
  realtimeNs(): bigint
  monotonicNs(): bigint
  /** Blocks the calling thread; guests run in workers, so this never stalls the UI. */
  sleepNs(ns: bigint): void
}

export interface WasiOptions {
  /** argv, including argv[0] (the service name by convention). */
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
  readonly clock?: WasiClock
  readonly randomFill?: (target: Uint8Array) => void
}

export interface WasiInstance {
  readonly imports: Record<Preview1Function, WasmImport>
  /** Emits partial last lines of stdout/stderr. */
  flush(): void
}

const STDIN = 0
const STDOUT = 1
const STDERR = 2
const FDSTAT_SIZE = 24
const FILESTAT_SIZE = 64
const SUBSCRIPTION_SIZE = 48
const EVENT_SIZE = 32
const RANDOM_CHUNK = 65536
/**
 * Small random_get requests (a guest draws 16 bytes for every call id) are served from a pool
 * refilled from the CSPRNG 4 KiB at a time: one getRandomValues per call cost the call path
 * more than a tenth of its CPU (docs/architecture.md, "Guests sharing a worker"). Each guest has
 * its own pool; bytes handed out are never handed out again.
 */
const RANDOM_POOL_BYTES = 4096
const RANDOM_POOLED_MAX = 256
/** Rights bits of a character device: fd_read, fdstat_set_flags, fd_write, filestat_get, poll. */
const STDIO_RIGHTS = 0x2n | 0x8n | 0x40n | 0x200000n | 0x8000000n

export const systemClock: WasiClock = {
  realtimeNs: (() => {
    const ms = wallClockMs()
    return () => BigInt(Math.round(ms() * 1e6))
  })(),
  // hrtime.bigint: one BigInt per read, where performance.now() also made an array (Node 20).
  monotonicNs: () => process.hrtime.bigint(),
  sleepNs(ns) {
    if (ns <= 0n) return
    const ms = Number(ns / 1_000_000n)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(ms, 1))
  },
}

/**
 * WASI preview 1 for one guest: argv and env from the deploy config, stdout/stderr as log
 * lines, clocks, randomness, poll on clocks, exit. There are no preopened directories, so every
 * path call answers as if the guest had no file system (files go through the `file` plugin).
 */
export function createWasiPreview1(options: WasiOptions, memory: () => GuestMemory): WasiInstance {
  const encoder = new TextEncoder()
  const argv = options.args.map((a) => encoder.encode(`${a}\0`))
  const envv = Object.entries(options.env).map(([k, v]) => encoder.encode(`${k}=${v}\0`))
  const clock = options.clock ?? systemClock
  const randomFill =
    options.randomFill ?? ((target: Uint8Array) => globalThis.crypto.getRandomValues(target))
  const pool = new Uint8Array(RANDOM_POOL_BYTES)
  let poolUsed = RANDOM_POOL_BYTES
  /** Copies `len` pooled bytes to `ptr` (in bounds), with no view of either per draw. */
  const fillSmall = (ptr: number, len: number): void => {
    if (poolUsed + len > RANDOM_POOL_BYTES) {
      randomFill(pool)
      poolUsed = 0
    }
    memory().writeFrom(ptr, pool, poolUsed, len)
    poolUsed += len
  }
  const out = new LineBuffer(options.stdout)
  const err = new LineBuffer(options.stderr)
  const isStdio = (fd: number): boolean => fd >>> 0 <= STDERR

  const writeStrings = (list: Uint8Array[], ptrsPtr: number, bufPtr: number): number => {
    const mem = memory()
    let offset = bufPtr >>> 0
    for (let i = 0; i < list.length; i++) {
      const item = list[i] as Uint8Array
      if (!mem.writeU32(ptrsPtr + i * 4, offset) || !mem.write(offset, item)) return Errno.FAULT
      offset += item.byteLength
    }
    return Errno.SUCCESS
  }
  const writeSizes = (list: Uint8Array[], countPtr: number, sizePtr: number): number => {
    const total = list.reduce((n, s) => n + s.byteLength, 0)
    const mem = memory()
    return mem.writeU32(countPtr, list.length) && mem.writeU32(sizePtr, total)
      ? Errno.SUCCESS
      : Errno.FAULT
  }
  const clockNow = (id: number): bigint | undefined => {
    switch (id) {
      case ClockId.REALTIME:
        return clock.realtimeNs()
      case ClockId.MONOTONIC:
      case ClockId.PROCESS_CPUTIME:
      case ClockId.THREAD_CPUTIME:
        return clock.monotonicNs()
      default:
        return undefined
    }
  }
  const notStdio = (fd: number, stdioErrno: number): number =>
    isStdio(fd) ? stdioErrno : Errno.BADF

  const imports: Record<Preview1Function, WasmImport> = {
    args_get: (argvPtr, bufPtr) => writeStrings(argv, argvPtr, bufPtr),
    args_sizes_get: (countPtr, sizePtr) => writeSizes(argv, countPtr, sizePtr),
    environ_get: (envPtr, bufPtr) => writeStrings(envv, envPtr, bufPtr),
    environ_sizes_get: (countPtr, sizePtr) => writeSizes(envv, countPtr, sizePtr),
    clock_res_get: (id, resPtr) => {
      if (clockNow(id) === undefined) return Errno.INVAL
      return memory().writeU64(resPtr, 1000n) ? Errno.SUCCESS : Errno.FAULT
    },
    clock_time_get: (id, _precision, timePtr) => {
      const now = clockNow(id)
      if (now === undefined) return Errno.INVAL
      return memory().writeU64(timePtr, now) ? Errno.SUCCESS : Errno.FAULT
    },
    fd_advise: (fd) => notStdio(fd, Errno.SPIPE),
    fd_allocate: (fd) => notStdio(fd, Errno.SPIPE),
    fd_close: (fd) => notStdio(fd, Errno.SUCCESS),
    fd_datasync: (fd) => notStdio(fd, Errno.INVAL),
    fd_fdstat_get: (fd, statPtr) => {
      if (!isStdio(fd)) return Errno.BADF
      const stat = new Uint8Array(FDSTAT_SIZE)
      const view = new DataView(stat.buffer)
      view.setUint8(0, Filetype.CHARACTER_DEVICE)
      view.setUint16(2, fd === STDIN ? 0 : 1, true) // stdout/stderr are append-only
      view.setBigUint64(8, STDIO_RIGHTS, true)
      return memory().write(statPtr, stat) ? Errno.SUCCESS : Errno.FAULT
    },
    fd_fdstat_set_flags: (fd) => notStdio(fd, Errno.SUCCESS),
    fd_fdstat_set_rights: (fd) => notStdio(fd, Errno.NOTCAPABLE),
    fd_filestat_get: (fd, statPtr) => {
      if (!isStdio(fd)) return Errno.BADF
      const stat = new Uint8Array(FILESTAT_SIZE)
      stat[16] = Filetype.CHARACTER_DEVICE
      return memory().write(statPtr, stat) ? Errno.SUCCESS : Errno.FAULT
    },
    fd_filestat_set_size: (fd) => notStdio(fd, Errno.SPIPE),
    fd_filestat_set_times: (fd) => notStdio(fd, Errno.NOTCAPABLE),
    fd_pread: (fd) => notStdio(fd, Errno.SPIPE),
    fd_prestat_get: () => Errno.BADF, // no preopened directories
    fd_prestat_dir_name: () => Errno.BADF,
    fd_pwrite: (fd) => notStdio(fd, Errno.SPIPE),
    fd_read: (fd, _iovs, _iovsLen, nreadPtr) => {
      if (fd !== STDIN) return notStdio(fd, Errno.BADF)
      // Guests have no interactive input: stdin is always at end of file.
      return memory().writeU32(nreadPtr, 0) ? Errno.SUCCESS : Errno.FAULT
    },
    fd_readdir: (fd) => notStdio(fd, Errno.NOTDIR),
    fd_renumber: (fd) => notStdio(fd, Errno.NOTSUP),
    fd_seek: (fd) => notStdio(fd, Errno.SPIPE),
    fd_sync: (fd) => notStdio(fd, Errno.INVAL),
    fd_tell: (fd) => notStdio(fd, Errno.SPIPE),
    fd_write: (fd, iovsPtr, iovsLen, nwrittenPtr) => {
      const sink = fd === STDOUT ? out : fd === STDERR ? err : undefined
      if (sink === undefined) return notStdio(fd, Errno.BADF)
      const mem = memory()
      let written = 0
      for (let i = 0; i < iovsLen >>> 0; i++) {
        const base = mem.readU32(iovsPtr + i * 8)
        const len = mem.readU32(iovsPtr + i * 8 + 4)
        if (base === undefined || len === undefined) return Errno.FAULT
        const bytes = mem.peek(base, len)
        if (bytes === undefined) return Errno.FAULT
        sink.push(bytes)
        written += len
      }
      return mem.writeU32(nwrittenPtr, written) ? Errno.SUCCESS : Errno.FAULT
    },
    path_create_directory: (fd) => notStdio(fd, Errno.NOTDIR),
    path_filestat_get: (fd) => notStdio(fd, Errno.NOTDIR),
    path_filestat_set_times: (fd) => notStdio(fd, Errno.NOTDIR),
    path_link: (fd) => notStdio(fd, Errno.NOTDIR),
    path_open: (fd) => notStdio(fd, Errno.NOTDIR),
    path_readlink: (fd) => notStdio(fd, Errno.NOTDIR),
    path_remove_directory: (fd) => notStdio(fd, Errno.NOTDIR),
    path_rename: (fd) => notStdio(fd, Errno.NOTDIR),
    path_symlink: (_old, _oldLen, fd) => notStdio(fd, Errno.NOTDIR),
    path_unlink_file: (fd) => notStdio(fd, Errno.NOTDIR),
    poll_oneoff: (inPtr, outPtr, nsubscriptions, neventsPtr) =>
      pollOneoff(memory(), clock, clockNow, inPtr, outPtr, nsubscriptions >>> 0, neventsPtr),
    proc_exit: (code) => {
      out.flush()
      err.flush()
      throw new GuestExit(code >>> 0)
    },
    proc_raise: () => Errno.NOSYS,
    sched_yield: () => Errno.SUCCESS,
    random_get: (bufPtr, len) => {
      const length = len >>> 0
      if (length <= RANDOM_POOLED_MAX) {
        if (!memory().contains(bufPtr, length)) return Errno.FAULT
        fillSmall(bufPtr, length)
        return Errno.SUCCESS
      }
      const target = memory().peek(bufPtr, length)
      if (target === undefined) return Errno.FAULT
      for (let offset = 0; offset < target.byteLength; offset += RANDOM_CHUNK) {
        randomFill(target.subarray(offset, Math.min(offset + RANDOM_CHUNK, target.byteLength)))
      }
      return Errno.SUCCESS
    },
    sock_accept: () => Errno.NOTSUP,
    sock_recv: () => Errno.NOTSUP,
    sock_send: () => Errno.NOTSUP,
    sock_shutdown: () => Errno.NOTSUP,
  }
  // Keep the table and the list in step: a missing entry would make instantiation fail later.
  for (const name of PREVIEW1_FUNCTIONS) {
    if (typeof imports[name] !== 'function') throw new Error(`WASI function ${name} missing`)
  }
  return {
    imports,
    flush() {
      out.flush()
      err.flush()
    },
  }
}

/**
 * poll_oneoff: fd subscriptions on stdio are ready at once (stdin at EOF, stdout/stderr always
 * writable); clock subscriptions sleep until the earliest deadline.
 */
function pollOneoff(
  mem: GuestMemory,
  clock: WasiClock,
  clockNow: (id: number) => bigint | undefined,
  inPtr: number,
  outPtr: number,
  count: number,
  neventsPtr: number,
): number {
  if (count === 0) return Errno.INVAL
  const subs = mem.peek(inPtr, count * SUBSCRIPTION_SIZE)
  if (subs === undefined || !mem.contains(outPtr, count * EVENT_SIZE)) return Errno.FAULT
  const view = new DataView(subs.buffer, subs.byteOffset, subs.byteLength)
  const events: Uint8Array[] = []
  let earliestClock: { userdata: bigint; wait: bigint } | undefined
  for (let i = 0; i < count; i++) {
    const base = i * SUBSCRIPTION_SIZE
    const userdata = view.getBigUint64(base, true)
    const tag = view.getUint8(base + 8)
    if (tag === EventType.CLOCK) {
      const id = view.getUint32(base + 16, true)
      const timeout = view.getBigUint64(base + 24, true)
      const flags = view.getUint16(base + 40, true)
      const now = clockNow(id)
      if (now === undefined) {
        events.push(pollEvent(userdata, Errno.INVAL, tag))
        continue
      }
      const wait = (flags & SUBCLOCKFLAG_ABSTIME) !== 0 ? timeout - now : timeout
      if (earliestClock === undefined || wait < earliestClock.wait) {
        earliestClock = { userdata, wait }
      }
    } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
      const fd = view.getUint32(base + 16, true)
      const ok = tag === EventType.FD_READ ? fd === STDIN : fd === STDOUT || fd === STDERR
      events.push(pollEvent(userdata, ok ? Errno.SUCCESS : Errno.BADF, tag))
    } else {
      events.push(pollEvent(userdata, Errno.INVAL, tag))
    }
  }
  if (events.length === 0 && earliestClock !== undefined) {
    clock.sleepNs(earliestClock.wait)
    events.push(pollEvent(earliestClock.userdata, Errno.SUCCESS, EventType.CLOCK))
  }
  events.forEach((event, i) => mem.write(outPtr + i * EVENT_SIZE, event))
  return mem.writeU32(neventsPtr, events.length) ? Errno.SUCCESS : Errno.FAULT
}

function pollEvent(userdata: bigint, errno: number, type: number): Uint8Array {
  const event = new Uint8Array(EVENT_SIZE)
  const view = new DataView(event.buffer)
  view.setBigUint64(0, userdata, true)
  view.setUint16(8, errno, true)
  view.setUint8(10, type)
  return event
}
