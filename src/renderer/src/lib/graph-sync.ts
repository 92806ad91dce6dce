// Keeps a cytoscape graph in step with the engine's ServiceGraph. Positions are kept across
// updates: only nodes that appear are placed (next to a neighbour when they have one), so a live
// deployment does not reshuffle under the reader's eyes.
import type cytoscape from 'cytoscape'
import type { ServiceGraph } from '../../../shared/bridge/contract'
import { graphElements } from './graph-elements'

/**
 * A node placed while it had no edges sits wherever the layout put a loose node. A deployment's
 * graph starts like that (requires are only known once its guests run), so the first edges
 * trigger one real layout; after that, positions stay. Kept in cytoscape's scratch, not data.
 */
const PROVISIONAL = 'parigotProvisional'

/** Returns whether nodes were added or moved (the view may want to fit them in). */
export function syncGraph(core: cytoscape.Core, next: ServiceGraph): boolean {
  const { nodes, edges } = graphElements(next)
  const wanted = new Set([...nodes.map((n) => n.id), ...edges.map((e) => e.id)])
  const added: cytoscape.NodeSingular[] = []
  core.batch(() => {
    core.elements().forEach((element) => {
      if (!wanted.has(element.id())) core.remove(element)
    })
    for (const node of nodes) {
      const existing = core.getElementById(node.id)
      if (existing.nonempty()) existing.data({ ...node })
      else added.push(core.add({ group: 'nodes', data: { ...node } }) as cytoscape.NodeSingular)
    }
    for (const edge of edges) {
      const existing = core.getElementById(edge.id)
      if (existing.nonempty()) existing.data({ ...edge })
      else core.add({ group: 'edges', data: { ...edge } })
    }
  })
  const everything = added.length > 0 && added.length === core.nodes().length
  let settling = false
  core.nodes().forEach((n) => {
    if (n.scratch(PROVISIONAL) === true && n.degree(false) > 0) settling = true
  })
  if (everything || settling) {
    layoutAll(core)
    return true
  }
  if (added.length === 0) return false
  const fresh = new Set(added.map((n) => n.id()))
  for (const node of added) {
    place(core, node, fresh)
    node.scratch(PROVISIONAL, node.degree(false) === 0)
    fresh.delete(node.id())
  }
  return true
}

/** Marks a node the reader moved: it is never laid out again. */
export function pinNode(node: cytoscape.NodeSingular): void {
  node.scratch(PROVISIONAL, false)
}

/** Requirers above what they require; a box sized from the graph, not from the view (which
 * may not have its size yet), and no fit: the view fits when it knows its size. */
function layoutAll(core: cytoscape.Core): void {
  const n = Math.max(2, core.nodes().length)
  core
    .layout({
      name: 'breadthfirst',
      directed: true,
      fit: false,
      boundingBox: { x1: 0, y1: 0, w: 160 * n, h: 110 * n },
    })
    .run()
  core.nodes().forEach((node) => {
    node.scratch(PROVISIONAL, node.degree(false) === 0)
  })
}

/** Puts a new node beside a placed neighbour, or to the right of everything. */
function place(core: cytoscape.Core, node: cytoscape.NodeSingular, unplaced: Set<string>): void {
  const placed: cytoscape.Position[] = []
  core.nodes().forEach((n) => {
    if (!unplaced.has(n.id())) placed.push({ ...n.position() })
  })
  let neighbour: cytoscape.Position | undefined
  node
    .neighborhood()
    .nodes()
    .forEach((n) => {
      if (neighbour === undefined && !unplaced.has(n.id())) neighbour = { ...n.position() }
    })
  const right = Math.max(0, ...placed.map((p) => p.x))
  const middle = placed.reduce((sum, p) => sum + p.y, 0) / Math.max(1, placed.length)
  const at =
    neighbour !== undefined
      ? { x: neighbour.x + 90, y: neighbour.y + 90 }
      : { x: right + 110, y: middle }
  // Do not land on another node.
  while (placed.some((p) => samePlace(p, at))) at.y += 60
  node.position(at)
}

const samePlace = (a: cytoscape.Position, b: cytoscape.Position): boolean =>
  Math.abs(a.x - b.x) < 30 && Math.abs(a.y - b.y) < 30
