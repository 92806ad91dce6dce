/**
 * A target from DESIGN.md section 9: either an absolute bound, or a bound on the ratio between a
 * figure and a floor or peer measured in the same run (absolute times on a shared machine are
 * noise; ratios to a same-run floor are not).
 */
export type Target =
  | { readonly kind: 'max'; readonly value: number }
  | { readonly kind: 'min'; readonly value: number }
  | { readonly kind: 'max-ratio'; readonly of: string; readonly ratio: number }
  | { readonly kind: 'min-ratio'; readonly of: string; readonly ratio: number }

/** One figure in bench/results/latest.json; `id` is stable across versions. */
export interface BenchResult {
  readonly id: string
  readonly value: number
  readonly unit: string
  readonly better: 'lower' | 'higher'
  /** How it was measured (sizes, counts, modes) so the figure can be read on its own. */
  readonly setting: string
  /** The id of the floor or peer it is printed next to, measured in the same run. */
  readonly baseline?: string
  /** Other floors or peers of the same run it is also printed next to (no target: context). */
  readonly alsoAgainst?: readonly string[]
  /** DESIGN.md section 9 targets (ratios refer to other ids of the same run). */
  readonly targets?: readonly Target[]
  /** Extra figures measured alongside (e.g. main-thread CPU per call), for the JSON. */
  readonly detail?: Readonly<Record<string, number | string>>
}

/**
 * One isolated measurement: it produces one or more figures, or fails on its own (its error is
 * recorded and the run goes on). `ids` lists what it would produce, so a failure names them.
 */
export interface Measurement {
  readonly ids: readonly string[]
  /** Longest it may take before it is recorded as timed out and the run goes on. */
  readonly timeoutMs?: number
  run(): Promise<BenchResult[]>
}

/** A group of measurements that share a subject (and fixtures). */
export interface Benchmark {
  readonly name: string
  readonly measurements: readonly Measurement[]
}

/** A measurement that did not produce its figures. */
export interface BenchFailure {
  readonly ids: readonly string[]
  readonly error: string
}
