// The Parigot guest runtime for AssemblyScript. Import what you need from here, e.g.
//   import { register, readOne, EventKind, log } from '<path>/src/guest/runtime'
// and compile with `asc <entry>.ts --runtime incremental --use abort= --exportStart _start
// --exportTable`.

export * from './proto'
export * from './id'
export * from './abi'
export * from './messages'
export * from './syscall'
export * from './log'
export * from './process'
export * from './future'
export * from './files'
export * from './queues'
export * from './kernel-failure'
export * from './calls'
export * from './service'
