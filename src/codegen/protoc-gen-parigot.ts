// protoc-gen-parigot: a protoc/buf plugin generating AssemblyScript code for parigot guests.
// For every file it writes `<name>.pb.ts` (message types, messages.ts); for a file declaring
// services also `<name>.parigot.ts` (clients, servers, host wrappers, services.ts) and
// `host/<module>.ts` (the raw host-function imports). When any file declares services it also
// writes `runtime.ts` at the output root: a re-export of the SDK, so guests import the runtime
// through the same path as the generated code (asc compiles one copy of each module path).
//
// Parameters (comma-separated `key=value`, as protoc passes them):
//   runtime=<import path>  module exporting Writer, Reader and WireType. A relative path is
//                          relative to the output root. Default: `parigot-runtime`, which an
//                          asc `--path`/package mapping is expected to provide.
//   sdk=<import path>      module exporting the service layer (Service, Method, callMethod, ...):
//                          the runtime's index. Default: the runtime path.

import { create, createFileRegistry, maximumEdition, minimumEdition } from '@bufbuild/protobuf'
import type { DescFile } from '@bufbuild/protobuf'
import {
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt'
import type { CodeGeneratorRequest, CodeGeneratorResponse } from '@bufbuild/protobuf/wkt'
import { runNodeJs } from '@bufbuild/protoplugin'
import type { Plugin } from '@bufbuild/protoplugin'
import { GENERATED_HEADER, generateMessageFile, messageFileName } from './messages'
import {
  generateHostDeclFile,
  generateServiceFile,
  hostDeclFileName,
  serviceFileName,
} from './services'

export const PLUGIN_NAME = 'protoc-gen-parigot'
export const PLUGIN_VERSION = '0.1.0'

export interface ParigotOptions {
  readonly runtimeImport: string
  readonly sdkImport: string
}

export function parseParameter(parameter: string): ParigotOptions {
  let runtimeImport = 'parigot-runtime'
  let sdkImport: string | undefined
  for (const part of parameter.split(',')) {
    const trimmed = part.trim()
    if (trimmed === '') continue
    const eq = trimmed.indexOf('=')
    const key = eq < 0 ? trimmed : trimmed.slice(0, eq)
    const value = eq < 0 ? '' : trimmed.slice(eq + 1)
    if (key === 'runtime' && value !== '') runtimeImport = value
    else if (key === 'sdk' && value !== '') sdkImport = value
    else throw new Error(`${PLUGIN_NAME}: unknown or empty option "${trimmed}"`)
  }
  return { runtimeImport, sdkImport: sdkImport ?? runtimeImport }
}

/** `runtime.ts` at the output root: guests import the SDK from here. */
function sdkReexport(sdkImport: string): string {
  return [
    GENERATED_HEADER,
    '//',
    '// The guest SDK, re-exported: import it from here so that guests and the generated code',
    '// share one copy of the runtime.',
    '',
    `export * from '${sdkImport}'`,
    '',
  ].join('\n')
}

/** The files generated for one .proto file, in a fixed order. */
function filesFor(f: DescFile, options: ParigotOptions): { name: string; content: string }[] {
  const out = [{ name: messageFileName(f), content: generateMessageFile(f, options) }]
  if (f.services.length > 0) {
    out.push({ name: serviceFileName(f), content: generateServiceFile(f, options) })
    out.push({ name: hostDeclFileName(f), content: generateHostDeclFile(f) })
  }
  return out
}

/** Runs the generator on a request; files are emitted in request order, so output is stable. */
export function generate(request: CodeGeneratorRequest): CodeGeneratorResponse {
  const options = parseParameter(request.parameter)
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }))
  const files = request.fileToGenerate.map((name): DescFile => {
    const file = registry.getFile(name)
    if (file === undefined) throw new Error(`${PLUGIN_NAME}: ${name} is not in the request`)
    return file
  })
  return create(CodeGeneratorResponseSchema, {
    supportedFeatures: BigInt(
      CodeGeneratorResponse_Feature.PROTO3_OPTIONAL |
        CodeGeneratorResponse_Feature.SUPPORTS_EDITIONS,
    ),
    // Whatever protobuf-es resolves features for, since its descriptors drive the generator.
    minimumEdition,
    maximumEdition,
    file: [
      ...files.flatMap((f) => filesFor(f, options)),
      ...(files.some((f) => f.services.length > 0)
        ? [{ name: 'runtime.ts', content: sdkReexport(options.sdkImport) }]
        : []),
    ],
  })
}

export const protocGenParigot: Plugin = {
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  run: generate,
}

/** Reads a CodeGeneratorRequest on stdin and writes the response on stdout. */
export function main(): void {
  runNodeJs(protocGenParigot)
}
