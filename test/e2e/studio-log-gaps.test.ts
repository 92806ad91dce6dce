// A guest logs 200,000 lines: more than the engine's ring and the page's ring hold. Every line
// the page does not hold is marked in place ("N lines not shown (from–to)") with a count equal
// to the lines it did not get, those lines open from the run's NDJSON file, and a search covers
// the whole run. Against the built `parigot serve`, in Chromium.
import { describe, expect, it } from 'vitest'
import { floodDeployment } from './guests'
import { screenshot, useStudio } from './harness'

const LINES = 200_000
const POLL = { timeout: 60_000 }

describe('Studio log gaps under a 200,000-line flood (browser, real engine)', () => {
  const fixture = useStudio(() => floodDeployment(LINES))

  it('marks every line not shown, with exact counts, and opens them from the run file', async () => {
    const { page, errors } = await fixture.open()
    const bar = page.getByTestId('log-count')
    const attr = async (name: string): Promise<number> => Number(await bar.getAttribute(name))
    const started = Date.now()
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=flood][data-state=exited]')
      .waitFor(POLL)
    // The page has everything up to the runner's note that the flood ended.
    await expect
      .poll(async () => {
        const rows = await page.locator('[data-testid=log-row] .message').allTextContents()
        return rows.some((m) => m.includes('flood exited with code 0'))
      }, POLL)
      .toBe(true)
    const seconds = (Date.now() - started) / 1000

    const headFrom = await attr('data-head-from')
    const lastSeq = await attr('data-last-seq')
    const received = await attr('data-received')
    const held = await attr('data-count')
    const dropped = Number(
      (await page.getByTestId('log-dropped').count()) > 0
        ? await page.getByTestId('log-dropped').getAttribute('data-count')
        : 0,
    )
    console.log(
      `flood of ${LINES} lines in ${seconds.toFixed(1)} s: ${received} delivered to the page, ` +
        `${dropped} not sent by the engine (marked), ${held} held by the page's ring`,
    )
    expect(lastSeq - headFrom + 1).toBeGreaterThan(LINES)
    // Every line of the run is delivered or counted in a marker, never both, never neither.
    expect(received + dropped).toBe(lastSeq - headFrom + 1)

    // The markers in the stream add up to exactly the lines the page does not hold.
    const viewport = page.getByRole('log', { name: 'Log lines' })
    await viewport.evaluate((el) => (el.scrollTop = 0))
    const head = page.locator('[data-testid=log-gap][data-head=true]')
    await head.waitFor(POLL)
    expect(Number(await head.getAttribute('data-from'))).toBe(headFrom)
    const headCount = Number(await head.getAttribute('data-count'))
    expect(await head.textContent()).toContain(
      `${headCount.toLocaleString('en')} lines not shown (${headFrom}–`,
    )
    // Markers of lines the engine could not send, still in the page's ring.
    const gapSum = await attr('data-gap-lines')
    expect(headCount + gapSum + held).toBe(lastSeq - headFrom + 1)
    await screenshot(page, 'log-gaps-head-marker')

    // Those lines, read back from the run's NDJSON file.
    await head.getByRole('button', { name: /^Open lines/ }).click()
    const view = page.getByTestId('log-file-view')
    await view.waitFor(POLL)
    // Lines and separators alike carry their seq.
    const fileRows = view.locator('[data-seq]')
    await expect.poll(() => fileRows.count(), POLL).toBe(2000)
    // The marker may start with lines from before the run (the "opened" separator): the page
    // says they are not in the run's file; the file's lines follow without a hole.
    const first = Number(await fileRows.first().getAttribute('data-seq'))
    if (first > headFrom) {
      expect(await view.getByTestId('log-file-note').textContent()).toBe(
        `Lines ${headFrom}–${first - 1} are not in the run's file: they came before the run started, or the oldest part of a very long run was rotated out.`,
      )
    }
    expect(first - headFrom).toBeLessThanOrEqual(1)
    expect(await fileRows.first().textContent()).toMatch(/flood — started at/)
    const seqs = await fileRows.evaluateAll((els) => els.map((e) => Number(e.dataset['seq'])))
    expect(seqs).toEqual(seqs.map((_, i) => first + i))
    await view.getByRole('button', { name: 'Load more' }).click()
    await expect.poll(() => fileRows.count(), POLL).toBe(4000)
    await screenshot(page, 'log-gaps-opened-from-file')
    await view.getByRole('button', { name: 'Close lines from file' }).click()

    // Search covers the whole run, not only what the page holds.
    await page.getByRole('searchbox', { name: 'Log text filter' }).fill('flood line 12345')
    await page.getByRole('button', { name: 'Search whole run' }).click()
    await view.waitFor(POLL)
    await expect
      .poll(() => view.locator('[data-testid=log-row] .message').allTextContents(), POLL)
      .toEqual([
        'flood line 12345',
        ...Array.from({ length: 10 }, (_, i) => `flood line 12345${i}`),
      ])
    await screenshot(page, 'log-gaps-search-whole-run')
    expect(errors).toEqual([])
  }, 180_000)
})
