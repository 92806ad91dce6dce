// The Studio's invoke form, engine side: which methods each program offers (with a description
// of the request's fields the renderer builds a form from), calling one through the running
// deployment as the caller "studio", and the calls made so far per deployment.
import { fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf'
import type { DescField, DescMessage, JsonValue } from '@bufbuild/protobuf'
import { anyPack } from '@bufbuild/protobuf/wkt'
import { ScalarType } from '@bufbuild/protobuf'
import { readFile } from 'node:fs/promises'
import type {
  FieldView,
  InvokeRecord,
  MethodView,
  ProgramMethods,
  ServiceNode,
} from '../../shared/bridge/contract'
import { MAX_INVOKE_HISTORY } from '../../shared/bridge/contract'
import type { DeployConfig } from '../../shared/deploy-config/types'
import type { ExternalCaller } from '../runner/external-caller'
import { findMethod, methodCatalog } from '../runner/method-catalog'
import type { CallableMethod, MethodCatalog } from '../runner/method-catalog'
import { sharedModuleCache } from '../runner/module-cache'
import { describeError, StudioError } from './errors'

/** Nested messages deeper than this are entered as JSON text (recursive types end here). */
export const MAX_FIELD_DEPTH = 4
/** The caller name the graph shows for calls from the invoke form. */
export const STUDIO_CALLER = 'studio'

const OPAQUE_TYPES = new Set([
  'google.protobuf.Any',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
])

function scalarName(type: ScalarType): string {
  return (ScalarType[type] ?? 'unknown').toLowerCase()
}

/** The fields of `message` as the form draws them, down to `depth` nested messages. */
export function describeFields(message: DescMessage, depth = MAX_FIELD_DEPTH): FieldView[] {
  return message.fields.map((f) => describeField(f, depth))
}

function describeMessage(message: DescMessage, depth: number): Partial<FieldView> {
  if (OPAQUE_TYPES.has(message.typeName))
    return { messageName: message.typeName, opaque: `${message.typeName} is entered as JSON` }
  if (depth <= 0)
    return { messageName: message.typeName, opaque: 'nested too deep: entered as JSON' }
  return { messageName: message.typeName, fields: describeFields(message, depth - 1) }
}

function describeField(f: DescField, depth: number): FieldView {
  const base = {
    name: f.name,
    jsonName: f.jsonName,
    ...(f.oneof ? { oneof: f.oneof.name } : {}),
  }
  const enumOf = (e: NonNullable<DescField['enum']>) => ({
    enumName: e.typeName,
    enumValues: e.values.map((v) => ({ name: v.name, number: v.number })),
  })
  switch (f.fieldKind) {
    case 'scalar':
      return { ...base, kind: 'scalar', scalar: scalarName(f.scalar), repeated: false }
    case 'enum':
      return { ...base, kind: 'enum', repeated: false, ...enumOf(f.enum) }
    case 'message':
      return { ...base, kind: 'message', repeated: false, ...describeMessage(f.message, depth) }
    case 'list':
      if (f.listKind === 'scalar')
        return { ...base, kind: 'scalar', scalar: scalarName(f.scalar), repeated: true }
      if (f.listKind === 'enum') return { ...base, kind: 'enum', repeated: true, ...enumOf(f.enum) }
      return { ...base, kind: 'message', repeated: true, ...describeMessage(f.message, depth) }
    case 'map': {
      const value: FieldView =
        f.mapKind === 'scalar'
          ? {
              name: 'value',
              jsonName: 'value',
              kind: 'scalar',
              scalar: scalarName(f.scalar),
              repeated: false,
            }
          : f.mapKind === 'enum'
            ? { name: 'value', jsonName: 'value', kind: 'enum', repeated: false, ...enumOf(f.enum) }
            : {
                name: 'value',
                jsonName: 'value',
                kind: 'message',
                repeated: false,
                ...describeMessage(f.message, depth),
              }
      return {
        ...base,
        kind: 'map',
        repeated: false,
        mapKey: scalarName(f.mapKey),
        mapValue: value,
      }
    }
  }
}

type JsonObject = { readonly [key: string]: JsonValue }
const isObject = (v: JsonValue): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Where in `json` @bufbuild/protobuf's fromJson finds fault, as a dotted path of JSON names
 * and list indexes (`items.2.name`), or undefined when no single field is to blame. fromJson
 * stays the judge: each field is tried alone, and nested messages are entered to narrow down.
 */
export function locateJsonError(
  message: DescMessage,
  json: JsonValue,
  options: Parameters<typeof fromJson>[2],
): string | undefined {
  const fits = (desc: DescMessage, value: JsonValue): boolean => {
    try {
      fromJson(desc, value, options)
      return true
    } catch {
      return false
    }
  }
  const walk = (desc: DescMessage, value: JsonValue, path: string[]): string[] | undefined => {
    if (!isObject(value) || OPAQUE_TYPES.has(desc.typeName))
      return fits(desc, value) ? undefined : path
    for (const [key, item] of Object.entries(value)) {
      const field = desc.fields.find((f) => f.jsonName === key || f.name === key)
      const here = [...path, field?.jsonName ?? key]
      if (field === undefined) return here
      if (fits(desc, { [key]: item })) continue
      if (field.fieldKind === 'message' && item !== null) {
        return walk(field.message, item, here) ?? here
      }
      if (field.fieldKind === 'list' && Array.isArray(item)) {
        for (const [i, element] of item.entries()) {
          if (field.listKind === 'message') {
            const inner = walk(field.message, element, [...here, String(i)])
            if (inner !== undefined) return inner
          } else if (!fits(desc, { [key]: [element] })) return [...here, String(i)]
        }
        return here
      }
      if (field.fieldKind === 'map' && isObject(item)) {
        for (const [k, v] of Object.entries(item)) {
          if (field.mapKind === 'message') {
            const inner = walk(field.message, v, [...here, k])
            if (inner !== undefined) return inner
          } else if (!fits(desc, { [key]: { [k]: v } })) return [...here, k]
        }
        return here
      }
      return here
    }
    return path.length > 0 && !fits(desc, value) ? path : undefined
  }
  return walk(message, json, [])?.join('.')
}

interface ProgramView {
  readonly name: string
  readonly names: readonly string[]
}

/** Kernel and .proto spellings of a service name compare equal (greeting.v1.Greeting). */
const comparable = (name: string): string => name.replace(/_/g, '').toLowerCase()

/** Catalogs of deploy configs (one at a time), and the calls made from the form. */
export class Invoker {
  private catalogOf: { config: DeployConfig; catalog: Promise<MethodCatalog> } | undefined
  private readonly history = new Map<string, InvokeRecord[]>()
  private nextId = 1

  /** The catalog of `config`'s guests (compiled through the shared module cache). */
  catalog(config: DeployConfig): Promise<MethodCatalog> {
    if (this.catalogOf?.config !== config) {
      const catalog = (async () => {
        const modules = new Map<string, WebAssembly.Module>()
        for (const service of config.services) {
          const bytes = new Uint8Array(await readFile(service.wasm))
          const limit = service.memoryLimitMb ?? config.limits.memoryLimitMb
          modules.set(
            service.name,
            (await sharedModuleCache.compile(bytes, service.wasm, limit)).module,
          )
        }
        return methodCatalog(config, modules)
      })()
      this.catalogOf = { config, catalog }
    }
    return this.catalogOf.catalog
  }

  async list(
    config: DeployConfig,
    nodes: readonly ServiceNode[],
    program: string | undefined,
  ): Promise<{ programs: ProgramMethods[]; problems: string[] }> {
    let catalog: MethodCatalog
    try {
      catalog = await this.catalog(config)
    } catch (err) {
      // A .wasm that cannot be read or compiled: say so for every program, not as a failure.
      const reason = `its methods cannot be described: ${describeError(err)}`
      return {
        programs: config.services
          .filter((s) => program === undefined || s.name === program)
          .map((s) => ({ program: s.name, methods: [], reason })),
        problems: [],
      }
    }
    const views: ProgramView[] = config.services.map((s) => {
      const node = nodes.find((n) => n.name === s.name)
      return { name: s.name, names: [...(node?.registered ?? []), ...(node?.exports ?? [])] }
    })
    const wanted = views.filter((v) => program === undefined || v.name === program)
    if (program !== undefined && wanted.length === 0)
      throw new StudioError('not-found', `no service named "${program}"`, 'params.program')
    return {
      programs: wanted.map((v) => programMethods(v, catalog)),
      problems: [...catalog.problems],
    }
  }

  /** Calls `service.method` with `json`; the record is kept in `deployment`'s history. */
  async invoke(
    deployment: string,
    config: DeployConfig,
    caller: () => ExternalCaller,
    service: string,
    method: string,
    json: string,
  ): Promise<InvokeRecord> {
    const catalog = await this.catalog(config)
    const found = findMethod(catalog, `${service}.${method}`)
    if ('problem' in found) throw new StudioError('not-found', found.problem, 'params.method')
    const request = parseRequest(found, catalog, json)
    const started = performance.now()
    const result = await caller().call(
      found.kernelName,
      found.method,
      anyPack(found.input, request),
    )
    const latencyMs = performance.now() - started
    const record: InvokeRecord = {
      id: this.nextId++,
      atMs: Date.now(),
      service,
      method,
      json,
      latencyMs,
      outcome:
        result.kind === 'kernel'
          ? { kernel: { code: result.code, name: result.name } }
          : result.kind === 'error'
            ? { error: errorOf(found, result.code) }
            : { ok: responseJson(found, catalog, result.result?.value) },
    }
    const calls = this.history.get(deployment) ?? []
    calls.push(record)
    if (calls.length > MAX_INVOKE_HISTORY) calls.splice(0, calls.length - MAX_INVOKE_HISTORY)
    this.history.set(deployment, calls)
    return record
  }

  calls(deployment: string | undefined): readonly InvokeRecord[] {
    return deployment === undefined ? [] : (this.history.get(deployment) ?? [])
  }
}

function programMethods(program: ProgramView, catalog: MethodCatalog): ProgramMethods {
  const undescribed = catalog.undescribed.find((u) => u.guest === program.name)
  const own = new Set(program.names.map(comparable))
  const methods: MethodView[] = catalog.methods
    .filter((m) => own.has(comparable(m.kernelName)) || own.has(comparable(m.service)))
    .map((m) => ({
      service: m.service,
      method: m.method,
      inputType: m.input.typeName,
      outputType: m.output.typeName,
      fields: describeFields(m.input),
      ...(m.errors ? { errorEnum: m.errors.typeName } : {}),
    }))
  if (methods.length > 0) return { program: program.name, methods }
  const reason =
    undescribed !== undefined
      ? `its methods cannot be called by form: ${undescribed.reason}`
      : program.names.length === 0
        ? 'it has registered no service (yet): run the deployment, or it offers none'
        : `the descriptors describe none of the services it registered (${program.names.join(', ')})`
  return { program: program.name, methods: [], reason }
}

function parseRequest(method: CallableMethod, catalog: MethodCatalog, text: string) {
  let json: JsonValue
  try {
    json = JSON.parse(text) as JsonValue
  } catch (err) {
    throw new StudioError(
      'invalid-params',
      `the request is not JSON: ${describeError(err)}`,
      'json',
    )
  }
  const options = catalog.registry ? { registry: catalog.registry } : {}
  try {
    // Through the binary form and back: what is called is exactly what the guest will decode.
    return fromBinary(method.input, toBinary(method.input, fromJson(method.input, json, options)))
  } catch (err) {
    const path = locateJsonError(method.input, json, options)
    throw new StudioError(
      'invalid-params',
      `the request does not fit ${method.input.typeName}${path ? ` at ${path}` : ''}: ${describeError(err)}`,
      path ? `json.${path}` : 'json',
    )
  }
}

function errorOf(method: CallableMethod, code: number): { code: number; name?: string } {
  const value = method.errors?.values.find((v) => v.number === code)
  return value && method.errors ? { code, name: `${method.errors.name}.${value.name}` } : { code }
}

function responseJson(
  method: CallableMethod,
  catalog: MethodCatalog,
  bytes: Uint8Array | undefined,
): JsonValue {
  let response
  try {
    response = fromBinary(method.output, bytes ?? new Uint8Array())
  } catch (err) {
    throw new StudioError(
      'internal',
      `${method.service}.${method.method} answered bytes that are not a ${method.output.typeName}: ${describeError(err)}`,
    )
  }
  return toJson(method.output, response, catalog.registry ? { registry: catalog.registry } : {})
}
