// The app-wide state every panel reads: the bridge, the deployment's status, the service graph
// and which service is selected. Panels own their own view state; this holds only what several
// of them share, so the top bar, the graph and the log stream agree on one selection.
import type {
  DeploymentStatus,
  ServiceGraph,
  StudioBridge,
  StudioInfo,
} from '../../../shared/bridge/contract'
import { throttled } from '../lib/throttle'

export interface StudioState {
  bridge: StudioBridge | undefined
  info: StudioInfo | undefined
  status: DeploymentStatus
  graph: ServiceGraph
  /** Service whose details are shown and whose lines the log shows; undefined = all. */
  selected: string | undefined
  /** The last failed action, shown in the top bar until the next one. */
  actionError: string
  /** Whether the examples/recent chooser is open over a deployment. */
  choosing: boolean
  /** The call whose lines the log shows (the Calls panel's selected span), if any. */
  logSpan: { spanId: string; label: string } | undefined
  /** A trace file is shown in the Calls panel (the workspace shows even with no deployment). */
  traceFile: string | undefined
}

export const studio: StudioState = $state({
  bridge: undefined,
  info: undefined,
  status: { state: 'empty', errorCount: 0 },
  graph: { nodes: [], edges: [] },
  selected: undefined,
  actionError: '',
  choosing: false,
  logSpan: undefined,
  traceFile: undefined,
})

/** Re-reads the graph at most every 150 ms however many kernel events arrive. */
export const refreshGraph = throttled(async () => {
  if (studio.bridge === undefined) return
  studio.graph = await studio.bridge.call('graph.get', {})
}, 150)

/** Wires bridge events into the shared state; returns the function that unwires them. */
export async function attach(bridge: StudioBridge): Promise<() => void> {
  studio.bridge = bridge
  const offs = [
    bridge.on('deployment-status', (status) => {
      studio.status = status
      refreshGraph()
    }),
    bridge.on('kernel-events', () => refreshGraph()),
  ]
  const info = await bridge.call('studio.info', {})
  studio.info = info
  studio.status = info.status
  refreshGraph()
  return () => offs.forEach((off) => off())
}

/** Runs a user action, reporting a failure in the top bar instead of throwing. */
export async function act(what: string, action: () => Promise<unknown>): Promise<void> {
  studio.actionError = ''
  try {
    await action()
  } catch (error) {
    studio.actionError = `${what}: ${error instanceof Error ? error.message : String(error)}`
  }
}

export async function openDeployment(file: string): Promise<void> {
  const bridge = studio.bridge
  if (bridge === undefined) return
  await act('open', async () => {
    await bridge.call('deployment.open', { file })
    studio.choosing = false
    studio.selected = undefined
    studio.status = await bridge.call('deployment.status', {})
    studio.info = await bridge.call('studio.info', {})
    refreshGraph()
  })
}

export type ServiceCommand = 'start' | 'stop' | 'restart'

/** Which commands a service in `state` accepts while the deployment runs. */
export function serviceCommands(state: string | undefined): Record<ServiceCommand, boolean> {
  const deploymentUp = studio.status.state === 'running'
  const alive =
    state === 'running' || state === 'waiting' || state === 'registered' || state === 'exported'
  return {
    start: deploymentUp && !alive,
    stop: deploymentUp && alive,
    restart: deploymentUp,
  }
}

/** Starts, stops or restarts one service; a failure shows in the top bar. */
export async function commandService(name: string, command: ServiceCommand): Promise<void> {
  const bridge = studio.bridge
  if (bridge === undefined) return
  await act(`${command} ${name}`, async () => {
    studio.status = await bridge.call(`service.${command}`, { name })
    refreshGraph()
  })
}
