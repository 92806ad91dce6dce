// The installers themselves cannot be built here (electron-builder downloads Electron and its
// platform tools), so these tests check everything short of that for real: electron-builder's
// own loader and JSON-schema validation accept the config, every path it names exists, the icon
// is the one scripts/make-icon.mjs draws, and a real `electron-builder --linux dir` run, fed a
// stand-in Electron distribution, packs the app the way the installers would contain it.
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { inflateSync, crc32 } from 'node:zlib'
import asar from '@electron/asar'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js'
import { DebugLogger } from 'builder-util'
import type { Configuration, FileSet } from 'electron-builder'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import config, { bundledIntoRenderer } from '../../electron-builder'
import { StandInMain } from '../built/electron-stand-in'
import { runHelloworldThroughIpc } from '../built/run-through-ipc'
import { buildExample } from '../e2e/harness'

const repo = resolve(import.meta.dirname, '../..')
/** Marks the fuse wire in an Electron binary (@electron/fuses). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const packageJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  main: string
  scripts: Record<string, string>
  dependencies: Record<string, string>
}

function filePatterns(): string[] {
  const files = config.files
  if (!Array.isArray(files)) throw new Error('files must be a list of patterns')
  return files.filter((f): f is string => typeof f === 'string')
}

function extraResources(): FileSet[] {
  const extra = config.extraResources
  if (!Array.isArray(extra)) throw new Error('extraResources must be a list of file sets')
  return extra.filter((e): e is FileSet => typeof e === 'object' && e !== null)
}

function targetsOf(platform: 'linux' | 'mac' | 'win'): string[] {
  const target = config[platform]?.target
  return (Array.isArray(target) ? target : [target]).map((t) =>
    typeof t === 'string' ? t : (t?.target ?? ''),
  )
}

interface Png {
  width: number
  height: number
  colourType: number
  pixels: Buffer
}

/** Parses a PNG far enough to prove it is one: signature, chunk CRCs, IHDR, inflatable IDAT. */
function readPng(bytes: Buffer): Png {
  expect(bytes.subarray(0, 8)).toEqual(
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  )
  let at = 8
  let header: Buffer | undefined
  const data: Buffer[] = []
  let ended = false
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at)
    const type = bytes.toString('ascii', at + 4, at + 8)
    const body = bytes.subarray(at + 8, at + 8 + length)
    expect(bytes.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(
      crc32(bytes.subarray(at + 4, at + 8 + length)),
    )
    if (type === 'IHDR') header = body
    if (type === 'IDAT') data.push(body)
    if (type === 'IEND') ended = true
    at += 12 + length
  }
  expect(ended).toBe(true)
  if (!header) throw new Error('no IHDR chunk')
  return {
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    colourType: header[9]!,
    pixels: inflateSync(Buffer.concat(data)),
  }
}

