// protoc-gen-parigot part 2: the service layer it generates (clients, servers, host wrappers).
// Behaviour end to end is in test/integration/examples-services.test.ts; here: names, files,
// determinism, that the output compiles with asc, and that generated host wrappers really call
// the file plugin.

import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { create, fromBinary } from '@bufbuild/protobuf'
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'
import type { CodeGeneratorRequest } from '@bufbuild/protobuf/wkt'
import { describe, expect, it } from 'vitest'
import { buildDescriptorSet, generateGuestCode } from '../../src/codegen/generate'
import { GENERATED_HEADER } from '../../src/codegen/messages'
import { generate } from '../../src/codegen/protoc-gen-parigot'
import { snake } from '../../src/codegen/services'
import { compileAssemblyScript, compileGuestFixture, REPO_ROOT } from '../helpers/asc'

const CHAIN = join(REPO_ROOT, 'examples', 'chain', 'proto')
const HELLO = join(REPO_ROOT, 'examples', 'helloworld', 'proto')

function requestFor(protoDir: string, file: string, includes: string[] = []): CodeGeneratorRequest {
  const set = fromBinary(FileDescriptorSetSchema, buildDescriptorSet(protoDir, includes))
  return create(CodeGeneratorRequestSchema, {
    fileToGenerate: [file],
    parameter: 'runtime=./rt/proto,sdk=./rt',
    protoFile: set.file,
  })
}

function files(request: CodeGeneratorRequest): Map<string, string> {
  return new Map(generate(request).file.map((f) => [f.name ?? '', f.content ?? '']))
}

