// The real desktop app: Electron's own binary starts out/main/index.js, opens its window, and
// runs helloworld from the bundled examples. Where no Electron binary is installed (an offline
// install, as on CI here) the test is skipped and says so in one visible line.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { buildExample } from '../e2e/harness'
import { REPO_ROOT } from '../helpers/asc'

const require = createRequire(import.meta.url)
const electronDir = dirname(require.resolve('electron/package.json'))
const binaryInstalled =
  existsSync(join(electronDir, 'dist')) && existsSync(join(electronDir, 'path.txt'))
if (!binaryInstalled) {
  console.log(
    `SKIP: the Electron window test needs the Electron binary (${join(electronDir, 'dist')} is missing: offline install)`,
  )
}

describe.skipIf(!binaryInstalled)('the desktop app in a real Electron window', () => {
  it('opens the Studio and runs helloworld from the bundled examples', async () => {
    await buildExample('helloworld')
    const userData = mkdtempSync(join(tmpdir(), 'parigot-electron-'))
    const app = await electron.launch({
      executablePath: require('electron') as string,
      args: [REPO_ROOT, `--user-data-dir=${userData}`],
      cwd: REPO_ROOT,
      env: { ...process.env, PARIGOT_STUDIO_DIR: userData },
    })
    try {
      const page = await app.firstWindow()
      await page.getByRole('button', { name: 'Open example helloworld' }).click()
      await page.getByRole('button', { name: 'Run deployment' }).click()
      await page
        .locator('[data-testid=service-item][data-service=helloworld][data-state=exited]')
        .waitFor({ timeout: 20_000 })
      expect(await page.getByTestId('error-count').getAttribute('data-count')).toBe('0')
    } finally {
      await app.close()
      rmSync(userData, { recursive: true, force: true })
    }
  }, 60_000)
})
