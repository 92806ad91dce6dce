// Raw imports of host module "queue" (the queue plugin; AssemblyScript takes the module name
// from this file's name). Use the typed wrappers in queues.ts instead.

export declare function create_queue_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function delete_queue_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function length_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function locate_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function send_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function receive_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
export declare function mark_done_(inLen: i32, inPtr: usize, outPtr: usize, errPtr: usize): i64
