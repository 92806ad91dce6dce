// The Calls panel against the real engine and examples/chain built from source: each request is
// a trace of nested calls, a call shows what it logged and filters the log stream to it, the
// filters narrow the list, "Save trace" writes a Chrome trace-event file, and a trace file made
// by `parigot run --trace` opens in a Studio that has no deployment.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeChromeTrace } from '../../src/shared/trace/chrome-trace'
import { REPO_ROOT } from '../helpers/asc'
import { runParigot } from '../helpers/parigot-cli'
import { buildExample, screenshot, useStudio } from './harness'

const POLL = { timeout: 20_000 }

describe('Calls panel (browser, real engine)', () => {
  const fixture = useStudio(() => buildExample('chain'))

  it('lists the chain’s two requests as traces, shows one as a waterfall, a call’s log lines, and saves the trace', async () => {
    const { page, errors } = await fixture.open()
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=shopper][data-state=exited]')
      .waitFor(POLL)
    await page.getByRole('tab', { name: 'Calls' }).click()
    const panel = page.getByTestId('calls-panel')
    await panel.locator('[data-testid=trace-count][data-count="2"]').waitFor(POLL)
    const rows = panel.getByTestId('trace-row')
    expect(await rows.count()).toBe(2)
    // Newest first: the durian basket, which failed.
    expect(await rows.nth(0).getByTestId('trace-errors').textContent()).toBe('3 failed')
    expect(await rows.nth(1).getByTestId('trace-errors').count()).toBe(0)

    // The good basket: Total, three Prices each with its Lookup, nested in call order.
    await rows.nth(1).click()
    const spanRows = panel.getByTestId('span-row')
    await expect.poll(() => spanRows.count(), POLL).toBe(7)
    const depths = await spanRows.evaluateAll((els) =>
      els.map((el) => (el as unknown as { dataset: { depth: string } }).dataset.depth),
    )
    expect(depths).toEqual(['0', '1', '2', '1', '2', '1', '2'])
    await screenshot(page, 'calls-panel')

    // The root call's request and response, captured on the callee's side and decoded through
    // the guests' descriptors.
    await spanRows.nth(0).click()
    const request = panel.getByTestId('payload-request')
    await expect
      .poll(() => request.getByTestId('payload-json').textContent(), POLL)
      .toContain('"lines"')
    const sent = JSON.parse((await request.getByTestId('payload-json').textContent()) ?? '') as {
      lines: { item: string; quantity: number }[]
    }
    expect(sent.lines).toHaveLength(3)
    expect(await request.locator('h4').textContent()).toContain('chain.v1.TotalRequest')
    const response = panel.getByTestId('payload-response')
    const answered = JSON.parse(
      (await response.getByTestId('payload-json').textContent()) ?? '',
    ) as {
      cents: string
      lines: number
    }
    expect(answered.lines).toBe(3)
    expect(Number(answered.cents)).toBeGreaterThan(0)
    await screenshot(page, 'calls-span-payload')

    // The durian basket: its failed Price call logged why, and the log stream follows it.
    await rows.nth(0).click()
    await expect.poll(() => spanRows.count(), POLL).toBe(5)
    const failedPrice = panel.locator('[data-testid=span-row]', { hasText: 'Price' }).filter({
      has: page.locator('.method'),
    })
    let durian: string | undefined
    for (let i = 0; i < (await failedPrice.count()); i++) {
      await failedPrice.nth(i).click()
      const lines = await panel.getByTestId('span-detail').textContent()
      if (lines?.includes('the store has no durian')) {
        durian = (await failedPrice.nth(i).getAttribute('data-span')) ?? undefined
        break
      }
    }
    expect(durian).toBeDefined()
    expect(await panel.getByTestId('span-result').textContent()).toMatch(/^service error \d+$/)
    // The failed call's request names the durian; it answered no message.
    await expect
      .poll(() => panel.getByTestId('payload-request').textContent(), POLL)
      .toContain('"item": "durian"')
    expect(await panel.getByTestId('payload-response').textContent()).toContain('none')
    await panel.getByTestId('span-filter-log').click()
    const log = page.getByTestId('log-stream')
    await expect
      .poll(() => log.getByTestId('filter-chips').textContent(), POLL)
      .toContain('call: pricer.Price from checkout')
    // Only the separator and the call's own line stay (the re-subscription replaces the rest).
    const rowsNow = () => log.locator('[data-testid=log-row]').allTextContents()
    await expect
      .poll(async () => (await rowsNow()).filter((l) => !l.includes('—')), POLL)
      .toEqual([expect.stringContaining('pricer: the store has no durian')])
    await screenshot(page, 'calls-span-log')

    // Filters: failed only, then a method no trace has.
    await panel.getByTestId('filter-errors').check()
    await panel.locator('[data-testid=trace-count][data-count="1"]').waitFor(POLL)
    await panel.getByTestId('filter-errors').uncheck()
    await panel.getByTestId('filter-method').fill('Nothing')
    await panel.getByTestId('trace-empty').waitFor(POLL)
    await panel.getByTestId('filter-method').fill('')
    await panel.locator('[data-testid=trace-count][data-count="2"]').waitFor(POLL)

    // Save trace: a Chrome trace-event file next to the deploy config, with every call.
    await panel.getByTestId('trace-save').click()
    const notice = panel.getByTestId('trace-notice')
    await expect.poll(() => notice.textContent(), POLL).toMatch(/^Saved 12 calls to /)
    const file = ((await notice.textContent()) ?? '').replace(/^Saved 12 calls to /, '')
    try {
      const decoded = decodeChromeTrace(readFileSync(file, 'utf8'))
      if (!decoded.ok) throw new Error(decoded.error)
      expect(decoded.trace.spans).toHaveLength(12)
      expect(decoded.trace.logs.some((l) => l.message.includes('durian'))).toBe(true)
    } finally {
      rmSync(file, { force: true })
    }
    expect(errors).toEqual([])
  }, 120_000)
})

