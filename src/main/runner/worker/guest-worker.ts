// The entry point of one guest's worker thread. The worker starts idle (so a pool can start
// it ahead of time), receives one `run` message, instantiates the guest against WASI and the
// forwarding `parigot.*` imports, runs its entry point and reports how it ended.
import { parentPort } from 'node:worker_threads'
import { describeCompiled } from '../../engine/compile'
import { createEngine } from '../../engine/engine'
import { createLogger } from '../../engine/logger'
import { openChannel } from '../../kernel/transport/channel'
import { openSwitchboard } from '../../kernel/transport/switchboard'
import { BUILTIN_PLUGINS } from '../../plugins/builtin'
import { initPlugin } from '../../plugins/init-plugin'
import { loadPlugin } from '../../plugins/loader'
import type { ParigotInit } from '../../plugins/plugin-api'
import { fromRaw } from '../../../shared/id'
import type { SupervisorMessage, GuestWorkerData, WorkerMessage } from './messages'
import { syscallForwarders } from './syscall-client'

const port = parentPort
if (port === null) throw new Error('guest-worker must run in a worker thread')
const post = (message: WorkerMessage) => port.postMessage(message)

async function run(data: GuestWorkerData): Promise<void> {
  const logger = createLogger(data.serviceName, (record) =>
    post({ type: 'log', level: record.level, message: record.message, timeMs: record.timeMs }),
  )
  const hostId = fromRaw('host', data.hostId)
  const engine = createEngine()
  const direct = data.direct && {
    board: openSwitchboard(data.direct.switchboard),
    slot: data.direct.slot,
    gen: data.direct.gen,
    host: data.hostId,
    inboundQueue: data.direct.inboundQueue,
    callTimeoutMs: data.direct.callTimeoutMs,
  }
  for (const def of syscallForwarders(openChannel(data.channel), direct))
    engine.registerHostFunction(def)
  let instance
  try {
    for (const spec of data.plugins) {
      let plugin: ParigotInit | undefined
      if (spec.builtin !== undefined) {
        plugin = BUILTIN_PLUGINS[spec.builtin]
        if (plugin === undefined) {
          const known = Object.keys(BUILTIN_PLUGINS).join(', ') || 'none'
          throw new Error(
            `plugin "${spec.name}": no built-in plugin "${spec.builtin}" (built-in: ${known})`,
          )
        }
      } else {
        plugin = (await loadPlugin(spec.path ?? '', spec.symbol ?? '')).plugin
      }
      initPlugin(spec.name, plugin, engine, logger, {
        settings: spec.settings ?? {},
        dataDir: data.dataDir,
      })
    }
    instance = engine.instantiate(describeCompiled(data.module, data.origin, 0), {
      serviceName: data.serviceName,
      args: data.args,
      env: data.env,
      logger,
      hostId: () => hostId,
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
  if (message.type === 'run') void run(message.data)
})
post({ type: 'ready' })
