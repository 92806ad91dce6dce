// Types for scripts/static-server.mjs (plain Node ESM, imported by tests).
export interface StaticServer {
  readonly port: number
  readonly url: string
  close(): Promise<void>
}

export const CONTENT_TYPES: Readonly<Record<string, string>>
export function resolveRequestPath(
  root: string,
  target: string | undefined,
): { file: string; status?: undefined } | { file?: undefined; status: number }
export function startStaticServer(options: { root: string; port?: number }): Promise<StaticServer>
export function parsePortArg(argv: readonly string[]): number
export function closeOnSignals(server: StaticServer): void
