import { parseAnyId } from '../../../shared/id'
import type { HostId } from '../../../shared/id'
import type { Kernel } from '../../kernel/kernel'
import type { CallNames } from './collector'

/**
 * Names for a span from the keys of a call-started event: the caller is a service key (its
 * host's first service) or a host key (a host with no service, like the Studio's caller).
 */
export function callNamesOf(kernel: Kernel): CallNames {
  const hostName = (key: string): string => {
    const service = kernel.serviceByIdString(key)
    if (service !== undefined) return service.host.name
    const parsed = parseAnyId(key)
    if (parsed.ok && parsed.id.kind === 'host')
      return kernel.hostById(parsed.id as HostId)?.name ?? key
    return key
  }
  return (callerKey, targetKey) => {
    const target = kernel.serviceByIdString(targetKey)
    return {
      caller: hostName(callerKey),
      callee: target?.host.name ?? targetKey,
      service: target?.fullName ?? targetKey,
    }
  }
}
