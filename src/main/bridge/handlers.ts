// What each bridge method does, over a StudioSession. Parameters arrive already validated
// against BRIDGE_METHODS; what the validators cannot know (files, names, regexes) is checked here.
import type { BridgeMethod, BridgeParams, BridgeResult } from '../../shared/bridge/contract'
import { MAX_LOG_BACKFILL, MAX_TRACE_LIST } from '../../shared/bridge/contract'
import type { LogPredicate } from './log-filter'
import { compileLogFilter } from './log-filter'
import type { StudioSession } from './session'
import { compileUserPattern, MATCH_BUDGET_MS } from './user-pattern'

/** What a handler may change about the connection that called it. */
export interface CallerState {
  /** Sets the connection's log filter; later `logs` events start after `fromSeq`. */
  subscribeLogs(match: LogPredicate, fromSeq: number): void
}

export type Handlers = {
  readonly [M in BridgeMethod]: (
    params: BridgeParams<M>,
    caller: CallerState,
  ) => Promise<BridgeResult<M>> | BridgeResult<M>
}

export function createHandlers(session: StudioSession): Handlers {
  return {
    'studio.info': () => session.info(),
    'deployment.open': ({ file }) => session.open(file),
    'deployment.status': () => session.status(),
    'deployment.run': () => session.run(),
    'deployment.stop': () => session.stop(),
    'deployment.restart': () => session.restart(),
    'service.restart': ({ name }) => session.restartService(name),
    'graph.get': () => session.graph(),
    'service.details': ({ name }) => session.details(name),
    'logs.subscribe': ({ filter, backfill }, caller) => {
      const match = compileLogFilter(filter)
      const next = session.logs.next
      const { lines, truncated } = session.logs.tail(backfill, match, MATCH_BUDGET_MS)
      caller.subscribeLogs(match, next)
      const file = session.logFileInfo()
      return { lines, truncated, ...(file ? { file } : {}) }
    },
    'config.validate': async ({ file, text }) => ({
      diagnostics: await session.validateConfig(file, text),
    }),
    'config.read': ({ file }) => session.readConfig(file),
    'config.save': ({ file, text }) => session.saveConfig(file, text),
    'workspace.files': () => session.workspaceFiles(),
    'queue.list': async () => ({ queues: await session.queueList() }),
    'queue.peek': async ({ queue, states, afterSeq, limit }) => ({
      messages: await session.queuePeek(queue, {
        ...(states !== undefined ? { states } : {}),
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        ...(limit !== undefined ? { limit } : {}),
      }),
    }),
    'queue.search': ({ queue, text, regex, limit }) =>
      session.queueSearch(
        queue,
        compileUserPattern(text, regex === true, 'params.text'),
        limit,
        MATCH_BUDGET_MS,
      ),
    'queue.delete': async ({ queue, msgId }) => ({
      deleted: await session.queueDelete(queue, msgId),
    }),
    'queue.purge': async ({ queue, state }) => ({
      removed: await session.queuePurge(queue, state),
    }),
    'queue.redrive': async ({ queue }) => ({ moved: await session.queueRedrive(queue) }),
    'service.start': ({ name }) => session.startService(name),
    'service.stop': ({ name }) => session.stopService(name),
    'logs.read': ({ fromSeq, toSeq, limit }) =>
      session.readLog(fromSeq, toSeq, limit ?? MAX_LOG_BACKFILL),
    'logs.search': ({ filter, afterSeq, limit }) =>
      session.searchLog(
        compileLogFilter(filter, 'params.filter', false),
        afterSeq ?? -1,
        limit ?? MAX_LOG_BACKFILL,
      ),
    'queue.send': async ({ queue, typeName, payload }) => ({
      msgId: await session.queueSend(queue, typeName, payload),
    }),
    'queue.types': () => ({ types: session.queueTypes() }),
    'methods.list': ({ program }) => session.methodsList(program),
    'method.invoke': ({ service, method, json }) => session.invoke(service, method, json),
    'method.history': () => ({ calls: session.invokeHistory() }),
    'traces.list': ({ filter, limit }) => session.traces.list(filter, limit ?? MAX_TRACE_LIST),
    'traces.get': ({ traceId }) => session.traces.get(traceId),
    'traces.save': ({ file }) => session.saveTraces(file),
    'traces.open': ({ file }) => session.traces.open(file),
    'traces.live': () => session.traces.live(),
    'traces.payload': ({ spanId }) => session.spanPayload(spanId),
  }
}
