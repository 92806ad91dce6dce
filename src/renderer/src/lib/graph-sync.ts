// Keeps a cytoscape graph in step with the engine's ServiceGraph. Whenever the shape changes
// (a service, a require or an export appears or goes), the whole graph is laid out again by
// ELK's layered algorithm: requirers on the left, what they require on the right, no two boxes
// on top of each other. ELK is deterministic, so an unchanged shape never moves. Once the reader
// drags a node the layout is theirs: new nodes are then only placed beside a neighbour.
import type cytoscape from 'cytoscape'
import type { ServiceGraph } from '../../../shared/bridge/contract'
import { graphElements } from './graph-elements'

const PINNED = 'parigotPinned'

/** Inside a host's box, the same spacing as outside (ELK takes a compound's own options). */
const HOST_BOX_LAYOUT = {
  'elk.spacing.nodeNode': 36,
  'elk.layered.spacing.nodeNodeBetweenLayers': 130,
  'elk.padding': '[top=28,left=16,bottom=16,right=16]',
}

/** ELK's layered algorithm, left to right; spacing leaves room for the edge labels. */
export const LAYERED_LAYOUT = {
  nodeLayoutOptions: (node: cytoscape.NodeSingular) =>
    node.isParent() ? HOST_BOX_LAYOUT : undefined,
  name: 'elk',
  fit: false,
  animate: false,
  nodeDimensionsIncludeLabels: false,
  elk: {
    algorithm: 'layered',
    'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': 36,
    'elk.layered.spacing.nodeNodeBetweenLayers': 130,
    'elk.spacing.componentComponent': 60,
    'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
    // Cluster hosts are compound nodes: lay out their services and the edges between hosts
    // as one graph, so edges cross between the host boxes rather than through them.
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  },
} as const

/**
 * Applies `next`; answers the layout it started (the view fits once it stops), or undefined
 * when nothing moved.
 */
export function syncGraph(
  core: cytoscape.Core,
  next: ServiceGraph,
): { layout: cytoscape.Layouts | undefined; placed: boolean } {
  const { nodes, edges } = graphElements(next)
  const wanted = new Set([...nodes.map((n) => n.id), ...edges.map((e) => e.id)])
  const added: cytoscape.NodeSingular[] = []
  let shapeChanged = false
  core.batch(() => {
    core.elements().forEach((element) => {
      if (!wanted.has(element.id())) {
        core.remove(element)
        shapeChanged = true
      }
    })
    for (const node of nodes) {
      const existing = core.getElementById(node.id)
      if (existing.nonempty()) existing.data({ ...node })
      else added.push(core.add({ group: 'nodes', data: { ...node } }) as cytoscape.NodeSingular)
    }
    for (const edge of edges) {
      const existing = core.getElementById(edge.id)
      if (existing.nonempty()) {
        existing.data({ ...edge })
      } else {
        core.add({ group: 'edges', data: { ...edge } })
        shapeChanged = true
      }
    }
  })
  if (added.length === 0 && !shapeChanged) return { layout: undefined, placed: false }
  let pinned = false
  core.nodes().forEach((n) => {
    if (n.scratch(PINNED) === true) pinned = true
  })
  if (!pinned) {
    const layout = core.layout(LAYERED_LAYOUT as unknown as cytoscape.LayoutOptions)
    layout.run()
    return { layout, placed: true }
  }
  const fresh = new Set(added.map((n) => n.id()))
  for (const node of added) {
    place(core, node, fresh)
    fresh.delete(node.id())
  }
  return { layout: undefined, placed: added.length > 0 }
}

/** Marks the layout as the reader's: no more automatic layouts until `unpinAll`. */
export function pinNode(node: cytoscape.NodeSingular): void {
  node.scratch(PINNED, true)
}

/** Gives the layout back to ELK (the "Lay out" button). */
export function relayout(core: cytoscape.Core): cytoscape.Layouts {
  core.nodes().forEach((n) => {
    n.scratch(PINNED, false)
  })
  const layout = core.layout(LAYERED_LAYOUT as unknown as cytoscape.LayoutOptions)
  layout.run()
  return layout
}

/** Puts a new node beside a placed neighbour, or below everything, on no other node. */
function place(core: cytoscape.Core, node: cytoscape.NodeSingular, unplaced: Set<string>): void {
  const placed: cytoscape.BoundingBox12[] = []
  core.nodes().forEach((n) => {
    if (!unplaced.has(n.id())) placed.push(n.boundingBox())
  })
  let neighbour: cytoscape.Position | undefined
  node
    .neighborhood()
    .nodes()
    .forEach((n) => {
      if (neighbour === undefined && !unplaced.has(n.id())) neighbour = { ...n.position() }
    })
  const bottom = Math.max(0, ...placed.map((b) => b.y2))
  const at =
    neighbour !== undefined ? { x: neighbour.x + 180, y: neighbour.y } : { x: 0, y: bottom + 60 }
  const w = (node.data('width') as number) / 2 + 10
  const h = 30
  const hits = (): boolean =>
    placed.some((b) => at.x + w > b.x1 && at.x - w < b.x2 && at.y + h > b.y1 && at.y - h < b.y2)
  while (hits()) at.y += 50
  node.position(at)
}

/**
 * The layout runs of one core, each from run() to its layoutstop. ELK lays out in a promise and
 * only then moves the nodes (and says layoutstart): a core destroyed in between (the panel left
 * mid-layout) had ELK write into it, a page error. So the core outlives every run counted here.
 */
export class LayoutRuns {
  private running = 0
  private whenStopped: (() => void) | undefined

  track(layout: cytoscape.Layouts | undefined): void {
    if (layout === undefined) return
    this.running++
    layout.one('layoutstop', () => {
      this.running--
      if (this.running === 0) this.whenStopped?.()
    })
  }

  /** Destroys `core` now, or once every run tracked has stopped. */
  destroyWhenStopped(core: cytoscape.Core): void {
    if (this.running > 0) this.whenStopped = () => core.destroy()
    else core.destroy()
  }
}
