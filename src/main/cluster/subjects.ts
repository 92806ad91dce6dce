/**
 * Every NATS name a deployment uses, derived from its name so that two deployments on one
 * server never see each other's traffic (docs/cluster.md lists what an account needs).
 * Deployment, host and guest names are identifiers (`[A-Za-z_][A-Za-z0-9_-]*`, checked by the
 * deploy config's schema) and service names dotted identifiers, so none contains a NATS wildcard,
 * a space or an empty token.
 */

const SAFE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
const SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/

export interface ClusterNames {
  readonly deployment: string
  /** Every subject of the deployment starts with this (`parigot.<deployment>`). */
  readonly prefix: string
  /** The JetStream key-value bucket of the registry. */
  readonly bucket: string
  /** The JetStream stream that keeps recent log batches of every host (log-history.ts). */
  readonly logStream: string
  /** Calls to `service` (`package.Service`): a request subject... */
  callSubject(service: string): string
  /** ...and the queue group its exporters share it through. */
  callQueue(service: string): string
  /** Heartbeats of `host` (every host subscribes to `heartbeatSubject('*')`). */
  heartbeatSubject(host: string): string
  /** Log lines of `host`, batched (`'*'` to hear every host's). */
  logSubject(host: string): string
  /** Kernel events of `host`, batched (`'*'` to hear every host's). */
  eventSubject(host: string): string
  /** Finished spans of `host`'s calls, batched (`'*'` to hear every host's). */
  spanSubject(host: string): string
  /** Requests to start, stop or restart a service of `host` (host-control.ts). */
  controlSubject(host: string): string
  /** Requests for the captured request and response of a call `host` ran (host-payloads.ts). */
  payloadSubject(host: string): string
  /** Registry key of one guest of a host. */
  guestKey(host: string, guest: string): string
}

export function isSafeName(name: string): boolean {
  return SAFE.test(name)
}

export function isServiceName(name: string): boolean {
  return name.length <= 256 && SERVICE.test(name)
}

export function clusterNames(deployment: string): ClusterNames {
  if (!isSafeName(deployment))
    throw new Error(`invalid deployment name ${JSON.stringify(deployment)}`)
  const prefix = `parigot.${deployment}`
  const checked = (kind: string, name: string): string => {
    if (name !== '*' && !isSafeName(name))
      throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`)
    return name
  }
  const service = (name: string): string => {
    if (!isServiceName(name)) throw new Error(`invalid service name ${JSON.stringify(name)}`)
    return name
  }
  return {
    deployment,
    prefix,
    bucket: `parigot_${deployment}`,
    logStream: `parigot_${deployment}_logs`,
    callSubject: (s) => `${prefix}.call.${service(s)}`,
    callQueue: (s) => `${prefix}.q.${service(s)}`,
    heartbeatSubject: (h) => `${prefix}.hb.${checked('host', h)}`,
    logSubject: (h) => `${prefix}.log.${checked('host', h)}`,
    eventSubject: (h) => `${prefix}.ev.${checked('host', h)}`,
    spanSubject: (h) => `${prefix}.span.${checked('host', h)}`,
    controlSubject: (h) => `${prefix}.ctl.${checked('host', h)}`,
    payloadSubject: (h) => `${prefix}.payload.${checked('host', h)}`,
    guestKey: (h, g) => `g.${checked('host', h)}.${checked('guest', g)}`,
  }
}
