// The examples' guests built from source for the tests that run them, as `npm run build:examples`
// builds them: every test that runs an example builds it through here, so what a test reads is
// always a whole file with its descriptors, whichever test file wrote it last.
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, renameSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildDescriptorSet, withDescriptors } from '../../scripts/wasm-descriptors.mjs'
import { compileAssemblyScript, REPO_ROOT } from './asc'

/**
 * Compiles every guest of examples/<name>/guest into examples/<name>/build, as build:examples
 * does: with the example's descriptor set (build/descriptors.binpb) embedded in each .wasm as
 * its parigot.descriptors section. Files are written whole (temp + rename), because test files
 * running in parallel may build and run the same example.
 */
export async function buildExample(name: string): Promise<string> {
  const dir = join(REPO_ROOT, 'examples', name)
  await mkdir(join(dir, 'build'), { recursive: true })
  const protoDir = join(dir, 'proto')
  const descriptors = join(dir, 'build', 'descriptors.binpb')
  if (existsSync(protoDir)) {
    const temp = `${descriptors}.${process.pid}.${randomUUID()}.tmp`
    const error = buildDescriptorSet(protoDir, temp)
    if (error !== '') throw new Error(`examples/${name}/proto: ${error}`)
    renameSync(temp, descriptors)
  }
  for (const file of readdirSync(join(dir, 'guest')).filter((f) => f.endsWith('.ts'))) {
    let wasm = await compileAssemblyScript(join(dir, 'guest', file))
    if (existsSync(protoDir)) wasm = withDescriptors(wasm, descriptors)
    const out = join(dir, 'build', file.replace(/\.ts$/, '.wasm'))
    const temp = `${out}.${process.pid}.${randomUUID()}.tmp`
    await writeFile(temp, wasm)
    renameSync(temp, out)
  }
  return join(dir, 'deploy.toml')
}
