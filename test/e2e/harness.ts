// End-to-end harness: the real renderer (built by electron-vite), served by a real
// `parigot serve` child process running real wasm guests, driven in headless Debian Chromium.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { REPO_ROOT } from '../helpers/asc'

export { buildExample } from '../helpers/examples'

export const CHROMIUM = process.env['PARIGOT_CHROMIUM'] ?? '/usr/bin/chromium'
const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots')
export interface ServedStudio {
  readonly url: string
  readonly origin: string
  /** Everything the serve process printed so far (for failure messages). */
  output(): string
  stop(): Promise<void>
}

/**
 * Starts the built `parigot serve [config] --port 0` (out/main/cli.js, kept current by the test
 * set-up) and waits for its "Studio running at" line.
 */
export async function serveStudio(
  config?: string,
  extraArgs: readonly string[] = [],
): Promise<ServedStudio> {
  // Recent deployments go to a scratch folder, not the developer's ~/.config.
  const studioDir = mkdtempSync(join(tmpdir(), 'parigot-e2e-studio-'))
  const args = [join(REPO_ROOT, 'out', 'main', 'cli.js'), 'serve']
  if (config !== undefined) args.push(config)
  args.push('--port', '0', '--no-build', ...extraArgs)
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PARIGOT_STUDIO_DIR: studioDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL:\n${output}`)), 30_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const found = /Studio running at (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(output)
      if (found?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(found[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      rmSync(studioDir, { recursive: true, force: true })
      reject(new Error(`serve exited (${code}) before printing its URL:\n${output}`))
    })
  })
  return {
    url,
    origin: new URL(url).origin,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT')
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(killer)
      }
      rmSync(studioDir, { recursive: true, force: true })
    },
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** A Studio server and a browser shared by the tests of one file. */
export interface StudioFixture {
  readonly browser: Browser
  readonly studio: ServedStudio
  /** A fresh page on the Studio, connected (see openStudio). */
  open(): Promise<StudioPage>
}

/**
 * Registers the file's set-up and tear-down: `deployment` prepares what to serve (a deploy
 * config, or undefined for none) before the server starts; the browser and server close after.
 */
export function useStudio(deployment: () => Promise<string | undefined>): StudioFixture {
  let browser: Browser | undefined
  let studio: ServedStudio | undefined
  beforeAll(async () => {
    studio = await serveStudio(await deployment())
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await studio?.stop()
  })
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Studio fixture is used before its beforeAll ran')
    return value
  }
  return {
    get browser() {
      return started(browser)
    },
    get studio() {
      return started(studio)
    },
    open: () => openStudio(started(browser), started(studio)),
  }
}

export interface StudioPage {
  readonly page: Page
  /** Uncaught exceptions and console errors of the page, which a test expects to be empty. */
  readonly errors: string[]
}

/** Opens the Studio in a fresh page and waits until its bridge is connected. */
export async function openStudio(browser: Browser, studio: ServedStudio): Promise<StudioPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  await page.goto(studio.url)
  await page.locator('[data-testid=connection][data-phase=connected]').waitFor()
  return { page, errors }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  writeFileSync(join(SCREENSHOTS, `${name}.png`), await page.screenshot())
}

// In-page code is plain JavaScript text: the test type-check has Node's globals, not the DOM's.
const RECORD_STATES = `(() => {
  const seen = {}
  const record = () => {
    for (const item of document.querySelectorAll('[data-testid=service-item]')) {
      const states = (seen[item.dataset.service] ??= [])
      if (states[states.length - 1] !== item.dataset.state) states.push(item.dataset.state)
    }
  }
  record()
  new MutationObserver(record).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'],
  })
  window.__serviceStates = seen
})()`

/**
 * Records every state each service shows in the page's service list from now on, so a test
 * can assert that a service passed through `running` even when it moved on within a frame.
 */
export async function recordServiceStates(
  page: Page,
): Promise<() => Promise<Record<string, string[]>>> {
  await page.evaluate(RECORD_STATES)
  return () => page.evaluate('window.__serviceStates') as Promise<Record<string, string[]>>
}
