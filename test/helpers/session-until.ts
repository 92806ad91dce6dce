// Waiting on a Studio session: a condition checked at each of its events, not on a timer.

/** What the waiting needs of a session: its event subscription (StudioSession, AttachedSession). */
export interface Subscribable {
  subscribe(listener: () => void): () => void
}

/**
 * Resolves when `ready()` holds, checked now and at every event of `session`; rejects after
 * `ms`, naming `what` and, when given, what `state()` says then.
 */
export function sessionUntil(
  session: Subscribable,
  what: string,
  ready: () => boolean,
  ms: number,
  state?: () => string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ready()) return resolve()
    const timer = setTimeout(() => {
      off()
      reject(new Error(`${what}: not within ${ms} ms${state ? `; ${state()}` : ''}`))
    }, ms)
    const off = session.subscribe(() => {
      if (!ready()) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}
