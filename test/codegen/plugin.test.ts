// protoc-gen-parigot as a protoc plugin: the CodeGeneratorRequest/Response protocol over stdio,
// its parameters, and the files it answers with.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import {
  CodeGeneratorRequestSchema,
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt'
import type { CodeGeneratorRequest } from '@bufbuild/protobuf/wkt'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildDescriptorSet, PLUGIN_WRAPPER } from '../../src/codegen/generate'
import { GENERATED_HEADER } from '../../src/codegen/messages'
import { generate, parseParameter } from '../../src/codegen/protoc-gen-parigot'
import { REPO_ROOT } from '../helpers/asc'

const PROTO_DIR = join(REPO_ROOT, 'test', 'fixtures', 'codegen', 'proto')
const INCLUDES = [join(REPO_ROOT, 'proto')]

describe('protoc-gen-parigot plugin', () => {
  let request: CodeGeneratorRequest

  beforeAll(() => {
    const set = fromBinary(FileDescriptorSetSchema, buildDescriptorSet(PROTO_DIR, INCLUDES))
    request = create(CodeGeneratorRequestSchema, {
      fileToGenerate: ['conformance/v1/conformance.proto'],
      parameter: 'runtime=./runtime',
      protoFile: set.file,
    })
  })

  it('answers a CodeGeneratorRequest on stdin through the executable wrapper', () => {
    const result = spawnSync(process.execPath, [PLUGIN_WRAPPER], {
      input: toBinary(CodeGeneratorRequestSchema, request),
      cwd: REPO_ROOT,
    })
    expect(result.stderr.toString()).toBe('')
    expect(result.status).toBe(0)
    const response = fromBinary(CodeGeneratorResponseSchema, result.stdout)
    expect(response.error ?? '').toBe('')
    expect(response.file.map((f) => f.name)).toEqual(['conformance/v1/conformance.pb.ts'])
    const content = response.file[0]?.content ?? ''
    expect(content.startsWith(`${GENERATED_HEADER}\n`)).toBe(true)
    // `./runtime` is relative to the output root: two levels up from conformance/v1/.
    // The codec classes and just the wire helpers this file calls, from the runtime.
    expect(content).toMatch(
      /^import \{ Reader, WireType, Writer, pbZigzag32, [^}]*\} from '\.\.\/\.\.\/runtime'$/m,
    )
    expect(content).not.toContain('pbBytesOf')
    expect(content).not.toMatch(/^function pb/m)
    expect(content).toBe(generate(request).file[0]?.content)
    expect(
      Number(response.supportedFeatures) & CodeGeneratorResponse_Feature.PROTO3_OPTIONAL,
    ).not.toBe(0)
  })

  it('only generates the files it is asked for', () => {
    const response = generate(
      create(CodeGeneratorRequestSchema, {
        ...request,
        fileToGenerate: ['parigot/protosupport/v1/protosupport.proto', 'google/protobuf/any.proto'],
      }),
    )
    expect(response.file.map((f) => f.name)).toEqual([
      'parigot/protosupport/v1/protosupport.pb.ts',
      'google/protobuf/any.pb.ts',
    ])
  })

  it('parameters: runtime is optional; unknown options are refused', () => {
    expect(parseParameter('')).toEqual({
      runtimeImport: 'parigot-runtime',
      sdkImport: 'parigot-runtime',
    })
    expect(parseParameter('runtime=../rt')).toEqual({ runtimeImport: '../rt', sdkImport: '../rt' })
    expect(parseParameter('runtime=../rt/proto,sdk=../rt')).toEqual({
      runtimeImport: '../rt/proto',
      sdkImport: '../rt',
    })
    expect(() => parseParameter('target=ts')).toThrow(/unknown or empty option "target=ts"/)
  })
})
