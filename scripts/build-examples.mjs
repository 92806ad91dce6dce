// `npm run build:examples`: compiles every example's AssemblyScript guests
// (examples/<name>/guest/<guest>.ts -> examples/<name>/build/<guest>.wasm) with the options
// Parigot guests use, and writes the descriptor set of each example that has a proto/ folder
// (examples/<name>/build/descriptors.binpb, a binary FileDescriptorSet with imports, built by the
// installed buf) for the Studio's queue inspector to decode payloads with (`descriptors` in
// deploy.toml). Prints one line per output; exits 1 if anything fails.
// Only the files directly in guest/ are entries: guest/gen/ holds the code generated from
// examples/<name>/proto, checked in and kept current by `npm run gen` (scripts/gen-proto.mjs).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, existsSync } from 'node:fs'
import { delimiter, dirname, join, relative } from 'node:path'
import asc from 'assemblyscript/asc'

const root = new URL('..', import.meta.url).pathname
const examples = join(root, 'examples')
const buf = join(root, 'node_modules', '.bin', 'buf')
const OPTIONS = ['--runtime', 'incremental', '--use', 'abort=', '--exportStart', '_start', '-O2']

/** Writes the FileDescriptorSet of `protoDir` to `out` with buf; returns an error text or ''. */
function buildDescriptorSet(protoDir, out) {
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
  if (result.status !== 0)
    return `buf build failed (${result.status ?? result.signal}):\n${result.stderr}`
  return ''
}

let failed = 0
for (const example of readdirSync(examples).sort()) {
  const guestDir = join(examples, example, 'guest')
  if (!existsSync(guestDir)) continue
  const buildDir = join(examples, example, 'build')
  mkdirSync(buildDir, { recursive: true })
  const protoDir = join(examples, example, 'proto')
  if (existsSync(protoDir)) {
    const started = Date.now()
    const error = buildDescriptorSet(protoDir, join(buildDir, 'descriptors.binpb'))
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
    const { error } = await asc.main([join(guestDir, file), '-o', out, ...OPTIONS], {
      stderr: { write: (s) => (stderr += s) },
    })
    if (error) {
      failed++
      console.error(`examples/${example}/guest/${file}: does not compile\n${stderr}`)
    } else {
      console.log(
        `built examples/${example}/build/${file.replace(/\.ts$/, '.wasm')} (${Date.now() - started} ms)`,
      )
    }
  }
}
process.exit(failed === 0 ? 0 : 1)
