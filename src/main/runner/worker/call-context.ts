import { Word } from '../../kernel/transport/channel'
import { wireKeyWords } from '../../kernel/transport/wire-key'
import { keyOf, lastField } from './wire'
import { KeyMap } from './key-tables'
import {
  DispatchRequestFields,
  ReadOneResponseFields,
  ResolvedCallFields,
} from '../../../shared/wire-fields/gen/fields'

/** Parents remembered for calls still outstanding; beyond this the oldest are forgotten. */
const MAX_OUTSTANDING = 65536

/**
 * Which call a guest is handling, derived on the host side from its event loop (guest code is
 * unchanged; src/guest/runtime/service.ts runLoop): after read_one_ hands it a Call event it
 * works for that call, so what it dispatches is that call's child; after a Resolved event it
 * continues the work of whoever made the resolved call, so what it dispatches is a child of the
 * resolved call's parent (none: a new trace). Before every dispatch_ the parent goes into the
 * channel's TRACE_PARENT words, where the kernel (dispatch_ through it) and the direct path
 * (its STARTED notice) pick it up. Log lines carry `current` too.
 */
export class CallContext {
  /** The call being handled, as a wire key (kernel/transport/wire-key.ts), or undefined (outside any call). */
  current: string | undefined
  private readonly parents = new KeyMap<string | undefined>()
  private wordsOf: string | undefined
  private readonly words = new Uint32Array(4)

  constructor(private readonly header: Int32Array) {}

  /** Before a dispatch_ goes out (either path). */
  beforeDispatch(request: Uint8Array): void {
    const callId = lastField(request, DispatchRequestFields.callId)
    if (callId === undefined) return
    const key = keyOf(request, callId)
    if (this.parents.size >= MAX_OUTSTANDING) this.parents.deleteOldest()
    this.parents.set(key, this.current)
    if (this.wordsOf !== this.current) this.setWords(this.current)
    const h = this.header
    const w = this.words
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
      this.current = keyOf(bytes, callId)
      return
    }
    const resolved = lastField(bytes, ReadOneResponseFields.resolved, 0, length)
    if (resolved !== undefined) {
      const id = lastField(bytes, ResolvedCallFields.callId, resolved.start, resolved.end)
      const key = id === undefined ? undefined : keyOf(bytes, id)
      if (key === undefined) {
        this.current = undefined
        return
      }
      this.current = this.parents.get(key)
      this.parents.delete(key)
      return
    }
    this.current = undefined
  }

  private setWords(key: string | undefined): void {
    this.wordsOf = key
    const w = this.words
    w.fill(0)
    if (key === undefined) return
    const words = wireKeyWords(key)
    if (words !== undefined) w.set(words)
  }
}
