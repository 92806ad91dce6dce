// Layout choices the reader made (splitter positions) survive a reload: kept in localStorage,
// read back bounded, so a stale or hand-edited value never produces an unusable layout.
const PREFIX = 'parigot.studio.'

export function readNumber(key: string, fallback: number, min: number, max: number): number {
  let raw: string | null
  try {
    raw = localStorage.getItem(PREFIX + key)
  } catch {
    return fallback // storage disabled (private mode, sandboxed frame)
  }
  const value = raw === null ? Number.NaN : Number(raw)
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback
}

export function writeNumber(key: string, value: number): void {
  try {
    localStorage.setItem(PREFIX + key, String(value))
  } catch {
    // Not remembered this time; the layout still works.
  }
}
