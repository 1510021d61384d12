/**
 * Reading one HTTP/1.x response from a socket's bytes, for the health probes: the status, the
 * framing (Content-Length, chunked, or until the peer closes), whether the connection may carry
 * another request, and the start of the body. Nothing else: header values other than those three
 * are skipped, not stored. Pure: bytes in, state out, so the tests feed it byte by byte.
 *
 * Malformed input throws an Error whose `code` is the name llhttp (node:http's parser) gives the
 * same fault (HPE_INVALID_CONSTANT for a reply that is not HTTP, …), so failures read as before.
 */

/** Longest response head (status line and headers) accepted, as node:http's default. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size or trailer line accepted. */
const MAX_LINE_BYTES = 8 * 1024;

const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

export function parseError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

type Framing = 'none' | 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

export class ResponseParser {
  /** status of the final response (interim 1xx responses are skipped) */
  status = 0;
  /** the final response's head has been read */
  headDone = false;
  /** the whole message has been read */
  complete = false;
  /** the connection may carry another request once the message is complete */
  reusable = false;
  /** body bytes were received beyond `maxBodyBytes` (they are not kept) */
  truncated = false;
  /** body bytes kept so far (at most maxBodyBytes) */
  keptBytes = 0;

  private readonly kept: Buffer[] = [];
  /** an unfinished head: its parts (copied: the caller may reuse its buffer), length, last bytes */
  private headParts: Buffer[] = [];
  private headBytes = 0;
  private headTail = Buffer.alloc(0);
  /** an unfinished chunk-size or trailer line, copied */
  private partial: Buffer | undefined;
  private framing: Framing = 'none';
  /** length framing: body bytes still due; chunked: bytes left in the current chunk */
  private remaining = 0;
  private chunk: ChunkState = 'size';

  constructor(private readonly maxBodyBytes: number) {}

  /** Feed the next bytes; throws (with an HPE_ code) on what is not an HTTP/1.x response. */
  push(buf: Buffer): void {
    let at = 0;
    while (at < buf.length && !this.complete) at = this.headDone ? this.readBody(buf, at) : this.readHead(buf, at);
    // bytes after the message: a server that pipelines or misframes; do not trust the connection
    if (at < buf.length) this.reusable = false;
  }

  /** The peer closed its side: completes a body read until close, else the message was cut short. */
  end(): void {
    if (this.complete) return;
    if (this.headDone && this.framing === 'close') {
      this.complete = true;
      return;
    }
    const what = this.headDone ? 'before the body ended' : this.headBytes > 0 ? 'in the middle of the response head' : 'before the response';
    throw parseError('ECONNRESET', `connection closed ${what}`);
  }

  /** Whether the caller has what it asked for: the head, and the body up to maxBodyBytes. */
  get enough(): boolean {
    return this.complete || (this.headDone && this.keptBytes >= this.maxBodyBytes);
  }

  /** The kept body as UTF-8. */
  body(): string {
    return this.kept.length === 1 ? this.kept[0].toString('utf8') : Buffer.concat(this.kept).toString('utf8');
  }

  /**
   * Collect the head up to its blank line. An unfinished head is kept as copied parts and only
   * the seam (its last 3 bytes and the new bytes) is searched, so a head that arrives in many
   * small pieces costs time in proportion to its length.
   */
  private readHead(buf: Buffer, at: number): number {
    const chunk = buf.subarray(at);
    // a reply that does not start like HTTP fails at once, not when the peer gives up
    if (this.headBytes < HTTP_PREFIX.length) {
      const start = this.headParts.length ? Buffer.concat([...this.headParts, chunk]) : chunk;
      const n = Math.min(start.length, HTTP_PREFIX.length);
      if (start.compare(HTTP_PREFIX, 0, n, 0, n) !== 0) throw parseError('HPE_INVALID_CONSTANT', 'the reply is not HTTP');
    }
    const seam = this.headParts.length ? Buffer.concat([this.headTail, chunk]) : chunk;
    const found = seam.indexOf(HEAD_END);
    const carried = seam.length - chunk.length;
    if (found < 0) {
      if (this.headBytes + chunk.length > MAX_HEAD_BYTES) throw parseError('HPE_HEADER_OVERFLOW', 'response head too long');
      this.headParts.push(Buffer.from(chunk));
      this.headBytes += chunk.length;
      this.headTail = Buffer.from(seam.subarray(Math.max(0, seam.length - (HEAD_END.length - 1))));
      return buf.length;
    }
    const used = found + HEAD_END.length - carried; // bytes of this chunk that belong to the head
    const length = this.headBytes + used - HEAD_END.length;
    if (length > MAX_HEAD_BYTES) throw parseError('HPE_HEADER_OVERFLOW', 'response head too long');
    const head = this.headParts.length ? Buffer.concat([...this.headParts, chunk.subarray(0, used)]) : chunk;
    this.headParts = [];
    this.headBytes = 0;
    this.readHeadText(head.toString('latin1', 0, length));
    return at + used;
  }

