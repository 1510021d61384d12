import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../errors.js';
import { checkZoneDir, loadZoneDir } from './zone-dir.js';

const zone = (origin: string, extra = '') =>
  `zone: ${origin}\nsoa: { mname: ns1, rname: hostmaster, serial: 1 }\nns: [ns1]\nrecords:\n  - { name: ns1, type: A, data: 192.0.2.1 }\n${extra}`;

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meridian-zone-dir-'));
  dir = join(root, 'zones');
  await mkdir(dir);
  await mkdir(join(root, 'elsewhere'));
  await writeFile(join(dir, 'a.yaml'), zone('a.test.'));
  await writeFile(join(dir, 'b.yml'), zone('b.test.', '  - { name: www, type: A, data: 192.0.2.300 }\n'));
  await writeFile(join(dir, 'c.yaml'), zone('A.Test.'));
  await writeFile(join(dir, '.hidden.yaml'), 'not: [valid');
  await writeFile(join(dir, 'notes.txt'), 'not a zone');
  await mkdir(join(dir, 'sub.yaml'));
  await writeFile(join(dir, 'sub.yaml', 'e.yaml'), zone('e.test.'));
  await writeFile(join(root, 'elsewhere', 'd.yaml'), zone('d.test.'));
  await symlink(join(root, 'elsewhere', 'd.yaml'), join(dir, 'd-link.yaml'));
  await symlink(join(root, 'nowhere.yaml'), join(dir, 'dangling.yaml'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadZoneDir', () => {
  it('loads the good files and reports the others, per file', async () => {
    const { zones, problems } = await loadZoneDir(dir);
    expect(zones.map((z) => `${z.origin} ${z.file}`)).toEqual([`a.test. ${join(dir, 'a.yaml')}`, `d.test. ${join(dir, 'd-link.yaml')}`]);
    expect(problems.map((p) => `${p.kind} ${formatProblem(p)}`)).toEqual([
      `ZONE_INVALID ${join(dir, 'b.yml')}:6:33 records[1].data: "192.0.2.300" is not an IPv4 address`,
      `ZONE_CONFLICT ${join(dir, 'c.yaml')} zone A.Test. is also defined in ${join(dir, 'a.yaml')}; this file is ignored`,
      `ZONE_INVALID ${join(dir, 'dangling.yaml')} cannot read the file (ENOENT)`,
    ]);
  });

  it('throws CONFIG_INVALID when the directory cannot be read; check reports it', async () => {
    const missing = join(root, 'missing');
    await expect(loadZoneDir(missing)).rejects.toMatchObject({ kind: 'CONFIG_INVALID' });
    expect(await checkZoneDir(missing)).toEqual([
      { kind: 'CONFIG_INVALID', file: missing, message: 'cannot read the zone directory (ENOENT)' },
    ]);
  });

  it('checkZoneDir returns the same problems as loadZoneDir', async () => {
    const problems = await checkZoneDir(dir);
    expect(problems.map((p) => p.kind)).toEqual(['ZONE_INVALID', 'ZONE_CONFLICT', 'ZONE_INVALID']);
  });
});
