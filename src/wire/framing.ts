/** DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766): a 2-byte length before each message. */

export class FrameReader {
  private pending: Buffer | null = null;
  constructor(private readonly maxBuffered = 65537 * 4) {}

  /** Feed bytes; returns the complete messages now available (may be none). Throws if flooded. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    let off = 0;
    while (buf.length - off >= 2) {
      const len = buf.readUInt16BE(off);
      if (buf.length - off - 2 < len) break;
      out.push(buf.subarray(off + 2, off + 2 + len));
      off += 2 + len;
    }
    buf = buf.subarray(off);
    this.pending = buf.length ? Buffer.from(buf) : null;
    if (this.pending && this.pending.length > this.maxBuffered) throw new Error('TCP client buffered too much');
    return out;
  }

  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}

/** Copy `len` bytes of `msg` into a new framed buffer. */
export function frame(msg: Buffer, len = msg.length): Buffer {
  const out = Buffer.allocUnsafe(len + 2);
  out.writeUInt16BE(len, 0);
  msg.copy(out, 2, 0, len);
  return out;
}
