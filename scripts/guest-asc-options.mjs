// The AssemblyScript compiler options of a Parigot guest, one definition for every place that
// builds guests: `npm run build:examples` (build-examples.mjs) and the tests (test/helpers/asc.ts).

/**
 * The incremental GC runtime; `--use abort=` drops the `env.abort` import (a failed assertion or
 * abort becomes `unreachable`, a trap); `--exportStart _start` exports the top-level code as the
 * WASI command entry `_start` instead of running it as the wasm start function (so it runs after
 * instantiation, when host calls can reach memory); `--exportTable` lets a shared worker call the
 * event loop's `pump` (docs/abi.md); `-O2` last, so a build may swap it for another level.
 * @type {readonly string[]}
 */
export const GUEST_ASC_OPTIONS = Object.freeze([
  '--runtime',
  'incremental',
  '--use',
  'abort=',
  '--exportStart',
  '_start',
  '--exportTable',
  '-O2',
])
