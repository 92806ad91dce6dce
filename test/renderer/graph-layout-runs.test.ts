// The Services panel's core must outlive its ELK layouts: ELK moves the nodes in a promise, and a
// core destroyed before that (the panel left during the first layout) got written into, a page
// error ("Cannot read properties of null (reading 'notify')") that failed e2e runs.
import cytoscape from 'cytoscape'
import elk from 'cytoscape-elk'
import { describe, expect, it } from 'vitest'
import { LayoutRuns, relayout } from '../../src/renderer/src/lib/graph-sync'

cytoscape.use(elk)

function headlessCore(): cytoscape.Core {
  return cytoscape({
    headless: true,
    elements: [
      { data: { id: 'a' } },
      { data: { id: 'b' } },
      { data: { id: 'a-b', source: 'a', target: 'b' } },
    ],
  })
}

describe('LayoutRuns', () => {
  it('destroys the core only once a layout that was running has stopped', async () => {
    const core = headlessCore()
    const runs = new LayoutRuns()
    const layout = relayout(core)
    runs.track(layout)
    const stopped = new Promise<void>((resolve) => layout.one('layoutstop', () => resolve()))
    runs.destroyWhenStopped(core)
    expect(core.destroyed()).toBe(false)
    await stopped
    expect(core.destroyed()).toBe(true)
    // An error thrown by ELK into a dead core surfaces as an unhandled rejection: vitest fails.
  })

  it('destroys the core at once when no layout runs', async () => {
    const core = headlessCore()
    const runs = new LayoutRuns()
    const layout = relayout(core)
    runs.track(layout)
    await new Promise<void>((resolve) => layout.one('layoutstop', () => resolve()))
    runs.destroyWhenStopped(core)
    expect(core.destroyed()).toBe(true)
  })
})
