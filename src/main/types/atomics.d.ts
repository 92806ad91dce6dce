// Atomics.waitAsync ships in Node 20 (V8 8.7+) but is typed only in lib.es2024, which would
// also admit APIs Node 20 lacks (Object.groupBy, ...); so it alone is declared here.
interface Atomics {
  waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ):
    | { async: false; value: 'not-equal' | 'timed-out' }
    | { async: true; value: Promise<'ok' | 'timed-out'> }
}
