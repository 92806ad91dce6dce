import type { UnmetRequirement } from '../../shared/events/kernel-events'
import type { ServiceRecord } from './records'

/**
 * The require/export graph: service A depends on service B when A requires a name B exports.
 * Names can be required before anyone exports them, so edges appear on both require and export.
 */
export class DependencyGraph {
  private readonly exporters = new Map<string, Set<ServiceRecord>>()
  private readonly requirers = new Map<string, Set<ServiceRecord>>()

  addExport(service: ServiceRecord, name: string): void {
    setOf(this.exporters, name).add(service)
    service.exports.add(name)
  }

  addRequire(service: ServiceRecord, name: string): void {
    setOf(this.requirers, name).add(service)
    service.requires.add(name)
  }

  exportersOf(name: string): ServiceRecord[] {
    return [...(this.exporters.get(name) ?? [])]
  }

  requirersOf(name: string): ServiceRecord[] {
    return [...(this.requirers.get(name) ?? [])]
  }

  /** The services `service` depends on directly. */
  dependenciesOf(service: ServiceRecord): ServiceRecord[] {
    const out = new Set<ServiceRecord>()
    for (const name of service.requires) {
      for (const exporter of this.exporters.get(name) ?? []) out.add(exporter)
    }
    return [...out]
  }

  /** A dependency path from `from` to `to` (both included), or undefined. */
  findPath(from: ServiceRecord, to: ServiceRecord): ServiceRecord[] | undefined {
    const visited = new Set<ServiceRecord>()
    const walk = (node: ServiceRecord): ServiceRecord[] | undefined => {
      if (node === to) return [node]
      if (visited.has(node)) return undefined
      visited.add(node)
      for (const next of this.dependenciesOf(node)) {
        const rest = walk(next)
        if (rest) return [node, ...rest]
      }
      return undefined
    }
    return walk(from)
  }

  pathExists(from: ServiceRecord, to: ServiceRecord): boolean {
    return this.findPath(from, to) !== undefined
  }

  /**
   * The cycle that `requirer requires name` would close, as A -> B -> ... -> A, or undefined.
   * A name with several exporters is a cycle only if none of them can ever run, so a service
   * may require a name it exports itself when someone else exports it too.
   */
  cycleIfRequired(requirer: ServiceRecord, name: string): ServiceRecord[] | undefined {
    return this.cycleWith({ requirer, name })
  }

  /** The cycle that `exporter exports name` would close, as A -> B -> ... -> A, or undefined. */
  cycleIfExported(exporter: ServiceRecord, name: string): ServiceRecord[] | undefined {
    return this.cycleWith({ exporter, name })
  }

  /**
   * Adds the edge hypothetically and looks for services that could then never run even if
   * every service launched and every name nobody exports yet were exported later: those are
   * stuck in a cycle. Returns one such cycle, or undefined.
   */
  private cycleWith(extra: {
    requirer?: ServiceRecord
    exporter?: ServiceRecord
    name: string
  }): ServiceRecord[] | undefined {
    const requiresOf = (s: ServiceRecord): string[] =>
      extra.requirer === s ? [...s.requires, extra.name] : [...s.requires]
    const exportersOf = (name: string): ServiceRecord[] => {
      const list = this.exportersOf(name)
      return extra.exporter && name === extra.name ? [...list, extra.exporter] : list
    }
    const all = new Set<ServiceRecord>()
    for (const set of this.exporters.values()) for (const s of set) all.add(s)
    for (const set of this.requirers.values()) for (const s of set) all.add(s)
    if (extra.requirer) all.add(extra.requirer)
    if (extra.exporter) all.add(extra.exporter)

    const canRun = new Set<ServiceRecord>()
    let changed = true
    while (changed) {
      changed = false
      for (const s of all) {
        if (canRun.has(s)) continue
        const ok = requiresOf(s).every((name) => {
          const exporters = exportersOf(name)
          return exporters.length === 0 || exporters.some((e) => canRun.has(e))
        })
        if (ok) {
          canRun.add(s)
          changed = true
        }
      }
    }
    const start = extra.requirer ?? [...all].find((s) => !canRun.has(s))
    if (start === undefined || canRun.has(start)) return undefined
    // Every stuck service has a requirement all of whose exporters are stuck: follow those
    // edges until a service repeats.
    const path: ServiceRecord[] = []
    let node: ServiceRecord | undefined = start
    while (node !== undefined && !path.includes(node)) {
      path.push(node)
      const current: ServiceRecord = node
      const blocking = requiresOf(current).find((name) => {
        const exporters = exportersOf(name)
        return exporters.length > 0 && exporters.every((e) => !canRun.has(e))
      })
      node = blocking === undefined ? undefined : exportersOf(blocking).find((e) => !canRun.has(e))
    }
    if (node === undefined) return undefined
    return [...path.slice(path.indexOf(node)), node]
  }

  /** A running exporter of `name`, if any (the first in export order). */
  runningExporter(name: string): ServiceRecord | undefined {
    for (const exporter of this.exporters.get(name) ?? []) {
      if (exporter.state === 'running') return exporter
    }
    return undefined
  }

  /** Each required name with no running exporter, and why, in words a user can act on. */
  unmetRequirements(service: ServiceRecord): UnmetRequirement[] {
    const unmet: UnmetRequirement[] = []
    for (const name of service.requires) {
      if (this.runningExporter(name)) continue
      unmet.push({ name, reason: this.whyNotRunning(name, new Set([service])) })
    }
    return unmet
  }

  private whyNotRunning(name: string, seen: Set<ServiceRecord>): string {
    const exporters = this.exportersOf(name)
    if (exporters.length === 0) return `nobody exports ${name}`
    return exporters
      .map((exporter) => {
        const who = `its exporter ${exporter.fullName}`
        switch (exporter.state) {
          case 'registered':
          case 'exported':
            return `${who} has not launched`
          case 'failed':
            return `${who} failed${exporter.failure ? ` (${exporter.failure})` : ''}`
          case 'exited':
            return `${who} has exited${exporter.exitCode !== undefined ? ` (code ${exporter.exitCode})` : ''}`
          case 'running':
            return `${who} is running`
          case 'waiting': {
            if (seen.has(exporter)) return `${who} is waiting in a cycle`
            seen.add(exporter)
            const waits = [...exporter.requires]
              .filter((n) => !this.runningExporter(n))
              .map((n) => `${n} (${this.whyNotRunning(n, seen)})`)
            return `${who} is itself waiting for ${waits.join(', ') || 'nothing'}`
          }
        }
      })
      .join('; ')
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  return set
}
