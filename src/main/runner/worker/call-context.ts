import { Word } from '../../kernel/transport/channel'
import { wireKey } from '../../kernel/transport/wire-key'
import { idWordsOf, lastField } from './wire'
import { IdMap } from './key-tables'
import { FixedStack } from './fixed-stack'
import {
  DispatchRequestFields,
  ReadOneResponseFields,
  ResolvedCallFields,
} from '../../../shared/wire-fields/gen/fields'

/** Parents remembered for calls still outstanding; beyond this the oldest are forgotten. */
const MAX_OUTSTANDING = 65536
/** Parents' word arrays kept for reuse. */
const KEPT_PARENTS = 64

/**
 * Which call a guest is handling, derived on the host side from its event loop (guest code is
 * unchanged; src/guest/runtime/service.ts runLoop): after read_one_ hands it a Call event it
 * works for that call, so what it dispatches is that call's child; after a Resolved event it
 * continues the work of whoever made the resolved call, so what it dispatches is a child of the
 * resolved call's parent (none: a new trace). Before every dispatch_ the parent goes into the
 * channel's TRACE_PARENT words, where the kernel (dispatch_ through it) and the direct path
 * (its STARTED notice) pick it up. Log lines carry `current` too. Calls are kept as their ids'
 * words (wire.ts idWordsOf), so a traced call makes no key text in the worker.
 */
export class CallContext {
  /** The call being handled, as its id's words; all 0: outside any call. */
  private readonly currentWords = new Uint32Array(4)
  /** The parent (words, all 0: none) of each outstanding call this guest made. */
  private readonly parents = new IdMap<Uint32Array>()
  private readonly freeParents = new FixedStack<Uint32Array>(KEPT_PARENTS)
  private readonly idWords = new Uint32Array(4)

  constructor(private readonly header: Int32Array) {}

  /**
   * The call being handled, as a wire key (kernel/transport/wire-key.ts), or undefined (outside
   * any call): made when asked, for a log line.
   */
  get current(): string | undefined {
    const w = this.currentWords
    const a = w[0] as number
    const b = w[1] as number
    const c = w[2] as number
    const d = w[3] as number
    return (a | b | c | d) === 0 ? undefined : wireKey(a, b, c, d)
  }

  /** Before a dispatch_ goes out (either path). */
  beforeDispatch(request: Uint8Array): void {
    const callId = lastField(request, DispatchRequestFields.callId)
    if (callId === undefined) return
    idWordsOf(request, callId, this.idWords)
    if (this.parents.size >= MAX_OUTSTANDING) this.parents.deleteOldest()
    const parent = this.freeParents.pop() ?? new Uint32Array(4)
    parent.set(this.currentWords)
    const replaced = this.parents.get(this.idWords)
    this.parents.set(this.idWords, parent)
    if (replaced !== undefined) this.release(replaced)
    const h = this.header
    const w = this.currentWords
    h[Word.TRACE_PARENT] = w[0] as number
    h[Word.TRACE_PARENT + 1] = w[1] as number
    h[Word.TRACE_PARENT + 2] = w[2] as number
    h[Word.TRACE_PARENT + 3] = w[3] as number
  }

  /**
   * After read_one_ answered (NoError): an inbound call's call_id, or the resolved call's;
   * anything else (timeout, exit) leaves the guest outside any call. The answer is
   * bytes[0, length) (no view of it per read).
   */
  afterRead(bytes: Uint8Array, length = bytes.length): void {
    const callId = lastField(bytes, ReadOneResponseFields.callId, 0, length)
    if (callId !== undefined) {
      idWordsOf(bytes, callId, this.currentWords)
      return
    }
    const resolved = lastField(bytes, ReadOneResponseFields.resolved, 0, length)
    if (resolved !== undefined) {
      const id = lastField(bytes, ResolvedCallFields.callId, resolved.start, resolved.end)
      if (id === undefined) {
        this.currentWords.fill(0)
        return
      }
      idWordsOf(bytes, id, this.idWords)
      const parent = this.parents.get(this.idWords)
      if (parent === undefined) {
        this.currentWords.fill(0)
        return
      }
      this.currentWords.set(parent)
      this.parents.delete(this.idWords)
      this.release(parent)
      return
    }
    this.currentWords.fill(0)
  }

  private release(parent: Uint32Array): void {
    this.freeParents.push(parent)
  }
}
