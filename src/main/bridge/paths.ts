// Where Parigot Studio finds itself (its package.json, built renderer, examples) and where it
// keeps its own small files.
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

/** The folder holding Parigot Studio's package.json (from src/main/bridge or out/main). */
export function studioRoot(from = import.meta.dirname): string {
  let dir = from
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if (
          (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name ===
          'parigot-studio'
        )
          return dir
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find Parigot Studio's package.json above ${from}`)
    dir = parent
  }
}

export function studioVersion(root = studioRoot()): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version
}

/** Where the Studio keeps its own small files (recent deployments). */
export function studioDataDir(): string {
  const explicit = process.env['PARIGOT_STUDIO_DIR']
  if (explicit) return resolve(explicit)
  const config = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config')
  return join(config, 'parigot-studio')
}
