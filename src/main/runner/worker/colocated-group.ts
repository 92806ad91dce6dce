// Several guests in one worker thread (`worker = "NAME"` in the deploy config). Each keeps its
// own instance, memory, host id, syscall channel and mailbox; the worker takes turns between
// them. A guest's event loop (src/guest/runtime/service.ts runLoop) asks `parigot_worker.
// colocated` once: here the answer is yes, the loop returns, and the worker calls the guest's
// `pump` (through its exported table) whenever the guest has something to read. Calls between
// the guests of one worker never leave the thread: the caller's DirectPath puts the call in the
// callee's queue and the callee's answer in the caller's (the kernel still gets the notices).
// A guest's code is only ever entered from the top of this worker's stack, or from inside the
// read_one_ of a guest that blocks at the top (its own loop): never while it is itself
// suspended in an import, so no instance is re-entered.
import type { HostFunctionDef, WasmImport } from '../../engine/host-function'
import type { GuestInstance } from '../../engine/instance'
import { GuestTrap } from '../../engine/errors'
import { outcomeOfError } from '../../engine/outcome'
import type { GuestOutcome } from '../../engine/outcome'
import { Word } from '../../kernel/transport/channel'
import type { Channel } from '../../kernel/transport/channel'
import { monoMs, Ring } from '../../kernel/transport/switchboard'
import type { RingView, Switchboard } from '../../kernel/transport/switchboard'
import type { DirectPath, SharedWorker } from './direct-path'
import { count, COUNTING } from '../../kernel/transport/call-counters'
import { StagedNotices } from './staged-notices'

/** How a guest of the group ended (`returned` from _start or pump counts as exit 0). */
export type MemberEnding = GuestOutcome<unknown>

export class GroupMember {
  instance: GuestInstance | undefined
  direct: DirectPath | undefined
  /** new -> running (_start) -> pumped (its loop returned to the worker) -> ended. */
  state: 'new' | 'running' | 'pumped' | 'ended' = 'new'
  pumpFn: (() => unknown) | undefined
  /** True while it is entered at the bottom of the worker's stack (may wait for others). */
  atBottom = false

  constructor(
    readonly index: number,
    readonly name: string,
    readonly channel: Channel,
    readonly slot: number,
  ) {}
}

export class GuestGroup implements SharedWorker {
  readonly members: GroupMember[] = []
  /** Guests of this worker whose code is on the stack right now. */
  private depth = 0
  private readonly bell: RingView
  /** The guest whose ending is being reported (its slot is still open). */
  private ending: GroupMember | undefined
  readonly notices: StagedNotices

  constructor(
    board: Switchboard,
    slots: readonly { readonly name: string; readonly channel: Channel; readonly slot: number }[],
    private readonly ended: (member: GroupMember, outcome: MemberEnding) => void,
    private readonly idle: () => void,
  ) {
    slots.forEach((s, i) => this.members.push(new GroupMember(i, s.name, s.channel, s.slot)))
    const first = this.members[0]
    if (first === undefined) throw new Error('a shared worker needs at least one guest')
    this.bell = board.mailboxes[first.slot] as RingView
    // A guest that ends keeps its slot open until the supervisor hears of it (after the flush).
    this.notices = new StagedNotices(
      board,
      () => (this.members.find((m) => m.state !== 'ended') ?? this.ending ?? first).slot,
    )
    // Every guest's doorbell rings the first's too: the worker sleeps on that one.
    for (const m of this.members.slice(1)) {
      Atomics.store((board.mailboxes[m.slot] as RingView).header, Ring.BELL_SLOT, first.slot + 1)
    }
  }

  /** `parigot_worker.colocated` for `member` (undefined: a guest alone in its worker). */
  static colocatedImport(member: GroupMember | undefined): HostFunctionDef {
    return {
      module: 'parigot_worker',
      name: 'colocated',
      bind: (): WasmImport => (index: number) => {
        if (member === undefined || member.instance === undefined) return 0
        const table = member.instance.exports['table']
        const fn = table instanceof WebAssembly.Table ? (table.get(index >>> 0) as unknown) : null
        if (typeof fn !== 'function') return 0
        member.pumpFn = fn as () => unknown
        member.state = 'pumped'
        return 1
      },
    }
  }

  peer(slot: number): DirectPath | undefined {
    // Indexed loops on the per-call paths: an array iterator where the engine does not remove it
    // is an object per call.
    const members = this.members
    for (let i = 0; i < members.length; i++) {
      const m = members[i] as GroupMember
      if (m.slot === slot && m.state !== 'ended') return m.direct
    }
    return undefined
  }

