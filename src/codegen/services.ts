// Emits the AssemblyScript service layer for the `service`s of one .proto file (protoc-gen-parigot
// part 2; the reference's `*servicedecl.p.go` and `*server.p.go`, parigot-reference.md section 7):
//
//   <Svc>Name                 the service's fully qualified name (what others require)
//   require<Svc>(self)        declares that `self` depends on it
//   locate<Svc>(self)         finds it (after launch) and returns a <Svc>Client
//   <Svc>Client               one method per rpc: dispatches and returns a typed future that the
//                             event loop completes with the decoded response or the error code
//   <Svc>Server               the abstract class an implementation extends: one method per rpc
//                             returning a future, and the `ready` hook run after launch
//   bind<Svc>(self, impl)     binds every rpc of `impl` to `self`
//   init<Svc>(impl, requires) register, export, require, bind and launch in the reference's order
//   <method>Host(req)         a call of the host function `<module>.<snake(method)>_`, for services
//                             a plugin implements (declared in `host/<module>.ts`)
//
// The runtime half lives in src/guest/runtime/service.ts (event loop, Service) and calls.ts
// (outgoing calls and their results).

import type { DescFile, DescMessage, DescMethod, DescService } from '@bufbuild/protobuf'
import { typeIdent } from './naming'
import { GENERATED_HEADER, Printer, relativeModulePath, runtimePath } from './printer'
import { snake } from '../shared/naming/snake'

export interface ServiceFileOptions {
  /** Import path of the guest SDK (the runtime's index), relative to the output root or bare. */
  readonly sdkImport: string
}

/** `dir/name.proto` → `dir/name.parigot.ts`. */
export function serviceFileName(file: DescFile): string {
  return `${file.name}.parigot.ts`
}

/** The host module a plugin-backed service's functions live in: the package's last non-version part. */
export function hostModule(file: DescFile): string {
  const parts = (file.proto.package ?? '').split('.').filter((p) => p !== '')
  const named = parts.filter((p) => !/^v\d+/.test(p))
  return named[named.length - 1] ?? 'host'
}

/** `dir/name.proto` → `dir/host/<module>.ts` (AssemblyScript takes the module from the file name). */
export function hostDeclFileName(file: DescFile): string {
  const dir = file.name.split('/').slice(0, -1)
  return [...dir, 'host', `${hostModule(file)}.ts`].join('/')
}

export { snake }

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1)

/** A message with no fields: the method's parameter is dropped, as the reference does. */
const isEmpty = (m: DescMessage): boolean => m.fields.length === 0

class Names {
  private readonly byModule = new Map<string, Set<string>>()

  constructor(private readonly file: DescFile) {}

  /** Records a message reference and returns its identifier. */
  message(m: DescMessage): string {
    const name = typeIdent(m)
    const module = relativeModulePath(this.file.name, `${m.file.name}.pb`)
    let names = this.byModule.get(module)
    if (names === undefined) {
      names = new Set()
      this.byModule.set(module, names)
    }
    names.add(name)
    return name
  }

  lines(): string[] {
    return [...this.byModule.keys()].sort().map((module) => {
      const names = [...(this.byModule.get(module) ?? [])].sort()
      return `import { ${names.join(', ')} } from '${module}'`
    })
  }
}

/** The identifier prefix of a service's generated names: its name when the file has several. */
const diff = (file: DescFile, svc: DescService): string =>
  file.services.length > 1 ? svc.name : ''

/** The DataTooLarge code of the file's error enum (`<Svc>Err` or any enum with that value). */
function dataTooLargeCode(file: DescFile): number {
  for (const e of file.enums) {
    const v = e.values.find((x) => x.name === 'DataTooLarge')
    if (v !== undefined) return v.number
  }
  return 6 // KernelErr.DataTooLarge
}