  private readHeadText(text: string): void {
    const lines = text.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]);
    if (!m) throw parseError('HPE_INVALID_STATUS', `invalid status line ${JSON.stringify(lines[0].slice(0, 40))}`);
    const status = Number(m[2]);
    let length: number | undefined;
    let chunked = false;
    let encoded = false;
    let close = m[1] === '0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0) throw parseError('HPE_INVALID_HEADER_TOKEN', `invalid header line ${JSON.stringify(line.slice(0, 40))}`);
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'content-length') {
        const value = line.slice(colon + 1).trim();
        if (!/^\d+$/.test(value)) throw parseError('HPE_INVALID_CONTENT_LENGTH', `invalid Content-Length ${JSON.stringify(value)}`);
        if (length !== undefined && length !== Number(value)) throw parseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'two different Content-Length headers');
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        encoded = true;
        chunked = /(?:^|,)\s*chunked\s*$/i.test(line.slice(colon + 1));
      } else if (name === 'connection') {
        const tokens = line.slice(colon + 1).toLowerCase();
        if (/(?:^|,)\s*close\s*(?:,|$)/.test(tokens)) close = true;
        else if (m[1] === '0' && /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens)) close = false;
      }
    }
    // interim responses (100 Continue, 103 Early Hints): the final one follows
    if (status >= 100 && status < 200 && status !== 101) return;
    this.status = status;
    this.headDone = true;
    if (status < 200 || status === 204 || status === 304) this.framing = 'none';
    else if (encoded) this.framing = chunked ? 'chunked' : 'close';
    else if (length !== undefined) this.framing = 'length';
    else this.framing = 'close';
    this.remaining = length ?? 0;
    // both framings at once is how request smuggling starts: read this message, then hang up
    this.reusable = !close && status !== 101 && this.framing !== 'close' && !(encoded && length !== undefined);
    if (this.framing === 'none' || (this.framing === 'length' && this.remaining === 0)) this.complete = true;
  }

  private readBody(buf: Buffer, at: number): number {
    switch (this.framing) {
      case 'length': {
        const n = Math.min(this.remaining, buf.length - at);
        this.keep(buf, at, at + n);
        this.remaining -= n;
        if (this.remaining === 0) this.complete = true;
        return at + n;
      }
      case 'chunked':
        return this.readChunked(buf, at);
      default:
        this.keep(buf, at, buf.length);
        return buf.length;
    }
  }

  private readChunked(buf: Buffer, at: number): number {
    if (this.chunk === 'data') {
      const n = Math.min(this.remaining, buf.length - at);
      this.keep(buf, at, at + n);
      this.remaining -= n;
      if (this.remaining === 0) this.chunk = 'data-end';
      return at + n;
    }
    const nl = buf.indexOf(10, at);
    if (nl < 0) {
      const rest = this.partial ? Buffer.concat([this.partial, buf.subarray(at)]) : Buffer.from(buf.subarray(at));
      if (rest.length > MAX_LINE_BYTES) throw parseError('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk line too long');
      this.partial = rest;
      return buf.length;
    }
    let line = buf.toString('latin1', at, nl);
    if (this.partial) line = this.partial.toString('latin1') + line;
    this.partial = undefined;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (this.chunk === 'size') {
      const size = line.split(';', 1)[0].trim();
      if (!/^[0-9A-Fa-f]{1,8}$/.test(size)) throw parseError('HPE_INVALID_CHUNK_SIZE', `invalid chunk size ${JSON.stringify(size.slice(0, 20))}`);
      this.remaining = parseInt(size, 16);
      this.chunk = this.remaining === 0 ? 'trailer' : 'data';
    } else if (this.chunk === 'data-end') {
      if (line !== '') throw parseError('HPE_STRICT', 'chunk data longer than its size');
      this.chunk = 'size';
    } else if (line === '') {
      this.complete = true;
    }
    return nl + 1;
  }

  /** Keep body bytes up to maxBodyBytes (copied: the caller may reuse `buf`); count the rest. */
  private keep(buf: Buffer, from: number, to: number): void {
    const take = Math.min(to - from, this.maxBodyBytes - this.keptBytes);
    if (take > 0) {
      this.kept.push(Buffer.from(buf.subarray(from, from + take)));
      this.keptBytes += take;
    }
    if (to - from > Math.max(0, take)) this.truncated = true;
  }
}
