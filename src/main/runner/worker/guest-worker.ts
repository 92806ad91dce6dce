// The entry point of one guest's worker thread. The worker starts idle (so a pool can start
// it ahead of time), receives one `run` message, instantiates the guest against WASI and the
// forwarding `parigot.*` imports, runs its entry point and reports how it ended.
import { parentPort } from 'node:worker_threads'
import { describeCompiled } from '../../engine/compile'
import { createEngine } from '../../engine/engine'
import { createLogger } from '../../engine/logger'
import { openChannel } from '../../kernel/transport/channel'
import type { SupervisorMessage, GuestWorkerData, WorkerMessage } from './messages'
import { syscallForwarders } from './syscall-client'

const port = parentPort
if (port === null) throw new Error('guest-worker must run in a worker thread')
const post = (message: WorkerMessage) => port.postMessage(message)

function run(data: GuestWorkerData): void {
  const logger = createLogger(data.serviceName, (record) =>
    post({ type: 'log', level: record.level, message: record.message, timeMs: record.timeMs }),
  )
  const engine = createEngine()
  for (const def of syscallForwarders(openChannel(data.channel))) engine.registerHostFunction(def)
  let instance
  try {
    instance = engine.instantiate(describeCompiled(data.module, data.origin, 0), {
      serviceName: data.serviceName,
      args: data.args,
      env: data.env,
      logger,
    })
  } catch (err) {
    post({ type: 'instantiate-failed', message: err instanceof Error ? err.message : String(err) })
    return
  }
  post({ type: 'started' })
  const outcome = instance.start()
  if (outcome.kind === 'exited') post({ type: 'ended', kind: 'exited', code: outcome.code })
  else if (outcome.kind === 'trapped')
    post({ type: 'ended', kind: 'failed', reason: outcome.message })
  else post({ type: 'ended', kind: 'exited', code: 0 })
}

port.once('message', (message: SupervisorMessage) => {
  if (message.type === 'run') run(message.data)
})
post({ type: 'ready' })
