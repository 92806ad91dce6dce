// The bridge methods over an AttachedSession (attached-session.ts): the views answer from the
// cluster, a service's start/stop/restart goes to its host, the queue inspector works on the
// deployment's JetStream queues; what else would change the deployment is refused with
// 'conflict', saying why.
import { MAX_TRACE_LIST } from '../../shared/bridge/contract'
import type { AttachedSession } from './attached-session'
import { StudioError } from './errors'
import type { Handlers } from './handlers'
import { compileLogFilter } from './log-filter'
import { compileUserPattern, MATCH_BUDGET_MS } from './user-pattern'

export function createAttachedHandlers(session: AttachedSession): Handlers {
  const readOnly = (what: string) => (): never => {
    throw new StudioError(
      'conflict',
      `${what}: the Studio is attached to a deployment running on a cluster (read-only); ` +
        'run, stop and edit it on its hosts',
    )
  }
  const queues = session.queueDesk
  return {
    'studio.info': () => session.info(),
    'deployment.open': readOnly('open'),
    'deployment.status': () => session.status(),
    'deployment.run': readOnly('run'),
    'deployment.stop': readOnly('stop'),
    'deployment.restart': readOnly('restart'),
    'service.restart': ({ name }) => session.control('restart', name),
    'graph.get': () => session.graph(),
    'service.details': ({ name }) => session.details(name),
    'logs.subscribe': ({ filter, backfill }, caller) => {
      const match = compileLogFilter(filter)
      const next = session.logs.next
      const { lines, truncated } = session.logs.tail(backfill, match, MATCH_BUDGET_MS)
      caller.subscribeLogs(match, next)
      return { lines, truncated }
    },
    'config.validate': () => ({ diagnostics: [] }),
    'config.read': readOnly('read the config'),
    'config.save': readOnly('save the config'),
    'workspace.files': () => ({ roots: [], files: [], truncated: false }),
    'queue.list': async () => ({ queues: await queues.queueList() }),
    'queue.peek': async ({ queue, states, afterSeq, limit }) => ({
      messages: await queues.queuePeek(queue, {
        ...(states !== undefined ? { states } : {}),
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        ...(limit !== undefined ? { limit } : {}),
      }),
    }),
    'queue.search': ({ queue, text, regex, limit }) =>
      queues.queueSearch(
        queue,
        compileUserPattern(text, regex === true, 'params.text'),
        limit,
        MATCH_BUDGET_MS,
      ),
    'queue.delete': async ({ queue, msgId }) => ({
      deleted: await queues.queueDelete(queue, msgId),
    }),
    'queue.purge': async ({ queue, state }) => ({ removed: await queues.queuePurge(queue, state) }),
    'queue.redrive': async ({ queue }) => ({ moved: await queues.queueRedrive(queue) }),
    'service.start': ({ name }) => session.control('start', name),
    'service.stop': ({ name }) => session.control('stop', name),
    // The ring is all an attached Studio keeps: it writes no log file.
    'logs.read': () => ({ lines: [], file: undefined, more: false }),
    'logs.search': () => ({ lines: [], file: undefined, more: false }),
    'queue.send': async ({ queue, typeName, payload }) => ({
      msgId: await queues.queueSend(queue, typeName, payload),
    }),
    'queue.types': () => ({ types: queues.queueTypes() }),
    'methods.list': () => ({ programs: [], problems: [] }),
    'method.invoke': readOnly('invoke a method'),
    'method.history': () => ({ calls: [] }),
    'traces.list': ({ filter, limit }) => session.traces.list(filter, limit ?? MAX_TRACE_LIST),
    'traces.get': ({ traceId }) => session.traces.get(traceId),
    'traces.save': readOnly('save traces'),
    'traces.open': ({ file }) => session.traces.open(file),
    'traces.live': () => session.traces.live(),
    'traces.payload': ({ spanId }) => session.spanPayload(spanId),
  }
}
