// The deploy configs a browser-mode "Open…" offers: every `deploy.toml` (or `*deploy.toml`)
// under the workspace roots, found by a bounded walk (depth, folders and results are capped,
// links are not followed, node_modules, .git and other hidden folders are skipped), so that a
// huge or looping tree costs a bounded amount of work.
import type { Dirent } from 'node:fs'
import { opendir } from 'node:fs/promises'
import { join } from 'node:path'
import type { WorkspaceFiles } from '../../shared/bridge/contract'
import type { WorkspaceRoots } from './workspace-roots'

export const MAX_WALK_DEPTH = 8
export const MAX_WALK_FOLDERS = 5000
export const MAX_LISTED_FILES = 500
const SKIPPED = new Set(['node_modules', '.git', 'out', 'dist', 'build'])

function isConfigName(name: string): boolean {
  return name.toLowerCase().endsWith('deploy.toml')
}

export async function listWorkspaceConfigs(roots: WorkspaceRoots): Promise<WorkspaceFiles> {
  const files: string[] = []
  let folders = 0
  let truncated = false
  for (const root of roots.list()) {
    const queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }]
    while (queue.length > 0) {
      const { dir, depth } = queue.shift() as { dir: string; depth: number }
      if (++folders > MAX_WALK_FOLDERS) {
        truncated = true
        break
      }
      let entries: Dirent[] = []
      try {
        const handle = await opendir(dir)
        for await (const entry of handle) entries.push(entry)
      } catch {
        continue // unreadable: nothing to offer there
      }
      entries = entries.sort((a, b) => a.name.localeCompare(b.name))
      for (const entry of entries) {
        if (entry.isFile() && isConfigName(entry.name)) {
          if (files.length >= MAX_LISTED_FILES) {
            truncated = true
            break
          }
          files.push(join(dir, entry.name))
        } else if (entry.isDirectory() && !entry.name.startsWith('.') && !SKIPPED.has(entry.name)) {
          if (depth + 1 > MAX_WALK_DEPTH) truncated = true
          else queue.push({ dir: join(dir, entry.name), depth: depth + 1 })
        }
      }
      if (files.length >= MAX_LISTED_FILES) break
    }
  }
  return { roots: roots.list(), files: [...new Set(files)], truncated }
}
