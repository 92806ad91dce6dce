#!/usr/bin/env node
// Executable wrapper for the protoc/buf plugin: registers tsx so the TypeScript entry runs
// without a build step, then answers the CodeGeneratorRequest on stdin.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../protoc-gen-parigot.ts')
main()
