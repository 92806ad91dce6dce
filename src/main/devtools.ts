// Whether the Studio window may open DevTools (no Electron import: unit-tested in Node).

/**
 * DevTools can read and drive everything the renderer can: offered in development, and in a
 * packaged app only when started with --devtools or PARIGOT_DEVTOOLS=1.
 */
export function devToolsAllowed(
  packaged: boolean,
  argv: readonly string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return !packaged || argv.includes('--devtools') || env['PARIGOT_DEVTOOLS'] === '1'
}
