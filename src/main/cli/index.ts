// `parigot` command line entry: wires the CLI to the real process.
import { abandonedThreads } from '../runner/worker/abandoned'
import { workersBeforeConfig } from './command-line'

// Only this file and command-line.ts load before the first guest worker starts: the rest (the
// config loader, the runner) is imported after, so that the thread loads beside them.
const argv = process.argv.slice(2)
const early = workersBeforeConfig(argv)
const earlyPool =
  early === undefined ? undefined : (await import('../runner/worker/worker-pool')).sharedWorkerPool
if (early !== undefined && earlyPool !== undefined) {
  // A one-shot run keeps no idle worker afterwards; --watch keeps the pool's default.
  if (!early.watch) earlyPool.keepIdle(0)
  earlyPool.prewarm(early.count)
}
const { main } = await import('./main')
const { colorWanted } = await import('./terminal-output')

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

const code = await main(argv, {
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
// A config that did not load (or a run that ended early) leaves the early worker unused: it
// would hold the exit until loaded.
earlyPool?.cancelPrewarm()
if (abandonedThreads().length > 0) exitNow(code, 'done')
process.exitCode = code
