// The panels of the workspace, in tab order. A new panel (queue inspector, deploy editor) is one
// entry here and one component folder under panels/.
import type { Component } from 'svelte'
import CallsPanel from '../panels/calls/CallsPanel.svelte'
import EditorPanel from '../panels/editor/EditorPanel.svelte'
import QueuePanel from '../panels/queue/QueuePanel.svelte'
import ServicesPanel from '../panels/services/ServicesPanel.svelte'

export interface PanelEntry {
  readonly id: string
  readonly title: string
  readonly component: Component
}

export const PANELS: readonly PanelEntry[] = [
  { id: 'services', title: 'Services', component: ServicesPanel },
  { id: 'calls', title: 'Calls', component: CallsPanel },
  { id: 'queues', title: 'Queues', component: QueuePanel },
  { id: 'editor', title: 'Deploy config', component: EditorPanel },
]
