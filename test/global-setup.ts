// Before any test runs: out/ is built and current, because tests that start deployments run the
// built product (the CLI, `parigot serve` and the guest worker from out/), as users do.
import { ensureBuilt } from '../scripts/ensure-built.mjs'

export default async function setup(): Promise<void> {
  await ensureBuilt({
    notice: (reason) => console.log(`test set-up: ${reason}; building out/ (npm run build)`),
  })
}
