// The `parigot.descriptors` custom section (docs/abi.md): a guest's .wasm carries the binary
// FileDescriptorSet of its protobuf services, so that tools (the Studio's method form, `parigot
// call`, the queue inspector) can encode requests and decode answers without other files.
// Shared by `npm run build:examples` and the tests that build examples.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, dirname, join, relative } from 'node:path'

export const DESCRIPTORS_SECTION = 'parigot.descriptors'

const root = dirname(import.meta.dirname)
const buf = join(root, 'node_modules', '.bin', 'buf')

function uleb128(value) {
  const bytes = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    bytes.push(byte)
  } while (value !== 0)
  return bytes
}

/**
 * `wasm` with a custom section `name` holding `payload` appended. Custom sections may stand
 * anywhere after the header and change nothing about how the module runs.
 */
export function appendCustomSection(wasm, name, payload) {
  const nameBytes = new TextEncoder().encode(name)
  const body = [...uleb128(nameBytes.length), ...nameBytes]
  const size = body.length + payload.length
  const out = new Uint8Array(wasm.length + 1 + uleb128(size).length + size)
  out.set(wasm, 0)
  let at = wasm.length
  out[at++] = 0 // custom section id
  for (const b of uleb128(size)) out[at++] = b
  out.set(body, at)
  out.set(payload, at + body.length)
  return out
}

/** Writes the FileDescriptorSet (with imports) of `protoDir` to `out` with buf; '' or an error. */
export function buildDescriptorSet(protoDir, out) {
  if (!existsSync(buf)) return `buf not found at ${relative(root, buf)}; run \`npm ci\` first`
  // buf's npm wrapper may be a `#!/usr/bin/env node` script: the running node comes first.
  const env = {
    ...process.env,
    PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter),
  }
  const result = spawnSync(buf, ['build', relative(root, protoDir), '-o', out], {
    cwd: root,
    env,
    encoding: 'utf8',
  })
  if (result.error) return `cannot run buf: ${result.error.message}`
  if (result.status !== 0) {
    return `buf build failed (${result.status ?? result.signal}):\n${result.stderr}`
  }
  return ''
}

/** `wasm` carrying the descriptor set file `descriptorFile`. */
export function withDescriptors(wasm, descriptorFile) {
  return appendCustomSection(wasm, DESCRIPTORS_SECTION, readFileSync(descriptorFile))
}
