/**
 * Turns a guest's byte stream into whole lines. Bytes are kept until a newline arrives, so a
 * multi-byte UTF-8 character split across two writes still decodes; a line that grows past
 * `maxLineBytes` is emitted in pieces so a guest that never writes a newline cannot grow host
 * memory without bound.
 */
export class LineBuffer {
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private readonly decoder = new TextDecoder('utf-8', { fatal: false })

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineBytes = 16 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0
    for (let i = 0; i < chunk.byteLength; i++) {
      if (chunk[i] === 0x0a) {
        this.append(chunk.subarray(start, i))
        this.flushLine()
        start = i + 1
      }
    }
    if (start < chunk.byteLength) this.append(chunk.subarray(start))
  }

  /** Emits whatever is pending as a final line (at exit). */
  flush(): void {
    if (this.pendingBytes > 0) this.flushLine()
  }

  private append(part: Uint8Array): void {
    let rest = part
    while (this.pendingBytes + rest.byteLength > this.maxLineBytes) {
      const room = this.maxLineBytes - this.pendingBytes
      this.pending.push(rest.slice(0, room))
      this.pendingBytes += room
      this.flushLine()
      rest = rest.subarray(room)
    }
    if (rest.byteLength > 0) {
      this.pending.push(rest.slice())
      this.pendingBytes += rest.byteLength
    }
  }

  private flushLine(): void {
    const joined = new Uint8Array(this.pendingBytes)
    let offset = 0
    for (const part of this.pending) {
      joined.set(part, offset)
      offset += part.byteLength
    }
    this.pending = []
    this.pendingBytes = 0
    this.emit(this.decoder.decode(joined).replace(/\r$/, ''))
  }
}
