import { create } from '@bufbuild/protobuf'
import { KernelErr, MethodBindingSchema } from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import type {
  BindMethodRequest,
  BindMethodResponse,
  ExportRequest,
  LocateRequest,
  LocateResponse,
  RegisterRequest,
  RegisterResponse,
  RequireRequest,
} from '../../shared/gen/parigot/syscall/v1/syscall_pb'
import { formatId, isEmpty, newMethodId, newServiceId, parseAnyId } from '../../shared/id'
import type { HostId, ServiceId } from '../../shared/id'
import { KernelPart, wireId } from './kernel-part'
import type { KernelBooks } from './kernel-part'
import type { ServiceRecord } from './records'
import { MAX_NAME_LENGTH, NAME } from './request-checks'
import type { RequestChecks } from './request-checks'
import type { ServiceLifecycle } from './service-lifecycle'

/**
 * The registry: services a guest registers, the names they export and require (edges of the
 * dependency graph, refused when they would close a cycle), their methods, and locate_.
 */
export class ServiceRegistry extends KernelPart {
  constructor(
    books: KernelBooks,
    private readonly checks: RequestChecks,
    private readonly lifecycle: ServiceLifecycle,
  ) {
    super(books)
  }

  serviceByName(packagePath: string, service: string): ServiceRecord[] {
    const fullName = `${packagePath}.${service}`
    return [...this.services.values()].filter((s) => s.fullName === fullName)
  }

  serviceById(id: ServiceId): ServiceRecord | undefined {
    return this.services.get(formatId(id))
  }

  serviceByIdString(text: string): ServiceRecord | undefined {
    const parsed = parseAnyId(text)
    return parsed.ok && parsed.id.kind === 'service' ? this.services.get(text) : undefined
  }

  allServices(): ServiceRecord[] {
    return [...this.services.values()]
  }

  pathExists(from: ServiceRecord, to: ServiceRecord): boolean {
    return this.graph.pathExists(from, to)
  }

  exportersOf(name: string): ServiceRecord[] {
    return this.graph.exportersOf(name)
  }

  unmetRequirements(service: ServiceRecord) {
    return this.graph.unmetRequirements(service)
  }

  register(caller: HostId, req: RegisterRequest, resp: RegisterResponse): KernelErr {
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const name = this.checks.checkFqs(req.fqs, 'register_', host.value)
    if (!name.ok) return name.code
    const { packagePath, service } = name.value
    const existing = host.value.services.find(
      (s) => s.packagePath === packagePath && s.serviceName === service,
    )
    if (existing) {
      resp.id = wireId(existing.id)
      resp.existedPreviously = true
      return KernelErr.NoError
    }
    if (host.value.services.length >= this.limits.servicesPerHost) {
      this.logger.log(
        'warn',
        `register_ from ${host.value.name}: it already has ${this.limits.servicesPerHost} services`,
      )
      return KernelErr.NamespaceExhausted
    }
    const id = newServiceId()
    const record: ServiceRecord = {
      id,
      key: formatId(id),
      packagePath,
      serviceName: service,
      fullName: `${packagePath}.${service}`,
      host: host.value,
      exports: new Set(),
      requires: new Set(),
      methodsByName: new Map(),
      methodNamesByKey: new Map(),
      state: 'registered',
      launchDeadlineMs: undefined,
      launchCalls: [],
      exitCode: undefined,
      failure: undefined,
      history: [{ state: 'registered', timeMs: this.now() }],
    }
    this.services.set(record.key, record)
    host.value.services.push(record)
    resp.id = wireId(id)
    resp.existedPreviously = false
    this.emit({
      type: 'service-registered',
      service: record.key,
      name: record.fullName,
      host: host.value.key,
    })
    this.emit({
      type: 'service-state',
      service: record.key,
      name: record.fullName,
      state: 'registered',
    })
    return KernelErr.NoError
  }

  export(caller: HostId, req: ExportRequest): KernelErr {
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const service = this.checks.ownService(host.value, req.serviceId, 'export_')
    if (!service.ok) return service.code
    const checked = this.checks.fullNames(req.service, 'export_', host.value)
    if (!checked.ok) return checked.code
    const names = checked.value
    for (const name of names) {
      if (service.value.exports.has(name)) continue
      const cycle = this.graph.cycleIfExported(service.value, name)
      if (cycle) return this.refuseCycle(service.value, cycle, `exporting ${name}`)
    }
    const added = names.filter((n) => !service.value.exports.has(n))
    for (const name of added) this.graph.addExport(service.value, name)
    if (added.length > 0) {
      this.emit({ type: 'service-exported', service: service.value.key, names: added })
      if (service.value.state === 'registered') this.lifecycle.setState(service.value, 'exported')
    }
    this.lifecycle.findRunnable()
    return KernelErr.NoError
  }

