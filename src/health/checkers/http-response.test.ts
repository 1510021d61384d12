import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParser } from './http-response.js';

/** Feed `text` whole, or one byte at a time (every split point a socket could produce). */
function feed(text: string, { max = 1024, bytewise = false, end = false } = {}): ResponseParser {
  const p = new ResponseParser(max);
  const buf = Buffer.from(text, 'latin1');
  if (bytewise) for (let i = 0; i < buf.length; i++) p.push(buf.subarray(i, i + 1));
  else p.push(buf);
  if (end) p.end();
  return p;
}

const state = (p: ResponseParser) => ({ status: p.status, complete: p.complete, reusable: p.reusable, body: p.body(), truncated: p.truncated });

const OK = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';
const CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nall\r\n4\r\n ok!\r\n0\r\nX-Trailer: 1\r\n\r\n';

describe('ResponseParser', () => {
  it.each([
    ['Content-Length', OK, { status: 200, complete: true, reusable: true, body: 'ok', truncated: false }],
    ['chunked, with an extension and a trailer', CHUNKED, { status: 200, complete: true, reusable: true, body: 'all ok!', truncated: false }],
    ['204 without a body', 'HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n', { status: 204, complete: true, reusable: true, body: '', truncated: false }],
    ['Connection: close', 'HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy', { status: 503, complete: true, reusable: false, body: 'busy', truncated: false }],
    ['HTTP/1.0 closes by default', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', { status: 200, complete: true, reusable: false, body: 'ok', truncated: false }],
    ['HTTP/1.0 with keep-alive', 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok', { status: 200, complete: true, reusable: true, body: 'ok', truncated: false }],
    ['interim 100 and 103 skipped', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + OK, { status: 200, complete: true, reusable: true, body: 'ok', truncated: false }],
    ['both framings: chunked wins, then hang up', 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', { status: 200, complete: true, reusable: false, body: 'ok', truncated: false }],
    ['a status line without a reason', 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n', { status: 200, complete: true, reusable: true, body: '', truncated: false }],
  ])('%s', (_name, text, expected) => {
    expect(state(feed(text))).toEqual(expected);
    expect(state(feed(text, { bytewise: true }))).toEqual(expected);
  });

  it('reads a body without framing until the peer closes', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall ok';
    for (const bytewise of [false, true]) {
      const p = feed(text, { bytewise });
      expect([p.headDone, p.complete]).toEqual([true, false]);
      p.end();
      expect(state(p)).toEqual({ status: 200, complete: true, reusable: false, body: 'all ok', truncated: false });
    }
  });

  it('keeps at most maxBodyBytes and says the body was longer', () => {
    const p = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789', { max: 4 });
    expect(state(p)).toEqual({ status: 200, complete: true, reusable: true, body: '0123', truncated: true });
    // enough once the head and maxBodyBytes are in, before the message is complete
    const q = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234', { max: 4 });
    expect([q.enough, q.complete, q.keptBytes]).toEqual([true, false, 4]);
    const head = feed('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { max: 0 });
    expect([head.enough, head.complete]).toEqual([true, false]);
  });

  it('does not reuse a connection that sent bytes after the message', () => {
    expect(feed(`${OK}HTTP/1.1 200 OK\r\n`).reusable).toBe(false);
  });

  it.each([
    ['a reply that is not HTTP, at its first bytes', 'SSH-2.0-OpenSSH_9.2\r\n', 'HPE_INVALID_CONSTANT'],
    ['a bad status line', 'HTTP/1.1 abc\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['HTTP/2', 'HTTP/2 200\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nno colon\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
    ['two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['chunk data longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nok\r\n', 'HPE_STRICT'],
    ['a head over the limit', `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n`, 'HPE_HEADER_OVERFLOW'],
  ])('rejects %s', (_name, text, code) => {
    expect(() => feed(text)).toThrow(expect.objectContaining({ code }));
    expect(() => feed(text, { bytewise: true })).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    ['before the response', ''],
    ['in the middle of the response head', 'HTTP/1.1 200 OK\r\nContent-'],
    ['before the body ended', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok'],
    ['before the body ended', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n'],
  ])('a close %s is a reset', (what, text) => {
    expect(() => feed(text, { end: true })).toThrow(expect.objectContaining({ code: 'ECONNRESET', message: `connection closed ${what}` }));
  });
});
