import { readFile } from 'node:fs/promises'
import type { DeployConfig, ServiceConfig, ServicePlugin } from '../../shared/deploy-config/types'
import type { CompiledGuest } from '../engine/compile'
import type { Kernel } from '../kernel/kernel'
import type { PluginSpec } from '../plugins/plugin-api'
import { sharedModuleCache } from './module-cache'
import type { GuestSpec } from './running-guest'
import { wasmDigest } from './service-watcher'

// What a deployment makes of its services' modules: each .wasm compiled (once per distinct
// module), the guest a service runs as, and which services depend on one (for restarts).

/** A guest's linear memory cap when neither its service nor the deployment sets one. */
export const DEFAULT_MEMORY_LIMIT_MB = 256

export async function compileServices(
  config: DeployConfig,
  services: readonly ServiceConfig[],
  digests: Map<string, string>,
  onProgress: ((message: string) => void) | undefined,
  onError: (message: string) => void,
): Promise<Map<string, CompiledGuest> | undefined> {
  const started = performance.now()
  onProgress?.(`compiling ${services.length} module(s)`)
  const results = await Promise.allSettled(
    services.map(async (service) => {
      let bytes: Buffer
      try {
        bytes = await readFile(service.wasm)
      } catch (err) {
        throw new Error(
          `${config.file}: services.${service.name}.wasm: cannot read ${service.wasm}: ${fsCode(err)}`,
          { cause: err },
        )
      }
      const compiled = await sharedModuleCache.compile(
        new Uint8Array(bytes),
        service.wasm,
        memoryLimitOf(config, service),
      )
      digests.set(service.name, wasmDigest(bytes))
      onProgress?.(`compiled ${service.name} (${Math.round(bytes.byteLength / 1024)} kB)`)
      return [service.name, compiled] as const
    }),
  )
  const failures = results.filter((r) => r.status === 'rejected')
  for (const failure of failures) {
    const reason = (failure as PromiseRejectedResult).reason as unknown
    onError(reason instanceof Error ? reason.message : String(reason))
  }
  if (failures.length > 0) return undefined
  onProgress?.(
    `compiled ${services.length} module(s) in ${Math.round(performance.now() - started)} ms`,
  )
  return new Map(
    results.map((r) => (r as PromiseFulfilledResult<readonly [string, CompiledGuest]>).value),
  )
}

export function guestSpec(
  config: DeployConfig,
  service: ServiceConfig,
  compiled: Map<string, CompiledGuest>,
): GuestSpec {
  const module = compiled.get(service.name)
  if (module === undefined) throw new Error(`internal: ${service.name} was not compiled`)
  return {
    name: service.name,
    compiled: module,
    args: service.args,
    env: service.env,
    plugins: service.plugins.map((p) => toPluginSpec(p, config)),
    dataDir: config.dataDir,
    program: service.role !== 'server',
    memoryLimitMb: memoryLimitOf(config, service),
  }
}

/** The service's memory_limit_mb, else the deployment's, else the default (256). */
export function memoryLimitOf(config: DeployConfig, service: ServiceConfig): number {
  return service.memoryLimitMb ?? config.limits.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB
}

/** Services whose requirements are exported by `service`'s guest, transitively. */
export function dependentsOf(
  kernel: Kernel | undefined,
  services: readonly ServiceConfig[],
  service: ServiceConfig,
): ServiceConfig[] {
  if (kernel === undefined) return []
  const exportsOf = (name: string) =>
    new Set(kernel.hostByName(name)?.services.flatMap((s) => [...s.exports]) ?? [])
  const requiresOf = (name: string) =>
    new Set(kernel.hostByName(name)?.services.flatMap((s) => [...s.requires]) ?? [])
  const found = new Set<string>()
  const frontier = [service.name]
  while (frontier.length > 0) {
    const exported = exportsOf(frontier.pop() as string)
    for (const other of services) {
      if (other.name === service.name || found.has(other.name)) continue
      if ([...requiresOf(other.name)].some((n) => exported.has(n))) {
        found.add(other.name)
        frontier.push(other.name)
      }
    }
  }
  return services.filter((s) => found.has(s.name))
}

/**
 * The running services to restart when a guest of another host that exports `exported` runs a
 * new instance: those that require one of `exported`, less those that depend (through local
 * services) on another of them, since restarting that one takes them along (Deployment.restart
 * restarts a service's dependents). So each restarts once, whatever the deploy file's order.
 */
export function remoteDependentsToRestart(
  kernel: Kernel,
  services: readonly ServiceConfig[],
  isRunning: (name: string) => boolean,
  exported: ReadonlySet<string>,
): ServiceConfig[] {
  const requiresOf = (name: string) =>
    kernel.hostByName(name)?.services.flatMap((s) => [...s.requires]) ?? []
  const direct = services.filter(
    (s) => isRunning(s.name) && requiresOf(s.name).some((n) => exported.has(n)),
  )
  const covered = new Set(
    direct.flatMap((s) => dependentsOf(kernel, services, s).map((d) => d.name)),
  )
  const roots = direct.filter((s) => !covered.has(s.name))
  // Direct dependents that all depend on each other (a cycle): one of them takes the rest along.
  return roots.length > 0 || direct.length === 0 ? roots : direct.slice(0, 1)
}

function toPluginSpec(plugin: ServicePlugin, config: DeployConfig): PluginSpec {
  // The deployment's name and [cluster] (the queue plugin's JetStream backend connects with it).
  const deployment = {
    name: config.name,
    ...(config.cluster !== undefined ? { cluster: config.cluster } : {}),
  }
  return 'builtin' in plugin
    ? { name: plugin.name, builtin: plugin.builtin, settings: plugin.settings, deployment }
    : {
        name: plugin.name,
        path: plugin.path,
        symbol: plugin.symbol,
        settings: plugin.settings,
        deployment,
      }
}

/** The error code of a file-system error (`EIO`, `EACCES`…), or its message. */
export function fsCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)
}
