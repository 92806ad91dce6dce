import { createHash } from 'node:crypto'
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { ServiceConfig } from '../../shared/deploy-config/types'
import { compileGuest } from '../engine/compile'
import type { CompiledGuest } from '../engine/compile'

const SETTLE_MS = 150

/**
 * Watches each service's .wasm file. Build tools often replace a file by renaming, so the
 * folder is watched, changes are debounced until the file settles, and a change whose bytes
 * are the same as the running version is ignored. A file that does not compile is reported and
 * the running version is kept.
 */
export class ServiceWatcher {
  private readonly watchers: FSWatcher[] = []
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly digests: Map<string, string>

  /** `running` maps each service to the digest (`wasmDigest`) of the module it runs. */
  constructor(
    services: readonly ServiceConfig[],
    running: ReadonlyMap<string, string>,
    private readonly onChanged: (service: ServiceConfig, module: CompiledGuest) => Promise<void>,
    private readonly onError: (message: string) => void,
  ) {
    this.digests = new Map(running)
    const byDir = new Map<string, ServiceConfig[]>()
    for (const s of services) byDir.set(dirname(s.wasm), [...(byDir.get(dirname(s.wasm)) ?? []), s])
    for (const [dir, list] of byDir) {
      const watcher = watch(dir, (_event, file) => {
        for (const s of list) if (file === null || file === basename(s.wasm)) this.schedule(s)
      })
      watcher.on('error', (err) => this.onError(`cannot watch ${dir}: ${err.message}`))
      this.watchers.push(watcher)
    }
  }

  close(): void {
    for (const w of this.watchers) w.close()
    for (const t of this.timers.values()) clearTimeout(t)
  }

  private schedule(service: ServiceConfig): void {
    clearTimeout(this.timers.get(service.name))
    this.timers.set(
      service.name,
      setTimeout(() => void this.check(service), SETTLE_MS),
    )
  }

  private async check(service: ServiceConfig): Promise<void> {
    let bytes: Buffer
    try {
      bytes = await readFile(service.wasm)
    } catch (err) {
      this.onError(
        `${service.name}: cannot read ${service.wasm} (${(err as Error).message}); keeping the last good version running`,
      )
      return
    }
    const hash = wasmDigest(bytes)
    if (this.digests.get(service.name) === hash) return
    let module: CompiledGuest
    try {
      module = await compileGuest(
        new Uint8Array(bytes),
        service.wasm,
        undefined,
        service.memoryLimitMb,
      )
    } catch (err) {
      this.onError(
        `${service.name}: ${(err as Error).message}; keeping the last good version running`,
      )
      return
    }
    this.digests.set(service.name, hash)
    await this.onChanged(service, module)
  }
}

export function wasmDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
