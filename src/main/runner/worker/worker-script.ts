import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

let bundled: URL | undefined

/**
 * The guest worker's script. A built app ships it compiled next to this module; when running
 * from TypeScript sources (tests, `tsx`), it is bundled once per process with esbuild into the
 * project's node_modules cache, so each worker starts from plain JavaScript in milliseconds.
 */
export async function guestWorkerScript(): Promise<URL> {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.js') || here.endsWith('.mjs')) {
    return new URL('./guest-worker.js', import.meta.url)
  }
  if (bundled) return bundled
  const root = resolve(dirname(here), '../../../..')
  const outfile = join(
    root,
    'node_modules',
    '.cache',
    'parigot-studio',
    `guest-worker-${process.pid}.mjs`,
  )
  mkdirSync(dirname(outfile), { recursive: true })
  const esbuild = await import('esbuild')
  await esbuild.build({
    entryPoints: [join(dirname(here), 'guest-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'error',
  })
  process.once('exit', () => rmSync(outfile, { force: true }))
  bundled = new URL(`file://${outfile}`)
  return bundled
}
