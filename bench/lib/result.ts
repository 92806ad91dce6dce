/** One figure in bench/results/latest.json; `id` is stable across versions. */
export interface BenchResult {
  readonly id: string
  readonly value: number
  readonly unit: string
  readonly better: 'lower' | 'higher'
  /** How it was measured (sizes, counts, modes) so the figure can be read on its own. */
  readonly setting: string
  /** What it is compared with, measured in the same run. */
  readonly baseline?: { readonly id: string; readonly value: number }
  /** The DESIGN.md section 9 target, printed beside the figure (not written to the JSON). */
  readonly target?: string
}

export interface Benchmark {
  readonly name: string
  run(): Promise<BenchResult[]>
}
