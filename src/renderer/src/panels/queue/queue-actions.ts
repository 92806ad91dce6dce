// The inspector's actions that change a queue, each described for its confirmation dialog and
// run only once confirmed: pure builders, so the panel keeps only its state.
import type { QueueMessageView, QueueView, StudioBridge } from '../../../../shared/bridge/contract'

export interface PendingAction {
  readonly title: string
  readonly message: string
  readonly confirmLabel: string
  /** Runs the action; resolves to the note shown afterwards. */
  readonly run: () => Promise<string>
}

export type PurgeableState = 'done' | 'dead' | 'ready'

const plural = (n: number | undefined): string => (n === 1 ? '' : 's')

export function deleteAction(
  bridge: StudioBridge,
  queue: string,
  m: QueueMessageView,
): PendingAction {
  return {
    title: 'Delete message?',
    message: `Delete message #${m.seq} (${m.state}) from queue ${queue}. This cannot be undone.`,
    confirmLabel: 'Delete message',
    run: async () => {
      const r = await bridge.call('queue.delete', { queue, msgId: m.msgId })
      return r.deleted ? `Deleted message #${m.seq}` : `Message #${m.seq} was already gone`
    },
  }
}

export function sendAction(
  bridge: StudioBridge,
  queue: string,
  typeName: string,
  payload: string,
  onsent: () => void,
): PendingAction {
  return {
    title: 'Send message?',
    message: `Put one ${typeName} on queue ${queue}: its consumers will receive it.`,
    confirmLabel: 'Send',
    run: async () => {
      const r = await bridge.call('queue.send', { queue, typeName, payload })
      onsent()
      return `Sent message ${r.msgId}`
    },
  }
}

export function purgeAction(
  bridge: StudioBridge,
  queue: string,
  current: QueueView | undefined,
  state: PurgeableState,
): PendingAction {
  const count = state === 'done' ? current?.done : state === 'dead' ? current?.dead : current?.ready
  return {
    title: `Purge ${state} messages?`,
    message: `Remove the ${count ?? 0} ${state} message${plural(count)} of queue ${queue} for good.`,
    confirmLabel: `Purge ${state}`,
    run: async () => {
      const r = await bridge.call('queue.purge', { queue, state })
      return `Purged ${r.removed} ${state} message${plural(r.removed)}`
    },
  }
}

export function redriveAction(
  bridge: StudioBridge,
  queue: string,
  current: QueueView | undefined,
): PendingAction {
  const count = current?.dead ?? 0
  return {
    title: 'Redrive dead letters?',
    message: `Move the ${count} dead letter${plural(count)} of queue ${queue} back to ready, with their delivery count reset: consumers will receive them again.`,
    confirmLabel: 'Redrive',
    run: async () => {
      const r = await bridge.call('queue.redrive', { queue })
      return `Redrove ${r.moved} message${plural(r.moved)}`
    },
  }
}
