/**
 * Guest threads that did not end when terminated. `Worker.terminate()` stops JavaScript and
 * WebAssembly, but not a thread blocked inside a system call (a read of a FIFO or device, a
 * hung network filesystem): such a thread also keeps the process from exiting, even through
 * `process.exit()`. The supervisor lists them here, so that the CLI can name them and end the
 * process the only way left (SIGKILL) instead of hanging.
 */
const abandoned = new Set<string>()

export function noteAbandonedThread(description: string): void {
  abandoned.add(description)
}

/** A thread given up on did end after all (it was only slow to): it no longer holds the exit. */
export function noteThreadEnded(description: string): void {
  abandoned.delete(description)
}

export function abandonedThreads(): readonly string[] {
  return [...abandoned]
}