  wait(self: DirectPath, deadline: number): boolean {
    let me: GroupMember | undefined
    const members = this.members
    for (let i = 0; i < members.length && me === undefined; i++) {
      if (members[i]?.direct === self) me = members[i]
    }
    if (me === undefined) return false
    // Only a guest alone at the bottom of the stack may let the others run.
    if (me.atBottom && this.depth === 1) {
      this.turn(me, deadline)
      return true
    }
    // A guest entered by the worker for one event answers at once; one that loops on read_one_
    // itself above another such guest would spin for ever: it fails, saying why.
    if (me.state === 'running') {
      throw new GuestTrap(
        `${me.name} waits in read_one_ outside the SDK's event loop while another guest of its worker does too: a shared worker runs at most one such guest (give one of them another worker)`,
      )
    }
    return false
  }

  /** Runs every guest until all have ended. */
  run(): void {
    while (this.members.some((m) => m.state !== 'ended')) this.turn(undefined, Infinity)
    this.notices.flush()
  }

  /**
   * Runs each other guest that has something to do, once; if none had, sleeps on the shared
   * doorbell until something arrives or `deadline` passes.
   */
  private turn(except: GroupMember | undefined, deadline: number): void {
    const h = this.bell.header
    const bell = Atomics.load(h, Ring.DOORBELL)
    let progressed = false
    const members = this.members
    for (let i = 0; i < members.length; i++) {
      const m = members[i] as GroupMember
      if (m === except) continue
      if (m.state === 'new') {
        this.start(m)
        progressed = true
      } else if (m.state === 'pumped' && m.direct?.hasWork()) {
        this.pump(m)
        progressed = true
      }
    }
    this.notices.endTurn()
    if (progressed || except?.direct?.hasWork()) return
    const remaining = deadline - monoMs()
    if (remaining <= 0) return
    // Asleep, the worker would hold the kernel's notices of calls still out for ever.
    this.notices.flush()
    this.markIdle()
    if (COUNTING) count('group-doorbell-wait')
    Atomics.store(h, Ring.SLEEPING, 1)
    Atomics.wait(h, Ring.DOORBELL, bell, remaining === Infinity ? undefined : remaining)
    Atomics.store(h, Ring.SLEEPING, 0)
  }

  /** Every pumped guest waits with nothing to do: the supervisor may check for a deadlock. */
  private markIdle(): void {
    let changed = false
    for (const m of this.members) {
      if (m.state !== 'pumped' || m.channel.header[Word.IDLE] === 1) continue
      Atomics.store(m.channel.header, Word.IDLE, 1)
      changed = true
    }
    if (changed) this.idle()
  }

  private start(m: GroupMember): void {
    const instance = m.instance
    if (instance === undefined) return this.end(m, { kind: 'trapped', message: 'not instantiated' })
    m.state = 'running'
    const outcome = this.enter(m, () => instance.call('_start'))
    // Its loop handed it to the worker and _start returned: from now on it is pumped.
    if (outcome.kind === 'returned' && (m.state as GroupMember['state']) === 'pumped') return
    this.end(m, outcome.kind === 'returned' ? { kind: 'exited', code: 0 } : outcome)
  }

  /** One event for `m` (enter's work, written out: no closure or outcome object per call). */
  private pump(m: GroupMember): void {
    const fn = m.pumpFn as () => unknown
    if (COUNTING) count('pump')
    if (m.channel.header[Word.IDLE] !== 0) Atomics.store(m.channel.header, Word.IDLE, 0)
    m.atBottom = this.depth === 0
    this.depth++
    let ending: MemberEnding
    try {
      if (fn() !== 1) return
      ending = { kind: 'exited', code: 0 }
    } catch (err) {
      ending = outcomeOfError(m.name, err)
      m.instance?.flushOutput()
    } finally {
      this.depth--
      m.atBottom = false
    }
    this.end(m, ending)
  }

  private enter(m: GroupMember, body: () => GuestOutcome<unknown>): GuestOutcome<unknown> {
    m.atBottom = this.depth === 0
    this.depth++
    try {
      const outcome = body()
      if (outcome.kind !== 'returned') m.instance?.flushOutput()
      return outcome
    } finally {
      this.depth--
      m.atBottom = false
    }
  }

  private end(m: GroupMember, outcome: MemberEnding): void {
    if (m.state === 'ended') return
    m.state = 'ended'
    // The kernel hears of the calls to and from this guest before it hears that it ended.
    this.ending = m
    this.notices.flush()
    this.ended(m, outcome)
  }
}
