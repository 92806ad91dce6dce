// The Studio's invoke form calls from a kernel host named "studio", which is no program of the
// deploy config: the graph draws it as a caller node of its own, with an edge to the program it
// called that counts and times the calls from their spans. Real kernel, real ExternalCaller,
// real TraceCollector; the callee is driven syscall by syscall as its worker would.
import { describe, expect, it } from 'vitest'
import { GraphModel } from '../../src/main/bridge/graph-model'
import { STUDIO_CALLER } from '../../src/main/bridge/invoke'
import { ExternalCaller } from '../../src/main/runner/external-caller'
import { callNamesOf } from '../../src/main/runner/trace/call-names'
import { TraceCollector } from '../../src/main/runner/trace/collector'
import type { ServiceConfig } from '../../src/shared/deploy-config/types'
import { graphElements } from '../../src/renderer/src/lib/graph-elements'
import { KernelErr } from '../../src/shared/gen/parigot/syscall/v1/syscall_pb'
import { KernelHarness, text } from '../kernel/kernel-driver'

const program = (name: string, role: ServiceConfig['role'] = 'server'): ServiceConfig => ({
  name,
  wasm: `/nowhere/${name}.wasm`,
  role,
  args: [],
  env: {},
  plugins: [],
})

function studioRun(outsideCallers: readonly string[] = [STUDIO_CALLER]) {
  const k = new KernelHarness()
  const model = new GraphModel([program('greet'), program('main', 'main')], 10_000, true, [
    ...outsideCallers,
  ])
  const collector = new TraceCollector(callNamesOf(k.kernel))
  collector.subscribe((span) => model.spanFinished(span))
  let seen = 0
  const pump = (): void => {
    for (; seen < k.events.length; seen++) {
      const event = k.events[seen]!
      collector.onEvent(event)
      model.apply(event)
    }
  }
  const greet = k.guest('greet')
  greet.serve('greeting.v1.Greeting', ['FetchGreeting'])
  greet.readOne() // its launch
  const studio = new ExternalCaller(k.kernel, STUDIO_CALLER)
  /** One invoke: the studio dispatches, greet serves it (answering `resultError`), studio collects. */
  const invoke = async (resultError = 0, ms = 3) => {
    const pending = studio.call('greeting.v1.Greeting', 'FetchGreeting', text('French'))
    const inbound = greet.readOne().resp
    expect(inbound.call).toBeDefined()
    k.nowMs += ms
    const answer = resultError === 0 ? text('bonjour') : undefined
    expect(greet.returnValue(inbound.callId, answer, resultError)).toBe(KernelErr.NoError)
    studio.collect()
    const result = await pending
    pump()
    return result
  }
  pump()
  return { model, invoke }
}

describe('graph: the Studio as a caller', () => {
  it('draws no studio node before the first invoke', () => {
    const { model } = studioRun()
    const graph = model.graph()
    expect(graph.callers).toBeUndefined()
    expect(graph.edges.filter((e) => e.fromCaller)).toEqual([])
  })

  it('an invoke adds the studio node and an edge to the program called, counted from spans', async () => {
    const { model, invoke } = studioRun()
    expect((await invoke(0, 4)).kind).toBe('ok')
    expect((await invoke(4, 2)).kind).toBe('error')
    const graph = model.graph()
    expect(graph.callers).toEqual(['studio'])
    expect(graph.nodes.map((n) => n.name)).toEqual(['greet', 'main'])
    const edge = graph.edges.find((e) => e.fromCaller)
    expect(edge).toEqual({
      from: 'studio',
      to: 'greet',
      via: 'greeting.v1.Greeting',
      fromCaller: true,
      calls: { count: 2, errors: 1, p50Ms: 3 },
    })

    // The renderer draws it as a node of its own (not a service box) with the edge from it.
    const { nodes, edges } = graphElements(graph)
    const node = nodes.find((n) => n.id === 'caller:studio')
    expect(node).toMatchObject({ label: 'studio', outside: true, state: 'outside' })
    expect(nodes.some((n) => n.id === 'svc:studio')).toBe(false)
    expect(edges.find((e) => e.source === 'caller:studio')).toMatchObject({
      target: 'svc:greet',
      calls: 2,
      errors: 1,
      p50: 3,
      unmet: false,
    })
  })

  it('a caller the model was not told about draws nothing (only programs and outside callers)', async () => {
    const { model, invoke } = studioRun([])
    await invoke()
    expect(model.graph().callers).toBeUndefined()
  })
})