const SDK_NAMES = [
  'Fqs',
  'InboundCall',
  'Invoker',
  'Located',
  'Method',
  'Result',
  'Server',
  'Service',
  'callMethod',
  'hostMethod',
]

/** Generates `<name>.parigot.ts` for a file with at least one service. */
export function generateServiceFile(file: DescFile, options: ServiceFileOptions): string {
  const names = new Names(file)
  const body = new Printer()
  for (const svc of file.services) emitService(body, file, svc, names)

  const hostFns = file.services.flatMap((svc) => svc.methods.map((m) => hostFnName(file, svc, m)))
  const out = new Printer()
  out.line(GENERATED_HEADER)
  out.line(`// source: ${file.proto.name ?? file.name + '.proto'}`)
  out.line('//')
  out.line('// Parigot clients, servers and host-function wrappers for the services of this file.')
  out.line()
  out.line(`import { ${SDK_NAMES.join(', ')} } from '${runtimePath(file, options.sdkImport)}'`)
  out.line(`import { ${[...hostFns].sort().join(', ')} } from './host/${hostModule(file)}'`)
  for (const line of names.lines()) out.line(line)
  out.line()
  out.raw(body.text())
  return out.text()
}

/** Generates `host/<module>.ts`: the raw host-function imports of the file's services. */
export function generateHostDeclFile(file: DescFile): string {
  const out = new Printer()
  out.line(GENERATED_HEADER)
  out.line(`// source: ${file.proto.name ?? file.name + '.proto'}`)
  out.line('//')
  out.line(`// Raw imports of host module "${hostModule(file)}" (AssemblyScript names the module`)
  out.line('// after this file). Use the <method>Host wrappers of the .parigot.ts file instead.')
  out.line()
  for (const svc of file.services) {
    for (const m of svc.methods) {
      out.line(
        `export declare function ${hostFnName(file, svc, m)}(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64`,
      )
    }
  }
  return out.text()
}

function hostFnName(file: DescFile, svc: DescService, m: DescMethod): string {
  const d = diff(file, svc)
  return `${snake(m.name)}${d === '' ? '' : '_' + snake(d)}_`
}

