export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no samples')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Runs `round` `rounds` times (after `warmup` unmeasured runs) and returns each duration in ns. */
export function sampleRounds(rounds: number, warmup: number, round: () => void): number[] {
  for (let i = 0; i < warmup; i++) round()
  const samples: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint()
    round()
    samples.push(Number(process.hrtime.bigint() - start))
  }
  return samples
}