describe('electron-builder configuration', () => {
  it('is the configuration electron-builder itself finds and loads for this project', async () => {
    const loaded = await getConfig(repo, null, null)
    expect(loaded.appId).toBe(config.appId)
    expect(loaded.productName).toBe('Parigot Studio')
    // electron-builder normalises `files` into file sets; the patterns must survive as written.
    expect(JSON.stringify(loaded.files)).toContain(JSON.stringify(filePatterns()))
  })

  it("passes electron-builder's own schema validation (app-builder-lib/scheme.json)", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    // The same validator rejects a misspelt option, so the pass above means something.
    const misspelt = { ...config, linux: { ...config.linux, categroy: 'Development' } }
    await expect(
      validateConfiguration(misspelt as Configuration, new DebugLogger(false)),
    ).rejects.toThrow(/configuration object that does not match the API schema/)
  })

  it('builds AppImage and deb on Linux, dmg on macOS and an NSIS installer on Windows', () => {
    expect(targetsOf('linux').sort()).toEqual(['AppImage', 'deb'])
    expect(targetsOf('mac')).toEqual(['dmg'])
    expect(targetsOf('win')).toEqual(['nsis'])
    expect(config.linux?.category).toBe('Development')
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
  })

  it('names every artifact with the version, and never with a space', () => {
    for (const name of [config.artifactName, config.deb?.artifactName]) {
      expect(name).toContain('${version}')
      expect(name).toContain('${ext}')
      expect(name).not.toMatch(/\s|\$\{productName\}/)
    }
  })

  it('rebuilds native modules for Electron and keeps them out of the asar archive', () => {
    expect(config.npmRebuild).toBe(true)
    expect(config.asar).toBe(true)
    expect(config.asarUnpack).toContain('**/*.node')
    expect(packageJson.dependencies).toHaveProperty('better-sqlite3')
  })

  it('has package.json "main" inside out/, which the files patterns ship', () => {
    expect(packageJson.main).toMatch(/^(\.\/)?out\//)
    expect(filePatterns()).toContain('out/**/*')
    expect(filePatterns()).toContain('package.json')
  })

  it('has `npm run dist`, building first, and puts installers under dist/', () => {
    expect(packageJson.scripts.dist).toMatch(/^electron-vite build && .*electron-builder\b/)
    // `npm run dist -- --dir` appends to the command line, so electron-builder must come last.
    expect(packageJson.scripts.dist).toMatch(/electron-builder[^&|;]*$/)
    expect(packageJson.scripts.postdist).toBe('npm rebuild better-sqlite3')
    expect(config.directories?.output).toBe('dist')
    expect(readFileSync(join(repo, '.gitignore'), 'utf8').split('\n')).toContain('dist/')
  })

  it('references only icon and resource paths that exist', () => {
    const icons = [config.linux?.icon, config.mac?.icon, config.win?.icon]
    for (const icon of icons) {
      expect(typeof icon).toBe('string')
      expect(existsSync(join(repo, icon as string)), icon as string).toBe(true)
    }
    for (const set of extraResources()) {
      expect(existsSync(join(repo, set.from!)), set.from).toBe(true)
    }
    expect(existsSync(join(repo, config.directories!.buildResources!))).toBe(true)
  })

  it('uses a square RGBA PNG icon of at least 512 px, from which .icns and .ico are derived', () => {
    const png = readPng(readFileSync(join(repo, 'resources/icon.png')))
    expect(png.width).toBe(png.height)
    expect(png.width).toBeGreaterThanOrEqual(512)
    expect(png.colourType).toBe(6)
    expect(png.pixels.length).toBe((png.width * 4 + 1) * png.height)
    // Transparent corners, opaque centre: a real drawing, not an empty canvas.
    const alphaAt = (x: number, y: number) => png.pixels[y * (png.width * 4 + 1) + 1 + x * 4 + 3]
    expect(alphaAt(0, 0)).toBe(0)
    expect(alphaAt(png.width / 2, png.height / 2)).toBe(255)
  })

  it('commits exactly the icon that scripts/make-icon.mjs draws', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'studio-icon-'))
    try {
      const out = join(tmp, 'icon.png')
      execFileSync(process.execPath, [join(repo, 'scripts/make-icon.mjs'), out], { stdio: 'pipe' })
      expect(readFileSync(out).equals(readFileSync(join(repo, 'resources/icon.png')))).toBe(true)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

describe('electron-builder --linux dir with a stand-in Electron', () => {
  let tmp: string
  let stage: string
  let resources: string
  let archive: string
  let packed: string[]

  beforeAll(async () => {
    // The examples ship with their built guests; the packed app runs one below.
    await buildExample('helloworld')
    tmp = mkdtempSync(join(tmpdir(), 'studio-pack-'))
    // A copy of the project as a developer's checkout looks: sources, tests, docs, bench... and
    // the clutter a working tree collects, so that "nothing but the app is packed" is checked
    // against real candidates. Copies, not links: electron-builder does not walk into linked
    // folders, which would make the check pass whatever the patterns say.
    stage = join(tmp, 'project')
    cpSync(repo, stage, {
      recursive: true,
      filter: (from) => !['.git', 'node_modules', 'out', 'dist'].includes(relative(repo, from)),
    })
    symlinkSync(join(repo, 'node_modules'), join(stage, 'node_modules'))
    mkdirSync(join(stage, '.parigot-data'), { recursive: true })
    writeFileSync(join(stage, '.parigot-data', 'queue.sqlite'), 'state of a local run')
    // A private out/: never clobbers the one `npm start` serves.
    execFileSync(
      join(repo, 'node_modules/.bin/electron-vite'),
      ['build', '--outDir', join(stage, 'out'), '--logLevel', 'error'],
      { cwd: repo, timeout: 120_000, stdio: 'pipe' },
    )
    // electron-builder only copies the Electron distribution and renames its executable for the
    // dir target; a one-line script stands in for the real binary it cannot download here.
    const electronDist = join(tmp, 'electron-dist')
    mkdirSync(electronDist)
    // It carries a fuse wire as Electron's binary does (sentinel, version 1, 8 fuses at their
    // defaults), so that the fuses electron-builder flips can be read back.
    writeFileSync(
      join(electronDist, 'electron'),
      `#!/bin/sh\n# ${FUSE_SENTINEL}\x01\x0810110001\n`,
      {
        mode: 0o755,
      },
    )
    writeFileSync(join(electronDist, 'LICENSE'), '')
    execFileSync(
      join(repo, 'node_modules/.bin/electron-builder'),
      [
        '--linux',
        'dir',
        '--publish',
        'never',
        '--projectDir',
        stage,
        `-c.directories.output=${join(tmp, 'dist')}`,
        `-c.electronDist=${electronDist}`,
        // Rebuilding for Electron needs its headers from the internet, and would rebuild the
        // linked node_modules of this very checkout.
        '-c.npmRebuild=false',
      ],
      { cwd: stage, timeout: 180_000, stdio: 'pipe' },
    )
    resources = join(tmp, 'dist/linux-unpacked/resources')
    archive = join(resources, 'app.asar')
    packed = asar.listPackage(archive, { isPack: false })
  }, 300_000)

  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('flips the fuses in the packaged binary', () => {
    const binary = readFileSync(join(tmp, 'dist/linux-unpacked/parigot-studio'), 'latin1')
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length
    const wire = binary.slice(at + 2, at + 2 + binary.charCodeAt(at + 1))
    // RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadFromAsar,
    // BrowserV8Snapshot (untouched), GrantFileProtocolExtraPrivileges (untouched).
    expect(wire).toBe('01001101')
  })

  it('packs the electron-vite output, package.json and the "main" entry', () => {
    const main = '/' + packageJson.main.replace(/^\.\//, '')
    for (const file of [
      main,
      '/package.json',
      '/out/main/guest-worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
    ]) {
      expect(packed, file).toContain(file)
    }
  })

  it('runs helloworld from the packed app: its main under Node with a stand-in for Electron', async () => {
    // The archive and its unpacked native files, laid out as resources/app the way Electron
    // would serve them, next to the installed examples.
    const app = join(resources, 'app')
    asar.extractAll(archive, app)
    const main = new StandInMain(join(app, 'out', 'main', 'index.js'), tmp, {
      STAND_IN_RESOURCES: resources,
    })
    try {
      // The handler is installed at start-up, and the page (the frame that may call) after it.
      await main.until('the window', () =>
        main.calls.find((c) => c.api === 'BrowserWindow.loadFile'),
      )
      const info = await main.bridge('studio.info')
      const examples = (info['result'] as { examples: { name: string; file: string }[] }).examples
      const helloworld = examples.find((e) => e.name === 'helloworld')
      expect(helloworld?.file).toBe(join(resources, 'examples', 'helloworld', 'deploy.toml'))
      await runHelloworldThroughIpc(main, helloworld!.file)
      main.quit()
      expect(await main.exited).toEqual({ code: 0, signal: null })
    } finally {
      main.kill()
    }
  }, 60_000)

  it('packs no sources, tests, docs, local data or build configuration', () => {
    const topLevel = new Set(packed.map((p) => p.split('/')[1]))
    expect([...topLevel].sort()).toEqual(['node_modules', 'out', 'package.json'])
    const ours = packed.filter((p) => !p.startsWith('/node_modules/'))
    expect(ours.filter((p) => p.endsWith('.map') || p.endsWith('.ts'))).toEqual([])
  })

  it('unpacks better-sqlite3 from the archive so that its .node file can be loaded', () => {
    const nodeFiles = packed.filter((p) => p.endsWith('.node'))
    expect(nodeFiles).toEqual(['/node_modules/better-sqlite3/build/Release/better_sqlite3.node'])
    for (const file of nodeFiles) {
      expect(asar.statFile(archive, file.slice(1))).toHaveProperty('unpacked', true)
      expect(existsSync(join(resources, 'app.asar.unpacked', file))).toBe(true)
    }
    expect(packed.some((p) => p.startsWith('/node_modules/better-sqlite3/deps/'))).toBe(false)
  })

  it('ships every package main or a guest worker imports, and none bundled into the renderer', () => {
    const outMain = join(stage, 'out/main')
    const files = readdirSync(outMain, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(outMain, f), 'utf8'))
    // Static imports only: a dynamic import may sit on a path the packaged app never takes
    // (worker-script.ts bundles with esbuild only when running from TypeScript sources).
    const specifiers = new Set(
      files.flatMap((code) =>
        [...code.matchAll(/^\s*(?:import|export)\b[^'"`]*?from\s*["']([^"']+)["']/gm)].map(
          (m) => m[1]!,
        ),
      ),
    )
    const packages = [...specifiers]
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
      .map((s) =>
        s
          .split('/')
          .slice(0, s.startsWith('@') ? 2 : 1)
          .join('/'),
      )
      .filter((name) => name !== 'electron')
    expect(packages).toContain('better-sqlite3')
    for (const name of new Set(packages)) {
      expect(packed, `${name} is imported by out/main`).toContain(
        `/node_modules/${name}/package.json`,
      )
      expect(bundledIntoRenderer).not.toContain(name)
    }
    for (const name of bundledIntoRenderer) {
      expect(packed).not.toContain(`/node_modules/${name}`)
    }
  })

  it('puts the examples next to the app as real files: every deploy.toml, guest and .wasm', () => {
    const list = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)))
        .sort()
    const shipped = list(join(resources, 'examples'))
    expect(shipped).toEqual(list(join(stage, 'examples')))
    expect(shipped.filter((f) => f.endsWith('/deploy.toml')).length).toBeGreaterThan(0)
    expect(shipped.some((f) => f.endsWith('.ts'))).toBe(true)
  })
})
