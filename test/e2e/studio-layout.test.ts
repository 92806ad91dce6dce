// The Studio as a first-time user meets it at 1280x800: the graph takes the room, its layout
// never puts a box on another, edges tell their calls, the badge says what the services say and
// the log marks every start, stop, restart and switch. Against the built `parigot serve`.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { graphDeployment } from './guests'
import { buildExample, launchChromium, screenshot, serveStudio, type ServedStudio } from './harness'

const POLL = { timeout: 20_000 }
const VIEWPORT = { width: 1280, height: 800 }

interface Box {
  readonly id: string
  readonly x1: number
  readonly y1: number
  readonly x2: number
  readonly y2: number
}

async function openAt(
  browser: Browser,
  studio: ServedStudio,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: VIEWPORT })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  await page.goto(studio.url)
  await page.locator('[data-testid=connection][data-phase=connected]').waitFor()
  return { page, errors }
}

const nodeBoxes = (page: Page): Promise<Box[]> =>
  page
    .getByTestId('graph-canvas')
    .evaluate((el) => (el as unknown as { nodeBoxes(): Box[] }).nodeBoxes())

/** Pairs of node boxes that overlap (touching edges do not count). */
function overlaps(boxes: readonly Box[]): string[] {
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as Box
      const b = boxes[j] as Box
      if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) found.push(`${a.id} / ${b.id}`)
    }
  }
  return found
}

/**
 * The separator lines of the log. They pass every filter, so a text filter nothing matches
 * leaves only them, all in view of the virtualised list.
 */
async function separators(page: Page): Promise<string[]> {
  const filter = page.getByRole('searchbox', { name: 'Log text filter' })
  if ((await filter.inputValue()) !== NOTHING) await filter.fill(NOTHING)
  return page.getByTestId('log-separator').allTextContents()
}
const NOTHING = 'no line says this'

const badge = (page: Page): Promise<string | null> =>
  page.getByTestId('deployment-state').getAttribute('data-badge')

