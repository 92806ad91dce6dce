// `npm run build:examples`: compiles every example's AssemblyScript guests
// (examples/<name>/guest/<guest>.ts -> examples/<name>/build/<guest>.wasm) with the options
// Parigot guests use, and writes the descriptor set of each example that has a proto/ folder
// (examples/<name>/build/descriptors.binpb, a binary FileDescriptorSet with imports, built by the
// installed buf) for the Studio's queue inspector to decode payloads with (`descriptors` in
// deploy.toml), and embeds that set in each guest's .wasm as its parigot.descriptors section.
// Prints one line per output; exits 1 if anything fails.
// Only the files directly in guest/ are entries: guest/gen/ holds the code generated from
// examples/<name>/proto, checked in and kept current by `npm run gen` (scripts/gen-proto.mjs).
import { mkdirSync, readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import asc from 'assemblyscript/asc'
import { GUEST_ASC_OPTIONS } from './guest-asc-options.mjs'
import { buildDescriptorSet, withDescriptors } from './wasm-descriptors.mjs'

const root = new URL('..', import.meta.url).pathname
const examples = join(root, 'examples')
let failed = 0
for (const example of readdirSync(examples).sort()) {
  const guestDir = join(examples, example, 'guest')
  if (!existsSync(guestDir)) continue
  const buildDir = join(examples, example, 'build')
  mkdirSync(buildDir, { recursive: true })
  const protoDir = join(examples, example, 'proto')
  const descriptors = join(buildDir, 'descriptors.binpb')
  let haveDescriptors = false
  if (existsSync(protoDir)) {
    const started = Date.now()
    const error = buildDescriptorSet(protoDir, descriptors)
    haveDescriptors = error === ''
    if (error) {
      failed++
      console.error(`examples/${example}/proto: no descriptor set: ${error}`)
    } else {
      console.log(`built examples/${example}/build/descriptors.binpb (${Date.now() - started} ms)`)
    }
  }
  for (const file of readdirSync(guestDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const out = join(buildDir, file.replace(/\.ts$/, '.wasm'))
    const started = Date.now()
    let stderr = ''
    const { error } = await asc.main([join(guestDir, file), '-o', out, ...GUEST_ASC_OPTIONS], {
      stderr: { write: (s) => (stderr += s) },
    })
    if (error) {
      failed++
      console.error(`examples/${example}/guest/${file}: does not compile\n${stderr}`)
    } else {
      // Each guest carries its example's services in a parigot.descriptors section (docs/abi.md).
      if (haveDescriptors) writeFileSync(out, withDescriptors(readFileSync(out), descriptors))
      console.log(
        `built examples/${example}/build/${file.replace(/\.ts$/, '.wasm')}${haveDescriptors ? ' with descriptors' : ''} (${Date.now() - started} ms)`,
      )
    }
  }
}
process.exit(failed === 0 ? 0 : 1)
