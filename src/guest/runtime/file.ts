// Raw imports of host module "file" (the file plugin; AssemblyScript takes the module name from
// this file's name). Use the typed wrappers in files.ts instead.

export declare function open_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function create_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function close_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function read_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function write_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function delete_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function stat_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
