// The deployment badge says what the services say: the engine's status tells whether a run is
// on, the graph tells how its services are doing, the connection whether any of it is current.
import type { DeploymentStatus, ServiceGraph } from '../../../shared/bridge/contract'

export type BadgeState =
  | 'empty'
  | 'invalid'
  | 'ready'
  | 'starting'
  | 'running'
  | 'degraded'
  | 'stopping'
  | 'stopped'
  | 'exited'
  | 'failed'
  | 'disconnected'

export interface Badge {
  readonly state: BadgeState
  readonly text: string
  /** Why, in a sentence, for the tooltip. */
  readonly detail: string
}

const ALIVE = new Set(['registered', 'exported', 'waiting', 'running'])

export function deriveBadge(
  status: DeploymentStatus,
  graph: ServiceGraph,
  connected: boolean,
): Badge {
  if (!connected)
    return {
      state: 'disconnected',
      text: 'disconnected',
      detail: 'The engine cannot be reached; what is shown is from before the connection ended.',
    }
  const nodes = graph.nodes
  const failed = nodes.filter((n) => n.state === 'failed')
  const alive = nodes.filter((n) => ALIVE.has(n.state))
  const started = nodes.filter((n) => n.state !== 'not-started')
  switch (status.state) {
    case 'exited':
      return {
        state: status.exitCode === 0 && failed.length === 0 ? 'exited' : 'failed',
        text: `exited (code ${status.exitCode ?? '?'})`,
        detail: 'The main program ended; its exit code is the deployment’s.',
      }
    case 'failed':
      return { state: 'failed', text: 'failed', detail: status.message ?? 'The run failed.' }
    case 'running': {
      if (started.length > 0 && alive.length === 0) {
        const mainCode = nodes.find((n) => n.role === 'main')?.exitCode
        return failed.length > 0
          ? {
              state: 'failed',
              text: 'failed',
              detail: `Every service has ended; ${names(failed)} failed.`,
            }
          : {
              state: 'exited',
              text: `exited (code ${mainCode ?? 0})`,
              detail: 'Every service has ended.',
            }
      }
      if (failed.length > 0)
        return {
          state: 'degraded',
          text: `degraded (${failed.length} failed)`,
          detail: `${names(failed)} failed; the other services run.`,
        }
      if (alive.some((n) => n.state === 'waiting') && !alive.some((n) => n.state === 'running'))
        return { state: 'starting', text: 'starting', detail: 'Services are waiting to launch.' }
      return { state: 'running', text: 'running', detail: 'The deployment runs.' }
    }
    default:
      return { state: status.state, text: status.state, detail: status.message ?? '' }
  }
}

const names = (nodes: readonly { name: string }[]): string => nodes.map((n) => n.name).join(', ')
