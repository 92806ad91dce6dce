#!/usr/bin/env node
// The `parigot` command (package.json "bin"): runs the built CLI, out/main/cli.js, the same
// bundle the desktop app ships. In a clone whose sources are newer than that bundle (or where it
// was never built) it builds first, saying so in one line on stderr.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = dirname(import.meta.dirname)
const cli = join(root, 'out', 'main', 'cli.js')

// A clone has scripts/ and src/; a packaged copy only has out/ and never builds.
const builder = join(root, 'scripts', 'ensure-built.mjs')
if (existsSync(builder) && process.env['PARIGOT_NO_BUILD'] !== '1') {
  const { ensureBuilt } = await import(pathToFileURL(builder).href)
  try {
    await ensureBuilt({
      notice: (reason) =>
        process.stderr.write(`parigot: ${reason}; building first (npm run build)\n`),
    })
  } catch (error) {
    process.stderr.write(`parigot: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(2)
  }
}
if (!existsSync(cli)) {
  process.stderr.write(`parigot: ${cli} is missing: run \`npm ci && npm run build\`\n`)
  process.exit(2)
}
await import(pathToFileURL(cli).href)
