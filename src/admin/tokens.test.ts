import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeridianError } from '../errors.js';
import { loadTokens, parseTokenFile, TokenSet } from './tokens.js';

const A = 'a'.repeat(16) + 'deploy-token';
const B = 'b'.repeat(16) + 'grafana-token';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meridian-tokens-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): MeridianError {
  try {
    fn();
  } catch (e) {
    return e as MeridianError;
  }
  throw new Error('did not throw');
}

describe('token file', () => {
  it('reads NAME TOKEN [read-only] lines, skipping comments and blank lines', () => {
    const text = `# admin tokens\n\ndeploy ${A}\n  grafana\t${B}   read-only  \n`;
    expect(parseTokenFile(text, 'tokens')).toEqual([
      { name: 'deploy', token: A, readOnly: false },
      { name: 'grafana', token: B, readOnly: true },
    ]);
  });

  it('names file:line of every bad line', () => {
    const text = `deploy ${A}\nlonely\nshort abc\nx ${B} read-write\nbad/name ${B}\n`;
    const e = problemsOf(() => parseTokenFile(text, '/etc/meridian/tokens'));
    expect(e).toBeInstanceOf(MeridianError);
    expect(e.code).toBe('MERIDIAN_ERR_CONFIG_INVALID');
    expect(e.message).toMatch(/^\/etc\/meridian\/tokens:2: expected NAME TOKEN \[read-only\]/);
    expect(e.problems.map((p) => [p.file, p.line])).toEqual([
      ['/etc/meridian/tokens', 2],
      ['/etc/meridian/tokens', 3],
      ['/etc/meridian/tokens', 4],
      ['/etc/meridian/tokens', 5],
    ]);
    expect(e.problems[1].message).toBe('token "short" is shorter than 16 characters');
  });
});

describe('TokenSet', () => {
  const set = new TokenSet([
    { name: 'deploy', token: A, readOnly: false },
    { name: 'grafana', token: B, readOnly: true },
  ]);
  it('finds the caller of a token, and nobody for anything else', () => {
    expect(set.authenticate(A)).toEqual({ name: 'deploy', readOnly: false });
    expect(set.authenticate(B)).toEqual({ name: 'grafana', readOnly: true });
    expect(set.authenticate(A.slice(0, -1))).toBeNull();
    expect(set.authenticate(`${A}x`)).toBeNull();
    expect(set.authenticate('')).toBeNull();
    expect(set.callers()).toEqual([
      { name: 'deploy', readOnly: false },
      { name: 'grafana', readOnly: true },
    ]);
  });
});

describe('loadTokens', () => {
  it('takes MERIDIAN_ADMIN_TOKEN as a read-write token named env, and the token file beside it', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, `grafana ${B} read-only\n`);
    const { tokens, generated } = await loadTokens({ envToken: A, tokenFile: file, stateDir: join(dir, 'state') });
    expect(generated).toBeUndefined();
    expect(tokens.callers()).toEqual([
      { name: 'env', readOnly: false },
      { name: 'grafana', readOnly: true },
    ]);
    // nothing was generated when tokens are configured
    await expect(stat(join(dir, 'state'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses short tokens, unreadable and empty files, and names used twice', async () => {
    await expect(loadTokens({ envToken: 'short', stateDir: dir })).rejects.toThrow(/MERIDIAN_ADMIN_TOKEN: the token is shorter than 16/);
    await expect(loadTokens({ tokenFile: join(dir, 'missing'), stateDir: dir })).rejects.toThrow(/cannot read admin token file .*missing \(ENOENT\)/);
    await writeFile(join(dir, 'empty'), '# nothing here\n');
    await expect(loadTokens({ tokenFile: join(dir, 'empty'), stateDir: dir })).rejects.toThrow(/no token in the file/);
    await writeFile(join(dir, 'twice'), `env ${B}\n`);
    await expect(loadTokens({ envToken: A, tokenFile: join(dir, 'twice'), stateDir: dir })).rejects.toThrow(/name "env" is used twice/);
    await writeFile(join(dir, 'same'), `a ${A}\nb ${A}\n`);
    await expect(loadTokens({ tokenFile: join(dir, 'same'), stateDir: dir })).rejects.toThrow(/"b" repeats another token/);
  });

  it('generates a token in the state directory (created, mode 0600) when none is configured, and reuses it', async () => {
    const stateDir = join(dir, 'state', 'nested');
    const first = await loadTokens({ stateDir });
    const file = join(stateDir, 'admin-token');
    expect(first.generated).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    const token = /^admin (\S+)$/m.exec(text)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(first.tokens.authenticate(token!)).toEqual({ name: 'admin', readOnly: false });
    expect(await readdir(stateDir)).toEqual(['admin-token']); // no temp file left behind

    const again = await loadTokens({ stateDir });
    expect(again.generated).toBeUndefined();
    expect(again.reused).toBe(file);
    expect(again.tokens.authenticate(token!)).toEqual({ name: 'admin', readOnly: false });
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reads an operator-written state token file in the same format, and names its bad lines', async () => {
    await writeFile(join(dir, 'admin-token'), `ops ${A}\nviewer ${B} read-only\n`);
    const { tokens, reused } = await loadTokens({ stateDir: dir });
    expect(reused).toBe(join(dir, 'admin-token'));
    expect(tokens.callers()).toEqual([
      { name: 'ops', readOnly: false },
      { name: 'viewer', readOnly: true },
    ]);
    await writeFile(join(dir, 'admin-token'), `ops\n`);
    await expect(loadTokens({ stateDir: dir })).rejects.toThrow(/admin-token:1: expected NAME TOKEN/);
  });
});
