import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A scratch tree: `<base>/data` is the deployment's data directory, `<base>/outside` is not. */
export interface Scratch {
  readonly base: string
  readonly dataDir: string
  readonly root: string
  readonly outside: string
  cleanup(): void
}

export function makeScratch(): Scratch {
  const base = mkdtempSync(join(tmpdir(), 'parigot-file-'))
  const dataDir = join(base, 'data')
  const outside = join(base, 'outside')
  mkdirSync(dataDir)
  mkdirSync(outside)
  return {
    base,
    dataDir,
    root: join(dataDir, 'app'),
    outside,
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  }
}
