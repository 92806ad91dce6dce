import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The broker's script, a separate entry of the build (electron.vite.config.ts). */
export function queueBrokerScript(): URL {
  const here = fileURLToPath(import.meta.url)
  const built = here.endsWith('.js') || here.endsWith('.mjs')
  const url = built
    ? new URL('./queue-broker.js', import.meta.url)
    : pathToFileURL(
        join(resolve(dirname(here), '../../../../..'), 'out', 'main', 'queue-broker.js'),
      )
  const path = fileURLToPath(url)
  if (!existsSync(path))
    throw new Error(`the queue broker script ${path} is missing: run \`npm run build\``)
  return url
}
