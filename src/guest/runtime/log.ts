// Log lines through WASI fd_write: stdout (fd 1) becomes an info line of the service, stderr
// (fd 2) an error line. Text is written as UTF-8 with a trailing newline.

import { fd_write } from './abi'

// One iovec {ptr: u32, len: u32} and the count written, in static memory.
const iovec: usize = memory.data(8, 4)
const written: usize = memory.data(4, 4)

/** Writes all of `data` to `fd`; returns the WASI errno (0 = success). */
export function writeFd(fd: i32, data: Uint8Array): i32 {
  let off = 0
  while (off < data.length) {
    store<u32>(iovec, <u32>(data.dataStart + <usize>off))
    store<u32>(iovec, <u32>(data.length - off), 4)
    store<u32>(written, 0)
    const errno = fd_write(fd, iovec, 1, written)
    if (errno != 0) return errno
    const n = <i32>load<u32>(written)
    if (n <= 0) return 0
    off += n
  }
  return 0
}

/** Prints one line to stdout. */
export function log(line: string): void {
  writeFd(1, Uint8Array.wrap(String.UTF8.encode(line + '\n')))
}

/** Prints one line to stderr. */
export function logError(line: string): void {
  writeFd(2, Uint8Array.wrap(String.UTF8.encode(line + '\n')))
}
