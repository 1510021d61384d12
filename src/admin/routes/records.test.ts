import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFixture, type AdminFixture } from '../testing.js';
import { nextSerial } from '../../config/zone-edit.js';

const RECORDS = '/api/v1/zones/lb.example.test/records';

describe('/api/v1/zones/:zone/records', () => {
  let f: AdminFixture;
  beforeAll(async () => {
    f = await adminFixture();
  });
  afterAll(() => f.close());

  const answer = (name: string, type = 'A') => f.service.explain({ name, type }).answer;

  it('POST adds a record (201): the next answer has it, the serial and ETag moved', async () => {
    const before = (await f.call('GET', '/api/v1/zones/lb.example.test')).json();
    const r = await f.call('POST', RECORDS, { body: { name: 'mail', type: 'A', data: '192.0.2.25', ttl: 120 } });
    expect(r.statusCode).toBe(201);
    // the example zone's serial is a date serial: +1 on its day, today's YYYYMMDD00 after it (zone-edit.test.ts has the table)
    expect(r.json()).toEqual({ zone: 'lb.example.test.', serial: nextSerial(before.serial, new Date()), etag: expect.any(String) });
    expect(r.headers.etag).toBe(`"${r.json().etag}"`);
    expect(r.json().etag).not.toBe(before.etag);
    expect(answer('mail.lb.example.test')).toEqual(['mail.lb.example.test. 120 IN A 192.0.2.25']);
  });

  it('PUT replaces an RRset (name and type from the URL) (200)', async () => {
    const r = await f.call('PUT', `${RECORDS}/mail/A`, { body: { records: [{ data: '192.0.2.26', ttl: 120 }, { name: 'mail', type: 'A', data: '192.0.2.27', ttl: 120 }] } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ zone: 'lb.example.test.' });
    expect(answer('mail.lb.example.test').sort()).toEqual(['mail.lb.example.test. 120 IN A 192.0.2.26', 'mail.lb.example.test. 120 IN A 192.0.2.27']);
    const empty = await f.call('PUT', `${RECORDS}/mail/A`, { body: { records: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().problems).toEqual([{ field: 'body.records', message: 'must not be empty' }]);
  });

  it('DELETE removes an RRset (200); a second DELETE is a 404', async () => {
    const r = await f.call('DELETE', `${RECORDS}/mail/A`);
    expect(r.statusCode).toBe(200);
    expect(f.service.explain({ name: 'mail.lb.example.test' }).rcode).toBe('NXDOMAIN');
    const again = await f.call('DELETE', `${RECORDS}/mail/A`);
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('MERIDIAN_ERR_NOT_FOUND');
  });

  it("refuses what the zone's rules forbid, naming the field: a CNAME beside other data, a name outside the zone", async () => {
    const cname = await f.call('POST', RECORDS, { body: { name: 'www', type: 'CNAME', data: 'elsewhere.example.test.' } });
    expect(cname.statusCode).toBe(400);
    expect(cname.json().problems).toEqual([{ field: expect.stringMatching(/^body\./), message: expect.stringContaining('a CNAME cannot share its name with other data') }]);
    const outside = await f.call('POST', RECORDS, { body: { name: 'www.example.org.', type: 'A', data: '192.0.2.1' } });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().problems).toEqual([expect.objectContaining({ field: 'body.name' })]);
    const unknownZone = await f.call('POST', '/api/v1/zones/nope.test/records', { body: { name: 'a', type: 'A', data: '192.0.2.1' } });
    expect(unknownZone.statusCode).toBe(404);
  });

  it('honours If-Match on record changes', async () => {
    const { etag } = (await f.call('GET', '/api/v1/zones/lb.example.test')).json();
    const stale = await f.call('POST', RECORDS, { body: { name: 'x', type: 'A', data: '192.0.2.1' }, headers: { 'if-match': '"stale"' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('MERIDIAN_ERR_EDIT_CONFLICT');
    const ok = await f.call('POST', RECORDS, { body: { name: 'x', type: 'A', data: '192.0.2.1' }, headers: { 'if-match': `"${etag}"` } });
    expect(ok.statusCode).toBe(201);
    expect((await f.call('GET', '/api/v1/zones/lb.example.test')).headers.etag).toBe(ok.headers.etag);
  });
});
