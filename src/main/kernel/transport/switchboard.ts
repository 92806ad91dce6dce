/**
 * The switchboard: one SharedArrayBuffer per deployment through which guest workers call each
 * other without the kernel's thread on the data path (docs/architecture.md, "Guests in
 * workers"). It holds
 *  - one *mailbox* per host slot: a ring of fixed-size cells that other workers write inbound
 *    calls and results into (many producers under a small lock, one consumer: the slot's own
 *    worker), plus that slot's doorbell (a counter its worker sleeps on) and flags;
 *  - one *notice ring* that every worker writes to and the kernel thread drains now and then,
 *    so the kernel keeps its books (pending calls, timeouts, events) off the hot path.
 * Cells are fixed-size so the rings need no wrap-around logic; anything larger than a cell
 * (or a full ring) takes the kernel path instead, which always works.
 */

import { count, COUNTING } from './call-counters'

export const MAX_SLOTS = 32
export const MAILBOX_CELLS = 256
export const MAILBOX_CELL_BYTES = 1024
export const NOTICE_CELLS = 2048
export const NOTICE_CELL_BYTES = 128

const RING_HEADER_BYTES = 64

/** Int32 words of a ring's header (a mailbox's header also carries its slot's state). */
export const Ring = {
  /** 0 = free, the owner's slot + 1 while a producer writes. */
  LOCK: 0,
  /** Cells consumed (int32 arithmetic wraps; only differences are used). */
  HEAD: 1,
  /** Cells published. */
  TAIL: 2,
  /** Mailbox: SlotState. */
  STATE: 3,
  /** Mailbox: bumped each time the slot is (re)opened; routes carry it. */
  GEN: 4,
  /** Bumped by anyone who gives the slot's worker something to look at; it sleeps on it. */
  DOORBELL: 5,
  /** 1 while the slot's worker sleeps (producers notify only then). */
  SLEEPING: 6,
  /** Mailbox: 1 while the kernel has something for this host (read_one_ must ask it). */
  KERNEL_PENDING: 7,
  /** Mailbox: calls queued for this host by other workers and not yet handed to its guest. */
  QUEUED: 8,
  /**
   * Mailbox: 0, or 1 + the slot whose doorbell rings too. Guests sharing a worker sleep on one
   * doorbell (their first's); a ring of any of them must wake it.
   */
  BELL_SLOT: 9,
  /** Producers sleeping on LOCK (unlock notifies only then: a notify costs even with no waiter). */
  LOCK_WAITERS: 10,
} as const

export const SlotState = { FREE: 0, OPEN: 1, CLOSED: 2 } as const

/** Kinds of cells. */
export const Cell = {
  /** Mailbox: an inbound call (ReadOneResponse bytes ready for the callee's guest). */
  CALL: 1,
  /** Mailbox: a completed call (ReadOneResponse bytes ready for the caller's guest). */
  RESULT: 2,
  /** Notice: a worker dispatched a call straight into a callee's mailbox. */
  STARTED: 3,
  /** Notice: a worker answered a call that came through its mailbox. */
  RETURNED: 4,
  /**
   * Notice: a call between two guests of one worker, started and answered before the worker
   * wrote its STARTED notice (colocated-group.ts): both in one cell.
   */
  COMPLETED: 5,
} as const

export interface RingView {
  readonly header: Int32Array
  readonly cells: Uint8Array
  readonly view: DataView
  readonly cellBytes: number
  readonly cellCount: number
  /** The deployment's mailboxes (for BELL_SLOT). */
  readonly mailboxes: readonly RingView[]
}

export interface Switchboard {
  readonly buffer: SharedArrayBuffer
  readonly notices: RingView
  readonly mailboxes: readonly RingView[]
}

function ringBytes(cells: number, cellBytes: number): number {
  return RING_HEADER_BYTES + cells * cellBytes
}

export function createSwitchboard(): Switchboard {
  const size =
    ringBytes(NOTICE_CELLS, NOTICE_CELL_BYTES) +
    MAX_SLOTS * ringBytes(MAILBOX_CELLS, MAILBOX_CELL_BYTES)
  return openSwitchboard(new SharedArrayBuffer(size))
}

export function openSwitchboard(buffer: SharedArrayBuffer): Switchboard {
  const mailboxes: RingView[] = []
  const ring = (offset: number, cellCount: number, cellBytes: number): RingView => ({
    header: new Int32Array(buffer, offset, RING_HEADER_BYTES / 4),
    cells: new Uint8Array(buffer, offset + RING_HEADER_BYTES, cellCount * cellBytes),
    view: new DataView(buffer, offset + RING_HEADER_BYTES, cellCount * cellBytes),
    cellBytes,
    cellCount,
    mailboxes,
  })
  const notices = ring(0, NOTICE_CELLS, NOTICE_CELL_BYTES)
  let offset = ringBytes(NOTICE_CELLS, NOTICE_CELL_BYTES)
  for (let i = 0; i < MAX_SLOTS; i++) {
    mailboxes.push(ring(offset, MAILBOX_CELLS, MAILBOX_CELL_BYTES))
    offset += ringBytes(MAILBOX_CELLS, MAILBOX_CELL_BYTES)
  }
  return { buffer, notices, mailboxes }
}

/** Cells published and not yet consumed. */
export function ringCount(ring: RingView): number {
  return (Atomics.load(ring.header, Ring.TAIL) - Atomics.load(ring.header, Ring.HEAD)) | 0
}

