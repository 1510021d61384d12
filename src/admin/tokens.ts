/**
 * Admin API tokens: where they come from and how a presented token is checked.
 *
 * Sources, all merged: `MERIDIAN_ADMIN_TOKEN` (read-write, named "env") and a token file
 * (`--admin-token-file`). With neither, the state directory's `admin-token` file is used, and
 * created with one generated token the first time. Files hold one token per line:
 *
 *     # NAME TOKEN [read-only]
 *     deploy  b3f1c0d2e5a4978612cdeffe01234567
 *     grafana 9a8b7c6d5e4f30211f2e3d4c5b6a7988 read-only
 *
 * Only SHA-256 digests of the tokens are kept in memory; a presented token is hashed and compared
 * with every configured digest in constant time, without stopping at the first match.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MeridianError, type Problem } from '../errors.js';
import type { Caller } from './service.js';

/** Shortest token accepted: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;
/** File in the state directory holding the generated token. */
export const STATE_TOKEN_FILE = 'admin-token';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export interface TokenEntry {
  name: string;
  token: string;
  readOnly: boolean;
}

interface Stored {
  caller: Caller;
  digest: Buffer;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class TokenSet {
  private readonly entries: Stored[];

  constructor(tokens: TokenEntry[]) {
    this.entries = tokens.map((t) => ({ caller: { name: t.name, readOnly: t.readOnly }, digest: sha256(t.token) }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Names and modes of the configured tokens (never the tokens). */
  callers(): Caller[] {
    return this.entries.map((e) => ({ ...e.caller }));
  }

  /** The caller a presented token belongs to, or null. Takes the same time whichever token matches. */
  authenticate(presented: string): Caller | null {
    const digest = sha256(presented);
    let found: Caller | null = null;
    for (const e of this.entries) {
      // every digest is compared: no early exit that would tell which position matched
      const same = timingSafeEqual(digest, e.digest);
      if (same && found === null) found = e.caller;
    }
    return found ? { ...found } : null;
  }
}

/** Parse a token file's text; problems name file:line. */
export function parseTokenFile(text: string, file: string): TokenEntry[] {
  const out: TokenEntry[] = [];
  const problems: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const at = { file, line: i + 1 };
    const [name, token, mode, ...rest] = fields;
    if (fields.length < 2 || rest.length > 0 || (mode !== undefined && mode !== 'read-only')) {
      problems.push({ ...at, message: 'expected NAME TOKEN [read-only]' });
    } else if (!NAME.test(name)) {
      problems.push({ ...at, message: `token name "${name}" must be letters, digits, "_", ".", "@" or "-" (at most 64)` });
    } else if (token.length < MIN_TOKEN_LENGTH) {
      problems.push({ ...at, message: `token "${name}" is shorter than ${MIN_TOKEN_LENGTH} characters` });
    } else {
      out.push({ name, token, readOnly: mode === 'read-only' });
    }
  });
  if (problems.length) {
    throw new MeridianError('CONFIG_INVALID', `${file}:${problems[0].line}: ${problems[0].message}`, problems);
  }
  return out;
}

/** The same name or the same token twice would make the audit log ambiguous. */
function checkUnique(tokens: TokenEntry[]): void {
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) throw new MeridianError('CONFIG_INVALID', `admin token name "${t.name}" is used twice`);
    if (secrets.has(t.token)) throw new MeridianError('CONFIG_INVALID', `admin token "${t.name}" repeats another token`);
    names.add(t.name);
    secrets.add(t.token);
  }
}

async function readTokenFile(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new MeridianError('CONFIG_INVALID', `cannot read admin token file ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const tokens = parseTokenFile(text, file);
  if (tokens.length === 0) throw new MeridianError('CONFIG_INVALID', `${file}: no token in the file (NAME TOKEN [read-only] per line)`);
  return tokens;
}

/** Write `text` to `file` atomically with mode 0600: a temp file created 0600, fsynced, renamed. */
async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${STATE_TOKEN_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export interface LoadedTokens {
  tokens: TokenSet;
  /** path of the token file generated now (print it: the operator needs the token) */
  generated?: string;
  /** path of the state directory's token file, when it was generated on an earlier start and reused */
  reused?: string;
}

export async function loadTokens(opts: { envToken?: string; tokenFile?: string; stateDir: string }): Promise<LoadedTokens> {
  const tokens: TokenEntry[] = [];
  if (opts.envToken !== undefined && opts.envToken !== '') {
    if (opts.envToken.trim().length < MIN_TOKEN_LENGTH) {
      throw new MeridianError('CONFIG_INVALID', `MERIDIAN_ADMIN_TOKEN: the token is shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
    tokens.push({ name: 'env', token: opts.envToken.trim(), readOnly: false });
  }
  if (opts.tokenFile) tokens.push(...(await readTokenFile(opts.tokenFile)));
  if (tokens.length) {
    checkUnique(tokens);
    return { tokens: new TokenSet(tokens) };
  }

  const file = join(opts.stateDir, STATE_TOKEN_FILE);
  const exists = await readFile(file, 'utf8').then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw new MeridianError('CONFIG_INVALID', `cannot read admin token file ${file} (${e.code ?? e.message})`);
    },
  );
  if (exists) {
    const reused = await readTokenFile(file);
    checkUnique(reused);
    return { tokens: new TokenSet(reused), reused: file };
  }
  const token = randomBytes(32).toString('base64url');
  await mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  const text = [
    '# Meridian admin API token, generated on first start (NAME TOKEN [read-only] per line).',
    '# Use it as: Authorization: Bearer <TOKEN>. Delete this file to get a new one.',
    `admin ${token}`,
    '',
  ].join('\n');
  await writePrivate(file, text);
  return { tokens: new TokenSet([{ name: 'admin', token, readOnly: false }]), generated: file };
}