describe('a saved trace opens with no deployment (browser)', () => {
  const traceFile = join(REPO_ROOT, 'test-results', 'traces', 'chain-cli.trace.json')
  const fixture = useStudio(async () => {
    await buildExample('chain')
    mkdirSync(join(REPO_ROOT, 'test-results', 'traces'), { recursive: true })
    const run = await runParigot(['run', 'examples/chain/deploy.toml', '--trace', traceFile])
    if (run.code !== 0) throw new Error(`parigot run --trace failed:\n${run.stdout}\n${run.stderr}`)
    return undefined
  })

  it('opens a parigot run --trace file from the start screen into the Calls panel', async () => {
    expect(existsSync(traceFile)).toBe(true)
    const { page, errors } = await fixture.open()
    await page.setViewportSize({ width: 1280, height: 800 })
    const start = page.getByTestId('open-trace-file')
    // A file that is not a trace is refused with the field at fault.
    await start.getByTestId('open-trace-path').fill(join(REPO_ROOT, 'package.json'))
    await start.getByTestId('open-trace-submit').click()
    await expect
      .poll(() => start.getByTestId('open-trace-problem').textContent(), POLL)
      .toContain('expected {"traceEvents": [...]}')
    await start.getByTestId('open-trace-path').fill(traceFile)
    await start.getByTestId('open-trace-submit').click()
    const panel = page.getByTestId('calls-panel')
    await panel.locator('[data-testid=trace-count][data-count="2"]').waitFor(POLL)
    expect(await panel.getAttribute('data-source')).toBe('file')
    expect(await panel.getByTestId('trace-source').textContent()).toContain('chain-cli.trace.json')
    expect(await panel.locator('[data-testid=trace-source] .path').getAttribute('title')).toBe(
      traceFile,
    )
    // The file's log lines come with it: the failed call still shows what it logged.
    await panel.getByTestId('trace-row').nth(0).click()
    await expect.poll(() => panel.getByTestId('span-row').count(), POLL).toBe(5)
    await panel.getByTestId('span-row').nth(0).click()
    await expect
      .poll(() => panel.getByTestId('payload-reason').textContent(), POLL)
      .toBe('a trace file holds no requests or responses')
    await screenshot(page, 'calls-from-file')
    expect(errors).toEqual([])
  }, 120_000)
})
