// The deploy editor against the real engine: Monaco with the TOML tokenizer, an invalid key typed
// by the user marked at its line and column (as Monaco holds the marker and as the squiggle is
// drawn), schema completion and hover, and saving to the real file.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { compileAssemblyScript, REPO_ROOT } from '../helpers/asc'
import { screenshot, useStudio } from './harness'

const POLL = { timeout: 15_000 }
const WORK = join(REPO_ROOT, 'test-results', 'e2e-work', 'deploy-editor')

/** The one DOM function the page code below uses (the test type-check has no DOM types). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { color: string }
}

interface Marker {
  line: number
  column: number
  endLine: number
  endColumn: number
  severity: string
  message: string
}

async function markers(page: Page): Promise<Marker[]> {
  const json = await page.getByTestId('deploy-editor').getAttribute('data-markers')
  return JSON.parse(json ?? '[]') as Marker[]
}

/** The rendered text of every editor line, in line order (Monaco draws lines out of order). */
function editorLines(page: Page): Promise<string[]> {
  return page.locator('.monaco-editor .view-line').evaluateAll((els) =>
    els
      .map((e) => ({ top: parseFloat((e as unknown as { style: { top: string } }).style.top), e }))
      .sort((a, b) => a.top - b.top)
      // Monaco renders spaces as U+00A0.
      .map(({ e }) => (e.textContent ?? '').replace(/\u00a0/g, ' ')),
  )
}

/** Moves the cursor to the end of `line` (1-based) with the keyboard, as a user would. */
async function gotoLineEnd(page: Page, line: number): Promise<void> {
  await page.keyboard.press('Control+Home')
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown')
  await page.keyboard.press('End')
}

