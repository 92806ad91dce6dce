// `npm run build:examples`: compiles every example's AssemblyScript guests
// (examples/<name>/guest/<guest>.ts -> examples/<name>/build/<guest>.wasm) with the options
// Parigot guests use. Prints one line per guest; exits 1 if any fails to compile.
// Only the files directly in guest/ are entries: guest/gen/ holds the code generated from
// examples/<name>/proto, checked in and kept current by `npm run gen` (scripts/gen-proto.mjs).
import { mkdirSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import asc from 'assemblyscript/asc'

const root = new URL('..', import.meta.url).pathname
const examples = join(root, 'examples')
const OPTIONS = ['--runtime', 'incremental', '--use', 'abort=', '--exportStart', '_start', '-O2']

let failed = 0
for (const example of readdirSync(examples).sort()) {
  const guestDir = join(examples, example, 'guest')
  if (!existsSync(guestDir)) continue
  const buildDir = join(examples, example, 'build')
  mkdirSync(buildDir, { recursive: true })
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
