// Restarting one service from the UI, against the real engine: the queue example's producer is
// restarted while it runs; its state history gains a second run and the log shows it starting
// over (it finds the queue of its first run and starts it afresh).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'
import { screenshot, useStudio } from './harness'

const POLL = { timeout: 20_000 }
const WORK = join(REPO_ROOT, 'test-results', 'e2e-work', 'service-restart')

function logLines(page: Page, text: string): Promise<number> {
  return page.locator('[data-testid=log-row]', { hasText: text }).count()
}

describe('restart one service (browser, real engine)', () => {
  const fixture = useStudio(async () => {
    rmSync(WORK, { recursive: true, force: true })
    mkdirSync(WORK, { recursive: true })
    // Built into this test's own folder: other test files rewrite examples/queue/build meanwhile.
    const producer = await compileAssemblyScript('examples/queue/guest/producer.ts')
    writeFileSync(join(WORK, 'producer.wasm'), producer)
    const config = join(WORK, 'deploy.toml')
    writeFileSync(
      config,
      [
        '[deployment]',
        'name = "service-restart"',
        'data_dir = "data"',
        '',
        '[services.producer]',
        'wasm = "producer.wasm"',
        'plugins = ["queue"]',
        '',
      ].join('\n'),
    )
    return config
  })

  it('restarts the producer: a second run in its history and in the log', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('tab', { name: 'Deploy config' }).click()
    const button = page.getByTestId('service-restart-button')
    // Nothing to restart before the deployment runs.
    await button.waitFor(POLL)
    expect(await button.isDisabled()).toBe(true)

    await page.getByRole('button', { name: 'Run deployment' }).click()
    const sent = 'producer: sent 100 orders'
    await expect.poll(() => logLines(page, sent), POLL).toBe(1)
    await expect.poll(() => button.isEnabled(), POLL).toBe(true)
    expect(await page.getByTestId('service-restart-choice').inputValue()).toBe('producer')
    expect(await logLines(page, 'left by an earlier run')).toBe(0)

    await button.click()
    await expect
      .poll(() => page.getByTestId('service-restart-message').textContent(), POLL)
      .toBe('Restarted producer')
    // The second run finds the first run's queue, starts it afresh, and sends again.
    await expect.poll(() => logLines(page, 'left by an earlier run'), POLL).toBe(1)
    await expect.poll(() => logLines(page, sent), POLL).toBe(2)
    await screenshot(page, 'service-restart')

    // Its state went through a stop and is running again.
    await page.getByRole('tab', { name: 'Services' }).click()
    const producer = page.locator('[data-testid=service-item][data-service=producer]')
    await expect.poll(() => producer.getAttribute('data-state'), POLL).toBe('running')
    await page.getByRole('button', { name: /^Service producer/ }).click()
    const history = page.getByTestId('service-details').getByTestId('details-history')
    await expect
      .poll(async () => (await history.locator('li').allTextContents()).map((t) => t.trim()), POLL)
      .toEqual(expect.arrayContaining([expect.stringMatching(/running$/)]))
    const states = (await history.locator('li').allTextContents()).map((t) =>
      t.trim().split(/\s+/).pop(),
    )
    expect(states.filter((s) => s === 'running').length).toBeGreaterThanOrEqual(2)
    expect(states.at(-1)).toBe('running')
    await screenshot(page, 'service-restart-history')
    expect(errors).toEqual([])
  }, 90_000)
})