describe('deploy editor (browser, real engine)', () => {
  let config: string
  const fixture = useStudio(async () => {
    rmSync(WORK, { recursive: true, force: true })
    mkdirSync(WORK, { recursive: true })
    // Built into this test's own folder: other test files rewrite examples/queue/build meanwhile.
    const producer = await compileAssemblyScript('examples/queue/guest/producer.ts')
    writeFileSync(join(WORK, 'producer.wasm'), producer)
    config = join(WORK, 'deploy.toml')
    writeFileSync(
      config,
      [
        '# Deploy editor e2e',
        '[deployment]',
        'name = "deploy-editor"',
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

  it('marks an invalid key where it was typed, completes and describes keys, and saves', async () => {
    const { page, errors } = await fixture.open()
    await page.getByRole('tab', { name: 'Deploy config' }).click()
    const editor = page.getByTestId('deploy-editor')
    await page.locator('.monaco-editor .view-lines').waitFor(POLL)
    await expect.poll(() => editorLines(page), POLL).toContain('[deployment]')
    expect(await page.getByTestId('editor-problem-count').textContent()).toContain('No problems')
    expect(await markers(page)).toEqual([])

    // Syntax highlighting: header, key, string and comment are tokens of different colours.
    const colour = (text: string): Promise<string> =>
      page
        .locator('.monaco-editor .view-line span span', { hasText: text })
        .first()
        .evaluate((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e).color)
    const colours = await Promise.all([
      colour('deployment'),
      colour('name'),
      colour('"deploy-editor"'),
      colour('# Deploy editor e2e'),
    ])
    expect(new Set(colours).size).toBe(4)

    // Type an unknown key as line 5 of the [deployment] table.
    await page.locator('.monaco-editor .view-lines').click()
    await gotoLineEnd(page, 4)
    await page.keyboard.press('Enter')
    await page.keyboard.type('bogus_key = 1')
    await page.getByTestId('editor-dirty').waitFor()
    await expect.poll(() => markers(page), POLL).toHaveLength(1)
    const [marker] = await markers(page)
    expect(marker).toMatchObject({ line: 5, column: 1, endLine: 5, endColumn: 10 })
    expect(marker?.severity).toBe('error')
    expect(marker?.message).toContain('unknown key `bogus_key`')
    expect(marker?.message).toContain('[deployment.bogus_key]')
    expect(await page.getByTestId('editor-problems').textContent()).toContain('5:1')

    // The squiggle is drawn under that key: same row as the line, starting at its first column.
    const squiggle = page.locator('.monaco-editor .squiggly-error').first()
    await squiggle.waitFor(POLL)
    const line = page.locator('.monaco-editor .view-line', { hasText: 'bogus_key = 1' })
    const [squiggleBox, lineBox] = await Promise.all([squiggle.boundingBox(), line.boundingBox()])
    expect(squiggleBox).not.toBeNull()
    expect(lineBox).not.toBeNull()
    expect(Math.abs(squiggleBox!.y - lineBox!.y)).toBeLessThan(2)
    expect(Math.abs(squiggleBox!.x - lineBox!.x)).toBeLessThan(2)
    // Exactly under `bogus_key`, the first token of the line.
    const keyBox = await line.locator('span span').first().boundingBox()
    expect(await line.locator('span span').first().textContent()).toBe('bogus_key')
    const charWidth = keyBox!.width / 9
    expect(squiggleBox!.width / charWidth).toBeGreaterThan(8.5)
    expect(squiggleBox!.width / charWidth).toBeLessThan(9.5)
    await screenshot(page, 'deploy-editor-invalid-key')

    // Completion from the schema: keys of [deployment] with their descriptions.
    await page.keyboard.press('Enter')
    await page.keyboard.type('log_l')
    const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'log_level' })
    await suggestion.waitFor(POLL)
    await screenshot(page, 'deploy-editor-completion')
    await page.keyboard.press('Enter')
    // The snippet offers the enum values; the first is chosen.
    await expect.poll(() => editorLines(page), POLL).toContain('log_level = "debug"')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')

    // Hover on a key shows its description.
    await page.locator('.monaco-editor .view-line span span', { hasText: 'data_dir' }).hover()
    const hover = page.locator('.monaco-hover', { hasText: 'Where plugins keep their data' })
    await hover.waitFor(POLL)
    expect(await hover.textContent()).toContain('deployment.data_dir')

    // Ctrl+S saves what is typed, with its diagnostics (the focus back in the text first: the
    // hover widget lives outside the editor's element).
    await page.mouse.move(0, 0)
    await page.locator('.monaco-editor .view-line', { hasText: 'name =' }).click()
    await page.keyboard.press('Control+s')
    await expect
      .poll(() => page.getByTestId('editor-save-note').textContent(), POLL)
      .toBe('Saved with 1 error')
    expect(await page.getByTestId('editor-dirty').count()).toBe(0)
    const saved = readFileSync(config, 'utf8')
    expect(saved).toContain('bogus_key = 1\nlog_level = "debug"\n')

    // Remove the bad line: the marker goes, and the Save button writes a valid file.
    await gotoLineEnd(page, 5)
    await page.keyboard.press('Control+Shift+K')
    await expect.poll(() => markers(page), POLL).toEqual([])
    expect(await editor.getByTestId('editor-problem-count').textContent()).toContain('No problems')
    await page.getByTestId('editor-dirty').waitFor()
    await page.getByTestId('editor-save').click()
    await expect.poll(() => page.getByTestId('editor-save-note').textContent(), POLL).toBe('Saved')
    expect(readFileSync(config, 'utf8')).not.toContain('bogus_key')
    expect(readFileSync(config, 'utf8')).toContain('data_dir = "data"\nlog_level = "debug"\n')

    // Revert discards unsaved edits, after a confirmation.
    await page.locator('.monaco-editor .view-line', { hasText: 'name =' }).click()
    await gotoLineEnd(page, 1)
    await page.keyboard.type(' (draft)')
    await page.getByTestId('editor-dirty').waitFor()
    await page.getByTestId('editor-revert').click()
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => editorLines(page), POLL).toContain('# Deploy editor e2e')
    expect(await page.getByTestId('editor-dirty').count()).toBe(0)

    expect(errors).toEqual([])
  }, 90_000)
})