describe('Studio layout and truthful state (browser, real engine)', () => {
  let browser: Browser
  let chain: ServedStudio
  beforeAll(async () => {
    // The chain test switches to helloworld: on a fresh clone nothing else may have built it
    // yet, and a deployment whose wasm is missing opens as invalid, named by its path.
    await buildExample('helloworld')
    chain = await serveStudio(await buildExample('chain'))
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await chain?.stop()
  })

  it('gives the graph pane at least 40% of a 1280x800 window, and remembers a dragged splitter', async () => {
    const { page, errors } = await openAt(browser, chain)
    const pane = page.getByTestId('graph-pane')
    await pane.waitFor()
    const paneShare = async (): Promise<number> => {
      const b = await pane.boundingBox()
      return b === null ? 0 : (b.width * b.height) / (VIEWPORT.width * VIEWPORT.height)
    }
    // The panes settle once the first graph is drawn.
    await expect.poll(paneShare, POLL).toBeGreaterThanOrEqual(0.4)
    const box = await pane.boundingBox()
    if (box === null) throw new Error('no graph pane')
    console.log(
      `graph pane: ${Math.round(box.width)}x${Math.round(box.height)} = ${((await paneShare()) * 100).toFixed(1)}% of the window`,
    )
    // Labels of the legend are readable (>= 11 px).
    const legendSize = parseFloat(
      String(
        await page.evaluate(
          'getComputedStyle(document.querySelector("[data-testid=graph-legend]")).fontSize',
        ),
      ),
    )
    expect(legendSize).toBeGreaterThanOrEqual(11)
    // What a reader sees once the first layout has placed the nodes (not mid-animation).
    await expect
      .poll(
        async () => Number(await page.getByTestId('graph-canvas').getAttribute('data-layouts')),
        POLL,
      )
      .toBeGreaterThan(0)
    await screenshot(page, 'layout-1280x800-opened')

    // Drag the splitter between panel and log up by 120 px; a reload keeps the new split.
    const splitter = page.getByRole('separator', { name: 'Resize panel and log' })
    const handle = await splitter.boundingBox()
    if (handle === null) throw new Error('no splitter')
    await page.mouse.move(handle.x + 200, handle.y + 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + 200, handle.y - 118, { steps: 5 })
    await page.mouse.up()
    const dragged = (await pane.boundingBox())?.height ?? 0
    expect(dragged).toBeLessThan(box.height - 100)
    await page.reload()
    await page.locator('[data-testid=connection][data-phase=connected]').waitFor()
    await expect
      .poll(async () => Math.round((await pane.boundingBox())?.height ?? 0), POLL)
      .toBe(Math.round(dragged))
    // Back to the default for the other tests (they share this browser's storage).
    await page.evaluate('localStorage.clear()')
    await page.close()
    expect(errors).toEqual([])
  }, 60_000)

  it('lays out the chain left to right without overlap, tells edge calls, marks runs in the log, and resets filters on a switch', async () => {
    const { page, errors } = await openAt(browser, chain)
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=shopper][data-state=exited]')
      .waitFor(POLL)
    await expect
      .poll(
        async () =>
          (await separators(page)).some((s) => /^chain — started at \d\d:\d\d:\d\d$/.test(s)),
        POLL,
      )
      .toBe(true)

    // Layered: each requirer sits left of what it requires; no two boxes overlap.
    await expect.poll(async () => (await nodeBoxes(page)).length, POLL).toBe(4)
    await expect.poll(async () => overlaps(await nodeBoxes(page)), POLL).toEqual([])
    const boxes = await nodeBoxes(page)
    const x = (name: string): number => {
      const b = boxes.find((n) => n.id === `svc:${name}`) as Box
      return (b.x1 + b.x2) / 2
    }
    expect(x('shopper')).toBeLessThan(x('checkout'))
    expect(x('checkout')).toBeLessThan(x('pricer'))
    expect(x('pricer')).toBeLessThan(x('store'))

    // Hovering an edge: its calls, errors and median latency so far.
    const canvas = page.getByTestId('graph-canvas')
    const origin = await canvas.boundingBox()
    if (origin === null) throw new Error('no canvas')
    const mids = await canvas.evaluate((el) =>
      (
        el as unknown as { edgeMidpoints(): { id: string; x: number; y: number }[] }
      ).edgeMidpoints(),
    )
    const pricerToStore = mids.find((m) => m.id.startsWith('edge:pricer\nsvc:store'))
    if (pricerToStore === undefined)
      throw new Error(`no pricer -> store edge in ${JSON.stringify(mids)}`)
    await page.mouse.move(origin.x + pricerToStore.x, origin.y + pricerToStore.y)
    const info = page.getByTestId('edge-info')
    await info.waitFor(POLL)
    expect(Number(await info.getAttribute('data-calls'))).toBeGreaterThan(0)
    // The chain's pricer asks the store for a durian it does not have: one call errs.
    expect(Number(await info.getAttribute('data-errors'))).toBeGreaterThan(0)
    expect(await info.textContent()).toMatch(
      /pricer → store.*chain\.v1\.store.*\d+ calls? · \d+ errors? · p50 \d+\.\d\d ms/s,
    )
    await screenshot(page, 'layout-chain-edge-hover')

    // Restart and stop each leave a separator. The main has ended: Stop asks nothing.
    await page.getByRole('button', { name: 'Restart deployment' }).click()
    await expect
      .poll(async () => (await separators(page)).some((s) => s.includes('— restarted at')), POLL)
      .toBe(true)
    // The restarted shopper has ended too (its second "exited" line), so no main runs.
    const filter = page.getByRole('searchbox', { name: 'Log text filter' })
    await filter.fill('shopper exited with code 0')
    await expect
      .poll(() => page.locator('[data-testid=log-row][data-source=runner]').count(), POLL)
      .toBe(2)
    await page
      .locator('[data-testid=service-item][data-service=shopper][data-state=exited]')
      .waitFor(POLL)
    await page.getByRole('button', { name: 'Stop deployment' }).click()
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0)
    await expect
      .poll(async () => (await separators(page)).some((s) => s.includes('— stopped at')), POLL)
      .toBe(true)
    await expect.poll(() => badge(page), POLL).toBe('stopped')
    const order = (await separators(page)).map((s) => /— (\w+)/.exec(s)?.[1])
    expect(order.slice(-3)).toEqual(['started', 'restarted', 'stopped'])
    await screenshot(page, 'layout-chain-separators')

    // Filters show as chips; a new deployment starts without them, after a "switched" line.
    await page.getByRole('combobox', { name: 'Log level filter' }).selectOption('warn')
    await expect
      .poll(() => page.getByTestId('filter-chip').allTextContents(), POLL)
      .toEqual([expect.stringContaining('level ≥ warn'), expect.stringContaining('text: ')])
    await page.getByRole('button', { name: 'Open deployment' }).click()
    await page.getByRole('button', { name: 'Open example helloworld' }).click()
    await expect
      .poll(() => page.getByTestId('deployment-file').getAttribute('title'), POLL)
      .toMatch(/examples\/helloworld\/deploy\.toml$/)
    await expect.poll(() => page.getByTestId('filter-chip').count(), POLL).toBe(0)
    expect(await page.getByRole('combobox', { name: 'Log level filter' }).inputValue()).toBe(
      'debug',
    )
    await expect
      .poll(async () => (await separators(page)).at(-1), POLL)
      .toMatch(/^helloworld — switched from chain at \d\d:\d\d:\d\d$/)
    await page.close()
    expect(errors).toEqual([])
  }, 90_000)

  it('30 services: no overlap, a failed one makes the badge degraded, its logError is an error, Stop confirms while the main runs', async () => {
    const graph = await serveStudio(await graphDeployment(30))
    try {
      const { page, errors } = await openAt(browser, graph)
      await page.getByRole('button', { name: 'Run deployment' }).click()
      const items = page.locator('[data-testid=service-item]')
      await expect.poll(() => items.count(), POLL).toBe(32)
      await page
        .locator('[data-testid=service-item][data-service=s29][data-state=failed]')
        .waitFor({ timeout: 90_000 })
      await page
        .locator('[data-testid=service-item][data-service=watcher][data-state=running]')
        .waitFor({ timeout: 90_000 })
      await expect.poll(() => badge(page), POLL).toBe('degraded')
      expect(await page.getByTestId('deployment-state').textContent()).toContain('1 failed')

      // The guest's logError line is an error, as the guest set it. The log is a virtualised
      // list following its end, so the line is found as a user finds it, through the text
      // filter: on a loaded machine more than a screenful of lines can follow it.
      const filter = page.getByRole('searchbox', { name: 'Log text filter' })
      await filter.fill('giving up on purpose')
      const errorRow = page.locator('[data-testid=log-row][data-source=s29]', {
        hasText: 'giving up on purpose',
      })
      await errorRow.waitFor(POLL)
      expect(await errorRow.getAttribute('data-level')).toBe('error')
      await filter.fill('')
      await expect.poll(() => page.getByTestId('filter-chip').count(), POLL).toBe(0)

      // 32 services and the placeholder for the name nobody exports.
      await expect.poll(async () => (await nodeBoxes(page)).length, POLL).toBe(33)
      await expect.poll(async () => overlaps(await nodeBoxes(page)), POLL).toEqual([])
      await screenshot(page, 'layout-30-services')

      // A waiting service counts down to its launch timeout and names what it waits for.
      const countdown = page.locator(
        '[data-testid=service-item][data-service=hopeful] [data-testid=launch-countdown]',
      )
      await countdown.waitFor(POLL)
      const seconds = async (): Promise<number> =>
        Number(/timeout in (\d+) s/.exec((await countdown.textContent()) ?? '')?.[1])
      expect(await countdown.textContent()).toMatch(
        /waiting for graph\.v1\.nobody · launch\s+timeout in \d+ s/,
      )
      const first = await seconds()
      expect(first).toBeGreaterThan(0)
      expect(first).toBeLessThanOrEqual(300)
      await expect.poll(seconds, POLL).toBeLessThan(first)

      // Service controls from the graph: a node's context menu stops it...
      const canvas = page.getByTestId('graph-canvas')
      const origin = await canvas.boundingBox()
      if (origin === null) throw new Error('no canvas')
      const centre = async (name: string): Promise<{ x: number; y: number }> => {
        const all = await canvas.evaluate((el) =>
          (
            el as unknown as { nodeCenters(): { id: string; x: number; y: number }[] }
          ).nodeCenters(),
        )
        const found = all.find((n) => n.id === `svc:${name}`)
        if (found === undefined) throw new Error(`no node ${name}`)
        return { x: origin.x + found.x, y: origin.y + found.y }
      }
      const at = await centre('s20')
      await page.mouse.click(at.x, at.y, { button: 'right' })
      const menu = page.getByTestId('service-menu')
      await menu.waitFor()
      expect(
        await menu.getByRole('menuitem', { name: 'start s20', exact: true }).isDisabled(),
      ).toBe(true)
      await screenshot(page, 'layout-service-menu')
      await menu.getByRole('menuitem', { name: 'stop s20', exact: true }).click()
      const s20 = page.locator('[data-testid=service-item][data-service=s20]')
      await expect.poll(() => s20.getAttribute('data-state'), POLL).toBe('exited')
      // ...the details pane starts it again...
      await page.getByRole('button', { name: /^Service s20/ }).click()
      const details = page.getByTestId('service-details')
      await details.getByRole('button', { name: 'start s20', exact: true }).click()
      await expect.poll(() => s20.getAttribute('data-state'), POLL).toBe('running')
      // ...and restarts it; each leaves a separator in the log.
      await details.getByRole('button', { name: 'restart s20', exact: true }).click()
      await expect
        .poll(async () => (await separators(page)).map((s) => /— (.+) at/.exec(s)?.[1]), POLL)
        .toEqual(expect.arrayContaining(['stop of s20', 'start of s20', 'restart of s20']))
      await expect.poll(() => s20.getAttribute('data-state'), POLL).toBe('running')
      await screenshot(page, 'layout-service-details-controls')

      // The main program still runs: Stop asks first; cancelling keeps everything running.
      await page.getByRole('button', { name: 'Stop deployment' }).click()
      const dialog = page.getByTestId('confirm-dialog')
      await dialog.waitFor()
      expect(await dialog.textContent()).toContain('watcher is still running')
      await screenshot(page, 'layout-stop-confirm')
      await page.getByTestId('confirm-cancel').click()
      await dialog.waitFor({ state: 'detached' })
      expect(await page.getByTestId('deployment-state').getAttribute('data-state')).toBe('running')
      await page.getByRole('button', { name: 'Stop deployment' }).click()
      await page.getByTestId('confirm-ok').click()
      await expect.poll(() => badge(page), POLL).toBe('stopped')
      expect(errors).toEqual([])
    } finally {
      await graph.stop()
    }
  }, 240_000)

  it('says disconnected when the engine is gone', async () => {
    const { page } = await openAt(browser, chain)
    await expect.poll(() => badge(page), POLL).not.toBe('disconnected')
    await chain.stop()
    await expect.poll(() => badge(page), POLL).toBe('disconnected')
    await screenshot(page, 'layout-disconnected')
  }, 60_000)
})