function emitService(p: Printer, file: DescFile, svc: DescService, names: Names): void {
  const d = diff(file, svc)
  const S = svc.name
  const pkg = file.proto.package ?? ''
  const serviceName = snake(S)
  const methods = svc.methods.filter((m) => m.methodKind === 'unary')

  p.line(`// ---- ${svc.typeName} ----`)
  p.line()
  p.line(`/** ${svc.typeName}: what programs require and locate. */`)
  p.line(`export const ${S}Name: Fqs = new Fqs('${pkg}', '${serviceName}')`)
  p.line()
  p.line(`/** Declares that \`self\` needs ${svc.typeName} (it runs only once that runs). */`)
  p.line(`export function require${S}(self: Service): void {`)
  p.line(`  self.require('${pkg}', '${serviceName}')`)
  p.line('}')
  p.line()
  p.line(`/** Finds ${svc.typeName} for \`self\`, which must have required it and be launched. */`)
  p.line(`export function locate${S}(self: Service): Result<${S}Client | null> {`)
  p.line(`  const res = self.locate('${pkg}', '${serviceName}')`)
  p.line(`  if (!res.ok) return new Result<${S}Client | null>(res.err, null)`)
  p.line(`  return new Result<${S}Client | null>(0, new ${S}Client(res.value!))`)
  p.line('}')
  p.line()

  // client
  p.line(`/** Calls ${svc.typeName}; each method returns a future the event loop completes. */`)
  p.line(`export class ${S}Client {`)
  p.line('  constructor(public readonly target: Located) {}')
  for (const m of methods) {
    const req = names.message(m.input)
    const resp = names.message(m.output)
    p.line()
    p.line(`  /** ${m.name}: the decoded ${resp}, or the service's error code. */`)
    if (isEmpty(m.input)) {
      p.line(`  ${lowerFirst(m.name)}(): Method<${resp}> {`)
      p.line(`    const req = new ${req}()`)
    } else {
      p.line(`  ${lowerFirst(m.name)}(req: ${req}): Method<${resp}> {`)
    }
    p.line(
      `    return callMethod<${resp}>(this.target, '${m.name}', ${req}.TYPE_NAME, req.toBytes())`,
    )
    p.line('  }')
  }
  p.line('}')
  p.line()

  // server
  p.line(`/** Implement ${svc.typeName} by extending this class (see init${S}). */`)
  p.line(`export abstract class ${S}Server extends Server {`)
  methods.forEach((m, i) => {
    if (i > 0) p.line()
    const req = names.message(m.input)
    const resp = names.message(m.output)
    p.line(`  /** ${m.name}: complete the future with a ${resp}, or fail it with an error code. */`)
    if (isEmpty(m.input)) p.line(`  abstract ${lowerFirst(m.name)}(): Method<${resp}>`)
    else p.line(`  abstract ${lowerFirst(m.name)}(req: ${req}): Method<${resp}>`)
  })
  p.line('}')
  p.line()

  for (const m of methods) {
    const req = names.message(m.input)
    const resp = names.message(m.output)
    const cls = `${S}_${m.name}Invoker`
    p.line(`class ${cls} extends Invoker {`)
    p.line(`  constructor(private impl: ${S}Server) {`)
    p.line('    super()')
    p.line('  }')
    p.line()
    p.line('  invoke(call: InboundCall): void {')
    if (isEmpty(m.input)) {
      p.line(`    call.reply<${resp}>(this.impl.${lowerFirst(m.name)}(), ${resp}.TYPE_NAME)`)
    } else {
      p.line(`    const req = call.decode<${req}>()`)
      p.line('    if (req == null) return')
      p.line(`    call.reply<${resp}>(this.impl.${lowerFirst(m.name)}(req), ${resp}.TYPE_NAME)`)
    }
    p.line('  }')
    p.line('}')
    p.line()
  }

  p.line(`/** Binds every method of ${svc.typeName} in \`self\` to \`impl\`, in proto order. */`)
  p.line(`export function bind${S}(self: Service, impl: ${S}Server): Service {`)
  for (const m of methods) {
    p.line(`  self.bind('${m.name}', new ${S}_${m.name}Invoker(impl))`)
  }
  p.line('  return self.serve(impl)')
  p.line('}')
  p.line()
  p.line(`/**`)
  p.line(
    ` * Registers and exports ${svc.typeName}, requires \`requires\`, binds \`impl\` and asks the`,
  )
  p.line(` * kernel to launch it. Then run the event loop: \`init${S}(impl).run()\`.`)
  p.line(' */')
  p.line(`export function init${S}(impl: ${S}Server, requires: Fqs[] = []): Service {`)
  p.line(`  const self = Service.register('${pkg}', '${serviceName}').export()`)
  p.line('  for (let i = 0; i < requires.length; i++) {')
  p.line('    self.require(requires[i].packagePath, requires[i].service)')
  p.line('  }')
  p.line(`  bind${S}(self, impl)`)
  p.line('  self.launch()')
  p.line('  return self')
  p.line('}')
  p.line()

  const tooLarge = dataTooLargeCode(file)
  for (const m of methods) {
    const req = names.message(m.input)
    const resp = names.message(m.output)
    const fn = hostFnName(file, svc, m)
    p.line(`/** ${m.name} implemented by the host (import "${hostModule(file)}" "${fn}"). */`)
    p.line(
      `export function ${lowerFirst(d)}${d === '' ? lowerFirst(m.name) : m.name}Host(req: ${req}): Method<${resp}> {`,
    )
    p.line(`  return hostMethod<${resp}>(${fn}, req.toBytes(), ${tooLarge})`)
    p.line('}')
    p.line()
  }
}