  require(caller: HostId, req: RequireRequest): KernelErr {
    const host = this.checks.actingHost(caller, undefined)
    if (!host.ok) return host.code
    const service = this.checks.ownService(host.value, req.source, 'require_')
    if (!service.ok) return service.code
    const checked = this.checks.fullNames(req.dest, 'require_', host.value)
    if (!checked.ok) return checked.code
    const names = checked.value
    for (const name of names) {
      if (service.value.requires.has(name)) continue
      const cycle = this.graph.cycleIfRequired(service.value, name)
      if (cycle) return this.refuseCycle(service.value, cycle, `requiring ${name}`)
    }
    for (const name of names) {
      if (service.value.requires.has(name)) continue
      this.graph.addRequire(service.value, name)
      this.emit({ type: 'require-edge', service: service.value.key, required: name })
    }
    if (service.value.state === 'waiting') this.lifecycle.emitWaiting(service.value)
    return KernelErr.NoError
  }

  bindMethod(caller: HostId, req: BindMethodRequest, resp: BindMethodResponse): KernelErr {
    const host = this.checks.actingHost(caller, req.hostId)
    if (!host.ok) return host.code
    const service = this.checks.ownService(host.value, req.serviceId, 'bind_method_')
    if (!service.ok) return service.code
    const name = req.methodName
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
      this.logger.log(
        'warn',
        `bind_method_ from ${host.value.name}: ${service.value.fullName}: method name ${JSON.stringify(name.slice(0, 80))} is not an identifier`,
      )
      return KernelErr.IdDispatch
    }
    let id = service.value.methodsByName.get(name)
    if (id === undefined) {
      if (service.value.methodsByName.size >= this.limits.methodsPerService) {
        this.logger.log(
          'warn',
          `bind_method_ from ${host.value.name}: ${service.value.fullName} already has ${this.limits.methodsPerService} methods`,
        )
        return KernelErr.NamespaceExhausted
      }
      id = newMethodId()
      service.value.methodsByName.set(name, id)
      service.value.methodNamesByKey.set(formatId(id), name)
    }
    resp.methodId = wireId(id)
    return KernelErr.NoError
  }

  locate(caller: HostId, req: LocateRequest, resp: LocateResponse): KernelErr {
    const host = this.checks.actingHost(caller, undefined)
    if (!host.ok) return host.code
    const fullName = `${req.packageName}.${req.serviceName}`
    let requirers: ServiceRecord[]
    if (req.calledBy === undefined || isEmpty(req.calledBy)) {
      requirers = host.value.services
    } else {
      const own = this.checks.ownService(host.value, req.calledBy, 'locate_')
      if (!own.ok) return own.code
      requirers = [own.value]
    }
    if (!requirers.some((s) => s.requires.has(fullName))) {
      this.logger.log(
        'warn',
        `locate_: ${requirers.map((s) => s.fullName).join(', ') || host.value.name} located ${fullName} without requiring it first (call require_ before launch_)`,
      )
      return KernelErr.NotRequired
    }
    const exporters = this.graph.exportersOf(fullName)
    if (exporters.length === 0) return KernelErr.NotFound
    const running = exporters.filter((s) => s.state === 'running')
    const choices = running.length > 0 ? running : exporters
    const chosen =
      choices[Math.floor(this.random() * choices.length)] ?? (choices[0] as ServiceRecord)
    resp.hostId = wireId(chosen.host.id)
    resp.serviceId = wireId(chosen.id)
    resp.binding = [...chosen.methodsByName].map(([methodName, id]) =>
      create(MethodBindingSchema, { methodName, methodId: wireId(id) }),
    )
    if (resp.binding.length === 0) {
      this.logger.log(
        'warn',
        `locate_ from ${host.value.name}: ${fullName} has bound no methods yet`,
      )
    }
    return KernelErr.NoError
  }

  private refuseCycle(service: ServiceRecord, cycle: ServiceRecord[], action: string): KernelErr {
    const names = cycle.map((s) => s.fullName)
    const reason = `${service.fullName}: ${action} would create a dependency cycle: ${names.join(' -> ')}; refused`
    this.logger.log('error', reason)
    this.emit({
      type: 'dependency-cycle',
      service: service.key,
      cycle: cycle.map((s) => s.key),
      reason,
    })
    return KernelErr.DependencyCycle
  }
}