/**
 * Takes a ring's producer lock. A lock held by a slot that is no longer open (its worker was
 * terminated mid-write) is taken over: an unpublished cell is simply overwritten.
 */
export function lockRing(board: Switchboard, ring: RingView, owner: number): void {
  const h = ring.header
  for (let spins = 0; ; spins++) {
    const held = Atomics.compareExchange(h, Ring.LOCK, 0, owner + 1)
    if (held === 0) return
    if (spins < 200) continue
    if (spins % 64 === 0) {
      const mailbox = board.mailboxes[held - 1]
      if (mailbox !== undefined && Atomics.load(mailbox.header, Ring.STATE) !== SlotState.OPEN) {
        if (Atomics.compareExchange(h, Ring.LOCK, held, owner + 1) === held) return
      }
    }
    if (COUNTING) count('lock-wait')
    // Counted before the wait: an unlock that reads 0 here has already stored LOCK = 0, so the
    // wait below returns at once ("not-equal"); one that reads it notifies.
    Atomics.add(h, Ring.LOCK_WAITERS, 1)
    Atomics.wait(h, Ring.LOCK, held, 1)
    Atomics.sub(h, Ring.LOCK_WAITERS, 1)
  }
}

export function unlockRing(ring: RingView): void {
  Atomics.store(ring.header, Ring.LOCK, 0)
  if (Atomics.load(ring.header, Ring.LOCK_WAITERS) !== 0) Atomics.notify(ring.header, Ring.LOCK, 1)
}

/** Byte offset of the next free cell, or -1 when the ring is full (call under the lock). */
export function freeCell(ring: RingView): number {
  const tail = Atomics.load(ring.header, Ring.TAIL)
  if (((tail - Atomics.load(ring.header, Ring.HEAD)) | 0) >= ring.cellCount) return -1
  return ((tail >>> 0) % ring.cellCount) * ring.cellBytes
}

/** Publishes the cell returned by freeCell (call under the lock, after writing it). */
export function publishCell(ring: RingView): void {
  Atomics.add(ring.header, Ring.TAIL, 1)
}

/** Byte offset of the oldest unconsumed cell, or -1 (consumer side). */
export function oldestCell(ring: RingView): number {
  const head = Atomics.load(ring.header, Ring.HEAD)
  if (((Atomics.load(ring.header, Ring.TAIL) - head) | 0) <= 0) return -1
  return ((head >>> 0) % ring.cellCount) * ring.cellBytes
}

/** Releases the cell returned by oldestCell (consumer side). */
export function consumeCell(ring: RingView): void {
  Atomics.add(ring.header, Ring.HEAD, 1)
}

/** Rings a slot's doorbell: its worker re-checks its mailbox and the kernel flag. */
export function ringDoorbell(ring: RingView): void {
  Atomics.add(ring.header, Ring.DOORBELL, 1)
  if (COUNTING) count('doorbell-ring')
  if (Atomics.load(ring.header, Ring.SLEEPING) !== 0) {
    if (COUNTING) count('doorbell-notify')
    Atomics.notify(ring.header, Ring.DOORBELL)
  }
  const shared = ring.mailboxes[Atomics.load(ring.header, Ring.BELL_SLOT) - 1]
  if (shared !== undefined && shared !== ring) {
    Atomics.add(shared.header, Ring.DOORBELL, 1)
    if (Atomics.load(shared.header, Ring.SLEEPING) !== 0) {
      if (COUNTING) count('doorbell-notify-shared')
      Atomics.notify(shared.header, Ring.DOORBELL)
    }
  }
}

/** The kernel's doorbell on the notice ring: notify only on the 0 -> 1 edge. */
export function ringKernel(board: Switchboard): void {
  const h = board.notices.header
  if (COUNTING) count('kernel-bell')
  if (Atomics.compareExchange(h, Ring.DOORBELL, 0, 1) === 0) {
    if (COUNTING) count('kernel-bell-notify')
    Atomics.notify(h, Ring.DOORBELL)
  }
}

/** Process-wide monotonic nanoseconds (comparable across worker threads). */
export function monoNs(): number {
  // hrtime()'s array does not escape, so optimized code makes none; hrtime.bigint() makes a
  // BigInt on every read, performance.now() a number (a notice or two per call).
  const t = process.hrtime()
  return t[0] * 1e9 + t[1]
}

/**
 * monoNs through hrtime.bigint(): one BigInt per read, for callers too large for the engine to
 * inline monoNs into (its array is then made; measured in the co-located turn's notices).
 */
export function monoNsBig(): number {
  return Number(process.hrtime.bigint())
}

/** Monotonic milliseconds, for deadlines and spins (monoNs's clock; see there why not performance.now). */
export function monoMs(): number {
  const t = process.hrtime()
  return t[0] * 1e3 + t[1] / 1e6
}

/** Room for one id's protobuf bytes (IdRaw: at most 22) and their length. */
export const RAW_ID_BYTES = 24

/** Stores an IdRaw message's bytes (false if they do not fit). */
export function writeRawId(cells: Uint8Array, offset: number, raw: Uint8Array): boolean {
  if (raw.byteLength >= RAW_ID_BYTES) return false
  cells[offset] = raw.byteLength
  cells.set(raw, offset + 1)
  return true
}

export function readRawId(cells: Uint8Array, offset: number): Uint8Array {
  return cells.slice(offset + 1, offset + 1 + (cells[offset] as number))
}
