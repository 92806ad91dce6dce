// `parigot` command line entry: wires the CLI to the real process.
import { main } from './main'

const code = await main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  isTty: process.stdout.isTTY === true,
  onInterrupt(handler) {
    process.once('SIGINT', handler)
    process.once('SIGTERM', handler)
    return () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  },
})
process.exitCode = code
