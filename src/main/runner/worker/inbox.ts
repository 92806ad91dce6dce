/**
 * What a guest's DirectPath holds for it between syscalls: results of its direct calls and
 * inbound calls (from its mailbox, or queued by a worker-mate in the same thread), the calls it
 * made that have no result yet, the results it already got (so a kernel timeout for one of them
 * is dropped as a duplicate), and the calls it is serving.
 */
import { WORKER_KERNEL_ERR as KernelErr } from '../../kernel/syscall-abi'
import { ServingBytes, Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import { Ring, writeRawId } from '../../kernel/transport/switchboard'
import type { RingView } from '../../kernel/transport/switchboard'
import { CallCellIds, readMailbox } from './mailbox-cells'
import type { CallCell, CallIdAt } from './mailbox-cells'
import { flag, idWordsAt, idWordsOf, keyAt, scan } from './wire'
import { IdMap, IdSet, RecentIds } from './key-tables'
import { PayloadStore } from './payload-store'
import { FixedStack } from './fixed-stack'
import { RingQueue } from './ring-queue'
import { ReadOneResponseFields, ResolvedCallFields } from '../../../shared/wire-fields/gen/fields'

/** An answer for the guest: a code and the response bytes (or the required length). */
export interface Answer {
  readonly code: number
  readonly length: number
  readonly bytes: Uint8Array | undefined
}

/**
 * A call waiting for this guest, then being served by it. Entries are reused (Inbox.entry,
 * Inbox.release): one per call was garbage on every call.
 */
export class InboundEntry {
  /** The call id's words (wire.ts idWordsAt). */
  readonly callId = new Uint32Array(4)
  bytes: Uint8Array = EMPTY
  callerSlot = 0
  callerGen = 0
  /** IdRaw message bytes. */
  callerHost: Uint8Array = EMPTY
  service: Uint8Array = EMPTY
  method: Uint8Array = EMPTY
  /** service/method key, for read_one_'s filter. */
  pair = ''
}

/** A result for one of this guest's calls (reused as InboundEntry is). */
export class ResultEntry {
  readonly callId = new Uint32Array(4)
  bytes: Uint8Array = EMPTY
}

const EMPTY = new Uint8Array(0)
/** Entries of each kind kept for reuse. */
const KEPT_ENTRIES = 64

/** How many delivered results are remembered. */
const DONE_MEMORY = 8192

export const keyOfRaw = (raw: Uint8Array): string => keyAt(raw, 0, raw.byteLength)

export class Inbox {
  readonly results = new RingQueue<ResultEntry>()
  readonly calls = new RingQueue<InboundEntry>()
  /** Direct calls this guest made that have no result yet. */
  readonly outstanding = new IdSet()
  /** Calls taken from the mailbox and not answered yet. */
  readonly serving = new IdMap<InboundEntry>()
  /** Direct calls whose result this guest got (a kernel timeout for them is a duplicate). */
  private readonly done = new RecentIds(DONE_MEMORY)
  /** A call id's words, read by the mailbox visitors and screenKernelAnswer. */
  private readonly idWords = new Uint32Array(4)
  /** deliverCall's and deliverResult's answer, reused (read before the next syscall). */
  private readonly delivered = new Delivered()
  /** Payload bytes of calls and results for this guest (payload-store.ts). */
  readonly payloads = new PayloadStore()
  /** The payload last handed to the guest: its syscall copied it out before the next one. */
  private handedOut: Uint8Array | undefined
  private readonly freeEntries = new FixedStack<InboundEntry>(KEPT_ENTRIES)
  private readonly freeResults = new FixedStack<ResultEntry>(KEPT_ENTRIES)
  /** The mailbox's repeated ids, copied once (mailbox-cells.ts). */
  private readonly cellIds = new CallCellIds()
  /** The last (service, method) read and its filter key: the same copies give the same key. */
  private pairOf: { service: Uint8Array; method: Uint8Array; pair: string } = {
    service: new Uint8Array(0),
    method: new Uint8Array(0),
    pair: '',
  }

  /**
   * A result for one of this guest's calls, `id` its words (one no longer outstanding, it timed
   * out, is dropped).
   */
  addResult(id: Uint32Array, bytes: Uint8Array): void {
    if (!this.outstanding.has(id)) {
      this.payloads.give(bytes)
      return
    }
    const entry = this.freeResults.pop() ?? new ResultEntry()
    entry.callId.set(id)
    entry.bytes = bytes
    this.results.push(entry)
  }

  /** An InboundEntry to fill and queue in `calls` (its payload from `payloads`). */
  entry(): InboundEntry {
    return this.freeEntries.pop() ?? new InboundEntry()
  }

  /** A served call's entry, answered: it (and its payload) may be reused. */
  release(entry: InboundEntry): void {
    entry.bytes = EMPTY
    entry.callerHost = EMPTY
    entry.service = EMPTY
    entry.method = EMPTY
    this.freeEntries.push(entry)
  }

  /** Moves everything in the mailbox into the local queues. */
  drain(ring: RingView): void {
    this.reclaim()
    readMailbox(ring, this.cellIds, this.onCallCell, this.onResultCell, this.payloads)
  }

  /** The payload handed out last was copied into the guest by now: it may be reused. */
  private reclaim(): void {
    if (this.handedOut === undefined) return
    this.payloads.give(this.handedOut)
    this.handedOut = undefined
  }

  /** drain's visitors, made once: a drain runs at every look of read_one_. */
  private readonly onCallCell = (
    id: CallIdAt,
    call: Omit<CallCell, 'callId'>,
    bytes: Uint8Array,
  ): void => {
    if (call.service !== this.pairOf.service || call.method !== this.pairOf.method) {
      this.pairOf = {
        service: call.service,
        method: call.method,
        pair: `${keyOfRaw(call.service)}/${keyOfRaw(call.method)}`,
      }
    }
    const entry = this.entry()
    idWordsAt(id.cells, id.start, id.end, entry.callId)
    entry.bytes = bytes
    entry.callerSlot = call.callerSlot
    entry.callerGen = call.callerGen
    entry.callerHost = call.callerHost
    entry.service = call.service
    entry.method = call.method
    entry.pair = this.pairOf.pair
    this.calls.push(entry)
  }

  /**
   * A result for one of this guest's calls; one no longer outstanding (it timed out) is
   * dropped, and the kernel logs it when it reads the callee's notice.
   */
  private readonly onResultCell = (id: CallIdAt, bytes: Uint8Array): void => {
    idWordsAt(id.cells, id.start, id.end, this.idWords)
    this.addResult(this.idWords, bytes)
  }

  /** Hands out the oldest result (or DataTooLarge when it does not fit `capacity`). */
  deliverResult(entry: ResultEntry, capacity: number): Answer {
    if (entry.bytes.byteLength > capacity) {
      return { code: KernelErr.DataTooLarge, length: entry.bytes.byteLength, bytes: undefined }
    }
    this.results.shift()
    this.outstanding.delete(entry.callId)
    this.done.add(entry.callId)
    this.reclaim()
    this.handedOut = entry.bytes
    const answer = this.delivered.of(entry.bytes)
    entry.bytes = EMPTY
    this.freeResults.push(entry)
    return answer
  }

  /**
   * Hands out inbound call `index` (or DataTooLarge): the guest now serves it, and the channel
   * says since when and which call, for the watchdog; `mine` counts it off its mailbox's QUEUED.
   */
  deliverCall(index: number, capacity: number, channel: Channel, mine: RingView): Answer {
    const call = this.calls.at(index) as InboundEntry
    if (call.bytes.byteLength > capacity) {
      return { code: KernelErr.DataTooLarge, length: call.bytes.byteLength, bytes: undefined }
    }
    this.calls.removeAt(index)
    Atomics.sub(mine.header, Ring.QUEUED, 1)
    this.serving.set(call.callId, call)
    const { header, bytes } = channel
    header[Word.SERVED] = ((header[Word.SERVED] as number) + 1) | 0
    writeRawId(bytes, ServingBytes.SERVICE, call.service)
    writeRawId(bytes, ServingBytes.METHOD, call.method)
    Atomics.store(header, Word.SERVING, 1)
    this.reclaim()
    this.handedOut = call.bytes
    const answer = this.delivered.of(call.bytes)
    // Served now: its payload is the guest's copy's (given back once copied, above).
    call.bytes = EMPTY
    return answer
  }

  /**
   * A kernel answer to read_one_: a result of one of this guest's direct calls that it already
   * got (the kernel timed the call out just as the result came) is dropped; an exit request
   * waits until the calls already queued have been handed out.
   */
  screenKernelAnswer(bytes: Uint8Array): 'deliver' | 'exit' | 'drop' {
    if (this.outstanding.size === 0 && this.done.size === 0 && this.calls.length === 0)
      return 'deliver'
    const resp = scan(bytes)
    if (resp === undefined) return 'deliver'
    const resolvedField = resp.fields.get(ReadOneResponseFields.resolved)
    if (resolvedField !== undefined) {
      const resolved = bytes.subarray(resolvedField.start, resolvedField.end)
      const callId = scan(resolved)?.fields.get(ResolvedCallFields.callId)
      if (callId !== undefined) {
        idWordsOf(resolved, callId, this.idWords)
        if (this.done.take(this.idWords)) return 'drop'
        this.outstanding.delete(this.idWords)
      }
    }
    if (flag(bytes, resp.fields.get(ReadOneResponseFields.exit)) && this.calls.length > 0)
      return 'exit'
    return 'deliver'
  }
}

/** An answer handing the guest `bytes`, one object reused for every delivery. */
class Delivered implements Answer {
  readonly code = KernelErr.NoError
  length = 0
  bytes: Uint8Array | undefined = undefined

  of(bytes: Uint8Array): Answer {
    this.length = bytes.byteLength
    this.bytes = bytes
    return this
  }
}
