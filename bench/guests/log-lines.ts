// Benchmark guest: logs argv[1] lines (default 100000) as fast as it can, each
// `line <i> <padding>`, then `done <n>` and exits 0. Drives the log-lines-per-s benchmark.

import { args, exitProcess, log } from '../../src/guest/runtime'

const argv = args()
const n = argv.length > 1 ? I32.parseInt(argv[1]) : 100000
const padding = 'the quick brown fox jumps over the lazy dog'
for (let i = 0; i < n; i++) {
  log('line ' + i.toString() + ' ' + padding)
}
log('done ' + n.toString())
exitProcess(0)
