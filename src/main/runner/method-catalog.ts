// Which methods of a deployment can be called from outside (the Studio's invoke form, `parigot
// call`), with their request and response types: from the FileDescriptorSet files the config
// names in `deployment.descriptors` when there are any, else from each guest's
// parigot.descriptors section (docs/abi.md).
import type { DescEnum, DescMessage, DescService, FileRegistry } from '@bufbuild/protobuf'
import { createFileRegistry } from '@bufbuild/protobuf'
import type { DeployConfig } from '../../shared/deploy-config/types'
import { kernelServiceName } from '../../shared/naming/snake'
import { loadDescriptorSets, registryOf } from './descriptor-sets'

export const DESCRIPTORS_SECTION = 'parigot.descriptors'

export interface CallableMethod {
  /** `package.Service`, as in the .proto */
  readonly service: string
  /** `package.service`, as generated guests register it with the kernel */
  readonly kernelName: string
  readonly method: string
  readonly input: DescMessage
  readonly output: DescMessage
  /** The service's error enum (`...Err` in its file), naming the codes it answers with. */
  readonly errors: DescEnum | undefined
}

export interface MethodCatalog {
  readonly registry: FileRegistry | undefined
  readonly methods: readonly CallableMethod[]
  /** Guests that carry no descriptors (their methods cannot be called by form), and why. */
  readonly undescribed: readonly { readonly guest: string; readonly reason: string }[]
  /** Descriptor sets that could not be read, each with its reason. */
  readonly problems: readonly string[]
}

/** The parigot.descriptors section of a compiled guest, if it has one. */
export function embeddedDescriptors(module: WebAssembly.Module): Uint8Array | undefined {
  const [section] = WebAssembly.Module.customSections(module, DESCRIPTORS_SECTION)
  return section === undefined ? undefined : new Uint8Array(section)
}

/** The catalog of `config`, whose guests are compiled as `modules` (service name -> module). */
export function methodCatalog(
  config: DeployConfig,
  modules: ReadonlyMap<string, WebAssembly.Module>,
): MethodCatalog {
  const registries: FileRegistry[] = []
  const undescribed: { guest: string; reason: string }[] = []
  const problems: string[] = []
  if (config.descriptors !== undefined && config.descriptors.length > 0) {
    const loaded = loadDescriptorSets(config.descriptors)
    if (loaded.registry !== undefined) registries.push(loaded.registry)
    for (const p of loaded.problems) problems.push(`descriptor set ${p.file}: ${p.problem}`)
  } else {
    for (const [guest, module] of modules) {
      const bytes = embeddedDescriptors(module)
      if (bytes === undefined) {
        undescribed.push({
          guest,
          reason: `its .wasm has no ${DESCRIPTORS_SECTION} section (build it with npm run build:examples, or name descriptor sets in [deployment] descriptors)`,
        })
        continue
      }
      try {
        registries.push(registryOf(bytes))
      } catch (err) {
        const reason = `its ${DESCRIPTORS_SECTION} section ${err instanceof Error ? err.message : String(err)}`
        undescribed.push({ guest, reason })
      }
    }
  }
  const registry = registries.length === 0 ? undefined : createFileRegistry(...registries)
  const methods: CallableMethod[] = []
  const seen = new Set<string>()
  for (const type of registry ?? []) {
    if (type.kind !== 'service' || seen.has(type.typeName)) continue
    seen.add(type.typeName)
    const errors = errorEnumOf(type)
    for (const method of type.methods) {
      methods.push({
        service: type.typeName,
        kernelName: kernelServiceName(type.typeName),
        method: method.name,
        input: method.input,
        output: method.output,
        errors,
      })
    }
  }
  methods.sort((a, b) => `${a.service}.${a.method}`.localeCompare(`${b.service}.${b.method}`))
  return { registry, methods, undescribed, problems }
}

/** The enum named `...Err` in the service's file, when there is exactly one. */
function errorEnumOf(service: DescService): DescEnum | undefined {
  const candidates = service.file.enums.filter((e) => e.name.endsWith('Err'))
  return candidates.length === 1 ? candidates[0] : undefined
}

/** `package.Service.Method` -> its catalog entry, or why there is none. */
export function findMethod(
  catalog: MethodCatalog,
  qualified: string,
): CallableMethod | { readonly problem: string } {
  const found = catalog.methods.find((m) => `${m.service}.${m.method}` === qualified)
  if (found !== undefined) return found
  const dot = qualified.lastIndexOf('.')
  const service = qualified.slice(0, dot)
  const ofService = catalog.methods.filter((m) => m.service === service)
  if (ofService.length > 0) {
    return {
      problem: `${service} has no method "${qualified.slice(dot + 1)}" (it has: ${ofService.map((m) => m.method).join(', ')})`,
    }
  }
  const known = [...new Set(catalog.methods.map((m) => m.service))].join(', ') || 'none'
  const why = catalog.undescribed.map((u) => `${u.guest}: ${u.reason}`).join('; ')
  return {
    problem: `no described service has a method "${qualified}" (services: ${known})${why ? `; not described: ${why}` : ''}`,
  }
}
