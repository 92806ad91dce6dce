import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'

/** Builds examples/chain's guests from source, as `npm run build:examples` does. */
export async function buildChain(): Promise<void> {
  await mkdir(join(REPO_ROOT, 'examples', 'chain', 'build'), { recursive: true })
  for (const guest of ['store', 'pricer', 'checkout', 'main']) {
    const wasm = await compileAssemblyScript(join('examples', 'chain', 'guest', `${guest}.ts`))
    await writeFile(join(REPO_ROOT, 'examples', 'chain', 'build', `${guest}.wasm`), wasm)
  }
}
