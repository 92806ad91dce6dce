#!/usr/bin/env node
// The `parigot` command (package.json "bin"). In a clone it runs the TypeScript sources through
// tsx (installed with the project's dev dependencies).
import { register } from 'tsx/esm/api'

register()
await import('../src/main/cli/index.ts')