describe('protoc-gen-parigot services', () => {
  it('snake_case as the reference: lower->Upper inserts _, capital runs are lowercased', () => {
    expect(snake('Greeting')).toBe('greeting')
    expect(snake('NutsDB')).toBe('nuts_db')
    expect(snake('HttpConnector')).toBe('http_connector')
    expect(snake('MethodCallSuite')).toBe('method_call_suite')
    expect(snake('FetchGreeting')).toBe('fetch_greeting')
  })

  it('a file with a service gets messages, the service layer and its host imports, each with the header', () => {
    const out = files(requestFor(HELLO, 'greeting/v1/greeting.proto'))
    expect([...out.keys()]).toEqual([
      'greeting/v1/greeting.pb.ts',
      'greeting/v1/greeting.parigot.ts',
      'greeting/v1/host/greeting.ts',
      'runtime.ts',
    ])
    for (const content of out.values())
      expect(content.startsWith(`${GENERATED_HEADER}\n`)).toBe(true)
    const svc = out.get('greeting/v1/greeting.parigot.ts')!
    // The SDK import is relative to the output root, from two levels down; runtime.ts re-exports
    // it for guests from the root.
    expect(svc).toContain("from '../../rt'")
    expect(out.get('runtime.ts')).toContain("export * from './rt'")
    expect(svc).toContain("export const GreetingName: Fqs = new Fqs('greeting.v1', 'greeting')")
    expect(svc).toContain('export class GreetingClient {')
    expect(svc).toContain('fetchGreeting(req: FetchGreetingRequest): Method<FetchGreetingResponse>')
    expect(svc).toContain('export abstract class GreetingServer extends Server {')
    expect(svc).toContain("self.bind('FetchGreeting', new Greeting_FetchGreetingInvoker(impl))")
    expect(svc).toContain("Service.register('greeting.v1', 'greeting').export()")
    // GreetErr has no DataTooLarge value: the kernel's (6) is used for the host wrapper.
    expect(svc).toContain('hostMethod<FetchGreetingResponse>(fetch_greeting_, req.toBytes(), 6)')
    expect(out.get('greeting/v1/host/greeting.ts')).toContain(
      'export declare function fetch_greeting_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64',
    )
  })

  it('several services in one file: host functions are told apart by the service name', () => {
    const out = files(requestFor(CHAIN, 'chain/v1/chain.proto'))
    const host = out.get('chain/v1/host/chain.ts')!
    for (const fn of ['lookup_store_', 'price_pricer_', 'total_checkout_']) {
      expect(host).toContain(`export declare function ${fn}(`)
    }
    const svc = out.get('chain/v1/chain.parigot.ts')!
    expect(svc).toContain('export function storeLookupHost(req: LookupRequest)')
    for (const s of ['Store', 'Pricer', 'Checkout']) {
      expect(svc).toContain(`export abstract class ${s}Server extends Server {`)
      expect(svc).toContain(
        `export function init${s}(impl: ${s}Server, requires: Fqs[] = []): Service {`,
      )
    }
  })

  it('a file without services gets only its messages', () => {
    const out = files(
      requestFor(
        join(REPO_ROOT, 'test', 'fixtures', 'codegen', 'proto'),
        'conformance/v1/conformance.proto',
        [join(REPO_ROOT, 'proto')],
      ),
    )
    expect([...out.keys()]).toEqual(['conformance/v1/conformance.pb.ts'])
  })

  it('is deterministic: the same request gives the same bytes', () => {
    const request = requestFor(CHAIN, 'chain/v1/chain.proto')
    expect(files(request)).toEqual(files(request))
  })

  it('the generated clients and servers compile with asc into a guest', async () => {
    // Inside the repository: asc resolves sources relative to it.
    const cache = join(REPO_ROOT, 'node_modules', '.cache')
    await mkdir(cache, { recursive: true })
    const dir = await mkdtemp(join(cache, 'parigot-svc-gen-'))
    generateGuestCode({ protoDir: CHAIN, outDir: join(dir, 'gen') })
    const entry = join(dir, 'probe.ts')
    await writeFile(
      entry,
      [
        `import { Method, resolved, Service } from '${relative(dir, join(REPO_ROOT, 'src', 'guest', 'runtime'))}'`,
        "import { LookupRequest, LookupResponse } from './gen/chain/v1/chain.pb'",
        "import { initStore, locatePricer, StoreServer } from './gen/chain/v1/chain.parigot'",
        'class S extends StoreServer {',
        '  lookup(req: LookupRequest): Method<LookupResponse> {',
        '    const r = new LookupResponse()',
        '    r.unitCents = req.item.length',
        '    return resolved(r)',
        '  }',
        '  ready(self: Service): bool {',
        '    return locatePricer(self).ok',
        '  }',
        '}',
        'initStore(new S()).run()',
        '',
      ].join('\n'),
    )
    const wasm = await compileAssemblyScript(entry).finally(() =>
      rm(dir, { recursive: true, force: true }),
    )
    const module = await WebAssembly.compile(wasm)
    const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`)
    // A server uses the kernel's syscalls; host wrappers it does not call are not imported.
    expect(imports).toEqual(expect.arrayContaining(['parigot.register_', 'parigot.read_one_']))
    expect(imports.some((i) => i.startsWith('chain.'))).toBe(false)
  }, 60_000)

  it('generated host wrappers call the file plugin: values, and its error codes as failures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parigot-file-host-'))
    await writeFile(join(dir, 'probe.wasm'), await compileGuestFixture('file-host-probe'))
    const config = join(dir, 'deploy.toml')
    await writeFile(
      config,
      [
        '[deployment]',
        'data_dir = "data"',
        '[services.probe]',
        'wasm = "probe.wasm"',
        'role = "main"',
        'plugins = ["file"]',
        '',
      ].join('\n'),
    )
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'run', config],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    )
    const lines = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('[probe] '))
      .map((l) => l.slice('[probe] '.length))
    expect(lines).toEqual([
      'create -> 0',
      'close -> ok',
      'stat size 30',
      'open -> 0',
      'read "hello from a generated wrapper"',
      'close read -> ok',
      'stat missing -> error 6',
      'delete -> ok',
    ])
    expect(run.status).toBe(0)
  }, 60_000)
})
