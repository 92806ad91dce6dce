// A clock that ticks only while someone shows a countdown (a waiting service's launch timeout).
let ticking = 0
let timer: ReturnType<typeof setInterval> | undefined
export const clock = $state({ now: Date.now() })

/** Keeps `clock.now` current (twice a second) until the returned function is called. */
export function tick(): () => void {
  if (ticking++ === 0) {
    clock.now = Date.now()
    timer = setInterval(() => (clock.now = Date.now()), 500)
  }
  return () => {
    if (--ticking === 0) clearInterval(timer)
  }
}

/** "in 7 s", or "now" once past. */
export function remaining(deadlineMs: number, now: number): string {
  const seconds = Math.ceil((deadlineMs - now) / 1000)
  return seconds > 0 ? `in ${seconds} s` : 'now'
}
