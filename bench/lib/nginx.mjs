/**
 * nginx (Debian package `nginx`) as the health-check backend of the `health` group: one process
 * (master + 1 worker) on a free 127.0.0.1 port answering every `/m/…` path with 200 "ok", so one
 * server stands in for 2,000 members, each probed at its own path. Its CPU is its own, not
 * Meridian's. The config is the one the tests and scripts/topology.mjs use (nothing is imported
 * from test/): a prefix dir in a temp dir holding the config, pid, logs and temp paths; `daemon
 * off`, errors to stderr.
 *
 * The access log (`$msec $status $uri`, one line per probe) is how the benchmark counts the probes
 * that reached nginx during a run: `probes.mark()` then `probes.since(mark)`.
 */
import { nginxConf as topologyNginxConf } from '../../scripts/topology/nginx.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { freePort, log, makeTempDir, startProcess } from './proc.mjs';

function which(cmd, fallbacks) {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return fallbacks.find((p) => existsSync(p));
}

export const nginxBinary = () => which('nginx', ['/usr/sbin/nginx', '/usr/local/sbin/nginx']);

export function nginxVersion(bin = nginxBinary()) {
  if (!bin) return undefined;
  // nginx -v prints "nginx version: nginx/1.22.1" to stderr
  const res = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().replace(/^nginx version:\s*/, '') || undefined;
}

/** The topology's nginx.conf, sized for 2,000 probed members, logging when each probe arrived. */
export function nginxConf({ dir, host, port }) {
  return topologyNginxConf(dir, [host], port, {
    workerConnections: 4096,
    logFormat: '$msec $status $uri',
    server: '    location /m/ { return 200 "ok"; }\n    location / { return 404; }',
  });
}

function get(host, port, path, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * Counts the access-log lines written since a mark: { requests, non200, distinctPaths, seconds }.
 * Reads only the bytes added since the mark.
 */
export function accessLogCounter(file) {
  const size = () => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return {
    mark: () => ({ offset: size(), at: Date.now() }),
    since(mark) {
      const end = size();
      const len = Math.max(0, end - mark.offset);
      const buf = Buffer.alloc(len);
      if (len > 0) {
        const fd = openSync(file, 'r');
        try {
          readSync(fd, buf, 0, len, mark.offset);
        } finally {
          closeSync(fd);
        }
      }
      return { ...countProbeLines(buf.toString('utf8')), seconds: (Date.now() - mark.at) / 1000 };
    },
  };
}

/** Counts `$msec $status $uri` lines: requests, non-200 answers, distinct paths. */
export function countProbeLines(text) {
  let requests = 0;
  let non200 = 0;
  const paths = new Set();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [, status, uri] = line.split(' ');
    requests++;
    if (status !== '200') non200++;
    if (uri) paths.add(uri);
  }
  return { requests, non200, distinctPaths: paths.size };
}

/** Starts nginx; resolves { proc, host, port, info, probes }. Throws with nginx's output on failure. */
export async function startNginx({ host = '127.0.0.1', readyTimeoutMs = 10000 } = {}) {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx not found (apt-get install nginx): the health group needs it as the health-check backend');
  const dir = makeTempDir('meridian-bench-nginx-');
  // when we are root, nginx's worker drops to nobody: let it into the prefix (temp paths)
  chmodSync(dir, 0o755);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConf({ dir, host, port }));
    log(`starting nginx: ${bin} -c ${conf} -p ${dir}/ (listen ${host}:${port})`);
    const proc = startProcess('nginx', bin, ['-c', conf, '-p', `${dir}/`, '-e', 'stderr'], { measured: true });
    const deadline = Date.now() + readyTimeoutMs;
    while (!proc.exitInfo && Date.now() < deadline) {
      const res = await get(host, port, '/m/0', 500);
      if (res?.status === 200 && res.body === 'ok') {
        const info = { version: nginxVersion(bin), port };
        log(`nginx ready (pid ${proc.pid}, 1 worker process)`);
        return { proc, host, port, info, probes: accessLogCounter(join(dir, 'access.log')) };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!proc.exitInfo) {
      proc.child.kill('SIGKILL');
      await proc.exited;
      throw new Error(`nginx did not answer GET /m/0 on ${host}:${port} within ${readyTimeoutMs} ms\n--- nginx output ---\n${proc.output()}`);
    }
    await proc.exited;
    if (!/Address already in use/.test(proc.output()) || attempt >= 3) {
      throw new Error(`nginx exited before answering (code ${proc.exitInfo.code})\n--- nginx output ---\n${proc.output()}`);
    }
  }
}
