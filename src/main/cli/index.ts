// `parigot` command line entry: wires the CLI to the real process.
import { abandonedThreads } from '../runner/worker/abandoned'
import { main } from './main'
import { colorWanted } from './terminal-output'

/**
 * After the first SIGINT/SIGTERM the CLI stops every guest, which is bounded (each guest's
 * stop_grace_ms, then termination). Past this much more, or at a second signal, it exits
 * anyway, naming what did not stop.
 */
const HARD_STOP_MS = 15_000

/** Ends the process now. A thread stuck in a system call defeats exit(): only SIGKILL is left. */
function exitNow(code: number, why: string): never {
  const stuck = abandonedThreads()
  if (stuck.length > 0) {
    process.stderr.write(
      `parigot: ${why}; guest threads blocked in system calls: ${stuck.join(', ')}; ending the process with SIGKILL\n`,
    )
    process.kill(process.pid, 'SIGKILL')
  }
  process.stderr.write(`parigot: ${why}; exiting\n`)
  process.exit(code)
}

let interrupts = 0
function onSignal(handler: () => void): void {
  interrupts++
  if (interrupts > 1) exitNow(130, 'interrupted again')
  setTimeout(
    () => exitNow(130, `still stopping ${HARD_STOP_MS} ms after the interrupt`),
    HARD_STOP_MS,
  ).unref()
  handler()
}

const code = await main(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  color: colorWanted(process.stdout),
  onInterrupt(handler) {
    const listener = (): void => onSignal(handler)
    process.on('SIGINT', listener)
    process.on('SIGTERM', listener)
    return () => {
      process.off('SIGINT', listener)
      process.off('SIGTERM', listener)
    }
  },
})
if (abandonedThreads().length > 0) exitNow(code, 'done')
process.exitCode = code
