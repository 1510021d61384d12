/**
 * Deployment files stay valid: docker-compose.yml parses and refers to the Dockerfile, and the
 * Dockerfile builds only what the package ships. There is no Docker engine here, so Debian's
 * docker-compose validates the file (`config`) without running anything.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { itWith } from './helpers/tools.js';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

itWith('docker-compose', 'docker-compose.yml is valid and serves port 53 on UDP and TCP', async () => {
  const { stdout } = await run('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], { cwd: ROOT });
  expect(stdout).toMatch(/ns1:/);
  expect(stdout).toMatch(/53\/udp|protocol: udp/);
  expect(stdout).toMatch(/dockerfile: Dockerfile|context:/);
});

it('the Dockerfile runs the built CLI as a non-root user with production dependencies only', async () => {
  const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  expect(text).toMatch(/^USER node$/m);
  expect(text).toMatch(/npm ci --omit=dev/);
  expect(text).toMatch(/ENTRYPOINT \["node", "dist\/src\/cli\/meridian.js"\]/);
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  expect(pkg.bin.meridian).toBe('dist/src/cli/meridian.js');
});
