// Before any test runs: out/ is built and current, because tests that start deployments run the
// built product (the CLI, `parigot serve` and the guest worker from out/), as users do.
import { ensureBuilt } from '../scripts/ensure-built.mjs'

export default async function setup(): Promise<void> {
  // The CLI honours FORCE_COLOR (as Node does) even on a pipe, and tests read its plain lines:
  // a FORCE_COLOR in the caller's environment (CI often sets it) must not reach the processes
  // the tests start. Vitest has chosen its own colours by now; its workers start after this.
  delete process.env.FORCE_COLOR
  await ensureBuilt({
    notice: (reason) => console.log(`test set-up: ${reason}; building out/ (npm run build)`),
  })
}
