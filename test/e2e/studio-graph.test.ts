import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { cycleDeployment } from './guests'
import {
  buildExample,
  openStudio,
  recordServiceStates,
  screenshot,
  serveStudio,
  useStudio,
} from './harness'

const POLL = { timeout: 15_000 }

describe('Studio services graph (browser, real engine)', () => {
  const fixture = useStudio(() => buildExample('helloworld'))
  // Compiled before the tests, so a slow AssemblyScript build on a loaded machine is not charged
  // to the Studio's timings.
  let cycleFile = ''
  beforeAll(async () => {
    cycleFile = await cycleDeployment()
  }, 120_000)

  it('shows every service of the helloworld example reaching running, then the main exiting', async () => {
    const { page, errors } = await fixture.open()
    const items = page.locator('[data-testid=service-item]')
    await expect.poll(() => items.count(), POLL).toBe(2)
    expect(
      await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-service'))),
    ).toEqual(['greet', 'helloworld'])
    await expect
      .poll(() => items.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))), POLL)
      .toEqual(['not-started', 'not-started'])
    const states = await recordServiceStates(page)

    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=helloworld][data-state=exited]')
      .waitFor()
    const seen = await states()
    expect(seen['greet']).toContain('running')
    // A main program can pass through running between two repaints of the list; its history
    // (from the engine) shows every state it had.
    const history = await stateHistory(page, 'helloworld')
    expect(history).toContain('running')
    expect(history.at(-1)).toBe('exited')
    // The server keeps running after the main program is done.
    expect(await page.locator('[data-service=greet]').getAttribute('data-state')).toBe('running')
    // The Studio keeps a deployment's servers up after its main program ends (watch mode).
    const deploymentState = (): Promise<string | null> =>
      page.getByTestId('deployment-state').getAttribute('data-state')
    expect(await deploymentState()).toBe('running')
    await screenshot(page, 'services-graph')

    // Details of a service: its host, methods and history, read from the engine.
    await page.getByRole('button', { name: /^Service greet/ }).click()
    const details = page.getByTestId('service-details')
    await expect
      .poll(() => details.getByTestId('details-state').textContent(), POLL)
      .toBe('running')
    expect(await details.getByTestId('details-history').textContent()).toContain('running')
    await screenshot(page, 'service-details')

    await page.getByRole('button', { name: 'Stop deployment' }).click()
    await expect.poll(deploymentState, POLL).toBe('stopped')
    expect(await page.getByRole('button', { name: 'Run deployment' }).isEnabled()).toBe(true)
    expect(await page.getByRole('button', { name: 'Stop deployment' }).isEnabled()).toBe(false)
    expect(errors).toEqual([])
  })

  it('runs the three-service chain: every service running, calls with latency, log follows the selection', async () => {
    const chain = await serveStudio(await buildExample('chain'))
    try {
      const { page, errors } = await openStudio(fixture.browser, chain)
      const items = page.locator('[data-testid=service-item]')
      await expect.poll(() => items.count(), POLL).toBe(4)
      const states = await recordServiceStates(page)
      await page.getByRole('button', { name: 'Run deployment' }).click()
      await page
        .locator('[data-testid=service-item][data-service=shopper][data-state=exited]')
        .waitFor(POLL)
      const seen = await states()
      for (const service of ['store', 'pricer', 'checkout']) {
        expect(seen[service], service).toContain('running')
      }
      const history = await stateHistory(page, 'shopper')
      expect(history).toContain('running')
      expect(history.at(-1)).toBe('exited')

      // Selecting a service shows its calls with their latency, and filters the log to it.
      await page.getByRole('button', { name: /^Service pricer/ }).click()
      const calls = page.getByTestId('service-details').getByTestId('details-calls')
      await expect.poll(() => calls.textContent(), POLL).toMatch(/\d+\.\d\d ms/)
      expect(await calls.textContent()).toContain('pricer → store')
      expect(await page.getByRole('combobox', { name: 'Log service filter' }).inputValue()).toBe(
        'pricer',
      )
      await expect
        .poll(async () => {
          const sources = await page
            .locator('[data-testid=log-row]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-source')))
          return sources.length > 0 && sources.every((s) => s === 'pricer')
        }, POLL)
        .toBe(true)
      await screenshot(page, 'services-chain')
      expect(errors).toEqual([])
    } finally {
      await chain.stop()
    }
  })

  it('names a refused dependency cycle in a banner with its reason, and the unmet requirement', async () => {
    const cycle = await serveStudio(cycleFile)
    try {
      const { page, errors } = await openStudio(fixture.browser, cycle)
      expect(await page.getByTestId('cycle-banner').count()).toBe(0)
      await page.getByRole('button', { name: 'Run deployment' }).click()
      const banner = page.getByTestId('cycle-banner')
      await banner.waitFor(POLL)
      // Whichever of the two required last closed the cycle; the path names both, closed.
      expect(await banner.getByTestId('cycle-path').textContent()).toMatch(
        /^(alpha -> beta -> alpha|beta -> alpha -> beta)$/,
      )
      // The reason is the kernel's: which service was refused, requiring what.
      const reason = (await banner.getByTestId('cycle-reason').textContent()) ?? ''
      expect(reason).toMatch(
        /ring\.v1\.(alpha|beta): requiring ring\.v1\.(alpha|beta) would create a dependency cycle: .+; refused/,
      )
      // The service whose require was refused ends; the other can never run.
      await expect
        .poll(
          () =>
            page
              .locator('[data-testid=service-item]')
              .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')).sort()),
          POLL,
        )
        .toContain('exited')
      // The survivor's requirement names the refused exporter's end (exit 6: its require
      // failed), whether the survivor required it before or after it was exported.
      await expect
        .poll(() => page.getByTestId('unmet').allTextContents(), POLL)
        .toContainEqual(
          expect.stringMatching(
            /^ring\.v1\.(alpha|beta): its exporter ring\.v1\.(alpha|beta) has exited \(code 6\)/,
          ),
        )
      await screenshot(page, 'cycle')
      expect(errors).toEqual([])
    } finally {
      await cycle.stop()
    }
  })
})

/** The states a service went through, as its details panel lists them (selects the service). */
async function stateHistory(page: Page, service: string): Promise<string[]> {
  await page.getByRole('button', { name: new RegExp(`^Service ${service}\\b`) }).click()
  const entries = page
    .getByLabel(`Details of ${service}`)
    .getByTestId('details-history')
    .locator('li')
  await expect.poll(() => entries.count(), POLL).toBeGreaterThan(0)
  return entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-state') ?? ''))
}
