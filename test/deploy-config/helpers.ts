import { dirname, resolve } from 'node:path'
import { parseDeployConfig } from '../../src/shared/deploy-config/parse'
import type { ConfigDiagnostic } from '../../src/shared/deploy-config/types'

export const FILE = '/project/app/deploy.toml'

export function parseText(text: string, file = FILE) {
  return parseDeployConfig(text, file, { resolvePath: resolve, dirname })
}

/** `line:column severity [key] message`, one per diagnostic. */
export function brief(d: ConfigDiagnostic): string {
  return `${d.line}:${d.column} ${d.severity} [${d.key}] ${d.message}`
}

export function diagnose(text: string): string[] {
  return parseText(text).diagnostics.map(brief)
}

/** A valid service table, for tests about other keys. */
export const SERVICE = '[services.greeting]\nwasm = "g.wasm"\n'
