import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Raised when the guest worker's script is not where the build puts it. */
export class GuestWorkerMissingError extends Error {
  constructor(readonly path: string) {
    super(`the guest worker script ${path} is missing: run \`npm run build\``)
    this.name = 'GuestWorkerMissingError'
  }
}

/**
 * The guest worker's script, a named entry of the main build (electron.vite.config.ts).
 * Built code loads the guest-worker.js that sits next to it: the build writes entries and shared
 * chunks into the one folder out/main, so this holds from any chunk, inside an asar archive too.
 * Code run from the TypeScript sources (unit and in-process tests) uses the built script in
 * out/main, which the test set-up keeps current; nothing is compiled or bundled at run time.
 */
export function guestWorkerScript(): URL {
  const here = fileURLToPath(import.meta.url)
  const built = here.endsWith('.js') || here.endsWith('.mjs')
  const url = built
    ? new URL('./guest-worker.js', import.meta.url)
    : pathToFileURL(join(resolve(dirname(here), '../../../..'), 'out', 'main', 'guest-worker.js'))
  // Inside an asar archive plain existsSync is patched by Electron and still answers truly.
  const path = fileURLToPath(url)
  if (!existsSync(path)) throw new GuestWorkerMissingError(path)
  return url
}
