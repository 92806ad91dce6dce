/**
 * Runs `task` at most once per `intervalMs`, always once more after the last request, and never
 * two at a time (a slow bridge call must not pile up re-reads under an event flood).
 */
export function throttled(task: () => Promise<void>, intervalMs: number): () => void {
  let running = false
  let again = false
  let lastStart = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined

  const start = (): void => {
    timer = undefined
    running = true
    again = false
    lastStart = performance.now()
    task()
      .catch((error: unknown) => console.error(error))
      .finally(() => {
        running = false
        if (again) request()
      })
  }
  const request = (): void => {
    if (running) {
      again = true
      return
    }
    if (timer !== undefined) return
    const wait = Math.max(0, lastStart + intervalMs - performance.now())
    timer = setTimeout(start, wait)
  }
  return request
}
