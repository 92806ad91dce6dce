import type { HostId } from '../../shared/id'
import type { GuestBinding } from './host-function'
import type { Logger } from './logger'

/**
 * The context a host implementation receives (the reference's ManufactureHostContext): which
 * function is running, for which guest, and a logger whose lines name both.
 */
export interface HostContext {
  readonly module: string
  readonly functionName: string
  readonly serviceName: string
  hostId(): HostId | undefined
  readonly logger: Logger
}

export function manufactureHostContext(
  guest: GuestBinding,
  module: string,
  functionName: string,
): HostContext {
  return {
    module,
    functionName,
    serviceName: guest.serviceName,
    hostId: guest.hostId,
    logger: guest.logger,
  }
}
