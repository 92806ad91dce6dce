// What loads before a guest can start, in the built product: a guest worker's script and the
// CLI's path to `validate`. Each import here costs every worker (or every command) its load
// time and memory (docs/architecture.md, "Start-up"), so a new one must be deliberate.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'

const OUT = join(REPO_ROOT, 'out', 'main')

/** The modules `file` imports statically, and those it imports on demand (`import()`). */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const code = readFileSync(join(OUT, file), 'utf8')
  const found = (re: RegExp) => [...code.matchAll(re)].map((m) => m[1] as string)
  return {
    static: found(/^import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm),
    dynamic: found(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  }
}

/** Every module loaded statically from `file`, following the build's own chunks. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  for (const spec of importsOf(file).static) {
    if (seen.has(spec)) continue
    seen.add(spec)
    if (spec.startsWith('./')) staticClosure(spec.slice(2), seen)
  }
  return seen
}

describe('the start-up path of the build', () => {
  it('a guest worker loads only Node modules of its own: no protobuf-es, no SQLite, no plugin', () => {
    const loaded = [...staticClosure('guest-worker.js')]
    expect(loaded.filter((spec) => !spec.startsWith('node:'))).toEqual([])
    // The built-in plugins (and what they need) are there, loaded on demand.
    const onDemand = importsOf('guest-worker.js').dynamic
    expect(onDemand.length).toBeGreaterThan(0)
    const plugins = onDemand.flatMap((spec) => [...staticClosure(spec.slice(2)), spec])
    expect(plugins).toContain('@bufbuild/protobuf')
    const pluginChunks = plugins.filter((spec) => spec.startsWith('./'))
    const dynamicOfPlugins = pluginChunks.flatMap((spec) => importsOf(spec.slice(2)).dynamic)
    const all = [...plugins, ...dynamicOfPlugins.flatMap((s) => [...staticClosure(s.slice(2))])]
    expect(all).toContain('better-sqlite3')
  })

  /** The chunk of `file` imported on demand whose name starts with `name-`. */
  function onDemand(file: string, name: string): string {
    const found = importsOf(file).dynamic.filter((spec) => spec.startsWith(`./${name}-`))
    expect(found, `${file} imports ${name}-*.js on demand`).toHaveLength(1)
    return (found[0] as string).slice(2)
  }

  it('the CLI entry loads nothing else before it can start a guest worker', () => {
    // cli.js reads the command line and, for run/test/call, starts the first worker thread
    // before it imports the config loader and the runner, so that the thread loads beside them.
    expect([...staticClosure('cli.js')].filter((spec) => !spec.startsWith('./'))).toEqual([
      'node:util',
    ])
    expect(onDemand('cli.js', 'worker-pool')).toMatch(/^worker-pool-/)
  })

  it('the CLI reaches validate without the runner: no engine, kernel or protobuf-es', () => {
    const main = onDemand('cli.js', 'main')
    const loaded = [
      ...staticClosure('cli.js'),
      `./${main}`,
      ...staticClosure(main),
      ...importsOf('cli.js').dynamic.filter((spec) => spec.startsWith('./terminal-output-')),
    ]
    // smol-toml (the values) and toml-eslint-parser (the positions diagnostics point at) are
    // bundled: no package is resolved from node_modules on the way.
    expect([
      ...new Set(loaded.filter((spec) => !spec.startsWith('node:') && !spec.startsWith('./'))),
    ]).toEqual([])
    const code = loaded
      .filter((spec) => spec.startsWith('./'))
      .map((spec) => readFileSync(join(OUT, spec.slice(2)), 'utf8'))
      .join('\n')
    expect(code).not.toMatch(/class Kernel\b|class Deployment\b|WebAssembly\.compile/)
  })

  it('running a deployment, the Studio and the desktop main load no NATS or OpenTelemetry until asked', () => {
    const npm = (file: string) =>
      [...staticClosure(file)].filter((spec) => !spec.startsWith('node:') && !spec.startsWith('./'))
    const runner = importsOf(onDemand('cli.js', 'main')).dynamic.filter((spec) =>
      /deployment-/.test(spec),
    )
    expect(runner.length).toBeGreaterThan(0)
    // --host loads the cluster, [telemetry] otlp the exporters, serve --cluster the observer.
    for (const file of ['index.js', ...runner.map((spec) => spec.slice(2))]) {
      expect(
        npm(file).filter((spec) => /^@nats-io|^@opentelemetry/.test(spec)),
        file,
      ).toEqual([])
    }
  })
})
