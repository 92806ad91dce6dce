// Raw imports of host module "parigot" (the kernel's syscalls), see docs/abi.md.
//
// AssemblyScript names the import module after the declaring file when no @external decorator
// is given: this file is `parigot.ts`, so `register_` below is the import "parigot" "register_".
// (Decorators on function declarations are not valid TypeScript, and prettier/eslint reject
// them, so the file name does the job.) Use the typed wrappers in syscall.ts instead.
//
// Every function: (inLen, inPtr, outPtr, errPtr) -> i64; the i32 at errPtr carries the out
// buffer's capacity in and the error code out.

export declare function register_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function export_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function require_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function bind_method_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function launch_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function locate_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function dispatch_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function return_value_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function read_one_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function exit_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function synchronous_exit_(
  inLen: i32,
  inPtr: usize,
  outPtr: usize,
  errPtr: usize,
): i64
export declare function block_until_call_(
  inLen: i32,
  inPtr: usize,
  outPtr: usize,
  errPtr: usize,
): i64
