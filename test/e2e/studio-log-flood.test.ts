import { describe, expect, it } from 'vitest'
import { floodDeployment } from './guests'
import { screenshot, useStudio } from './harness'

// Fewer than the log's 20,000-line ring, so every line stays and paused rows cannot fall off.
const LINES = 15_000

// Frame gaps in the page while it works: the longest shows whether the UI froze.
const MEASURE_FRAMES = `(() => {
  const gaps = []
  let last = performance.now()
  const tick = (now) => {
    gaps.push(now - last)
    last = now
    if (!window.__stopFrames) requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
  window.__frameGaps = gaps
})()`

describe('Studio log stream under a flood (browser, real engine)', () => {
  const fixture = useStudio(() => floodDeployment(LINES))

  it('takes every line of a flood, renders only the rows in view, and keeps a paused position', async () => {
    const { page, errors } = await fixture.open()
    const count = async (): Promise<number> =>
      Number(await page.getByTestId('log-count').getAttribute('data-count'))
    const firstRowSeq = (): Promise<string | null> =>
      page.locator('[data-testid=log-stream] [data-seq]').first().getAttribute('data-seq')

    // Pause before the flood: the reader's position must hold while lines pour in.
    await page.getByRole('button', { name: 'Pause log' }).click()
    await page.evaluate(MEASURE_FRAMES)
    const started = Date.now()
    await page.getByRole('button', { name: 'Run deployment' }).click()
    await page
      .locator('[data-testid=service-item][data-service=flood][data-state=exited]')
      .waitFor({ timeout: 60_000 })
    await expect.poll(count, { timeout: 30_000 }).toBeGreaterThanOrEqual(LINES)
    const seconds = (Date.now() - started) / 1000
    const gaps = (await page.evaluate('window.__stopFrames = true, window.__frameGaps')) as number[]
    const longest = Math.max(...gaps)
    console.log(
      `log flood: ${LINES} lines in ${seconds.toFixed(2)} s (${Math.round(LINES / seconds)} lines/s), ` +
        `${gaps.length} frames, longest frame gap ${longest.toFixed(0)} ms`,
    )
    expect(await page.getByTestId('log-dropped').count()).toBe(0)
    // Virtualised: a few dozen rows in the DOM, not thousands.
    expect(await page.locator('[data-testid=log-row]').count()).toBeLessThan(120)
    // Never frozen: the page kept drawing frames throughout.
    expect(longest).toBeLessThan(1000)

    // Paused: the first rows are still the ones shown before the flood, and the button counts
    // what arrived meanwhile.
    expect(await firstRowSeq()).toBe('0')
    const resume = page.getByRole('button', { name: 'Follow log' })
    const unseen = Number(/(\d+) new lines/.exec((await resume.textContent()) ?? '')?.[1])
    expect(unseen).toBeGreaterThanOrEqual(LINES)
    await screenshot(page, 'log-flood-paused')

    await resume.click()
    await expect
      .poll(() => page.locator('[data-testid=log-row] .message').allTextContents(), {
        timeout: 10_000,
      })
      .toContain(`flood line ${LINES - 1}`)
    expect(await page.getByRole('button', { name: 'Pause log' }).count()).toBe(1)
    await screenshot(page, 'log-flood-following')
    expect(errors).toEqual([])
  })
})
