import type { HostId } from '../../shared/id'
import type { Kernel } from '../kernel/kernel'
import { Word } from '../kernel/transport/channel'
import type { KernelServer } from '../kernel/transport/kernel-server'
import type { Running } from './running-guest'

/**
 * The deadlock check: whether every live guest waits for good (each worker says so through its
 * channel's IDLE word: back in read_one_ after an empty read, no host call since) and the
 * kernel knows nothing that could wake any of them: nothing to read, no mail, no call
 * outstanding. Answers the kernel's report of what each waits for, or undefined. The
 * supervisor runs it when a guest goes idle or ends; no timer. `outsideCallers`: a program
 * that serves a running service can be called from outside (the Studio), so it can wake.
 */
export function waitsForGood(
  live: readonly Running[],
  kernel: Kernel,
  server: KernelServer,
  outsideCallers: boolean | undefined,
): ReturnType<Kernel['waitReport']> {
  const allIdle = () => live.every((r) => Atomics.load(r.channel.header, Word.IDLE) === 1)
  if (!live.some((r) => r.program) || !allIdle()) return undefined
  if (outsideCallers && live.some((r) => r.program && servesRunning(kernel, r.host)))
    return undefined
  server.drainNotices()
  if (live.some((r) => server.hasMail(r.host))) return undefined
  const report = kernel.waitReport(live.map((r) => r.host))
  if (report === undefined || !allIdle()) return undefined
  return report
}

function servesRunning(kernel: Kernel, host: HostId): boolean {
  const services = kernel.hostById(host)?.services ?? []
  return services.some((s) => s.state === 'running' && s.exports.size > 0)
}
