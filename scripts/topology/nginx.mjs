/**
 * Real nginx servers on loopback (Debian package nginx): the pool members of the local topology,
 * and the backends of the tests (test/helpers/nginx.ts wraps this file).
 *
 *   const ngx = await startNginx();                        // 127.0.0.1, a free port
 *   await fetch(ngx.url('/healthz'));                      // 200 "ok"
 *   await fetch(ngx.url('/nginx_status'));                 // stub_status text
 *   await ngx.kill();  await ngx.start();                  // crash it; bring it back on the same port
 *   await ngx.stop();                                      // for good: the prefix directory goes too
 *   const web = await startNginxBackends(3, { addresses: ['127.0.0.11', '127.0.0.12', '127.0.0.13'] });
 *
 * Everything lives in a temporary prefix directory (config, pid, error and access logs, temp
 * paths); nginx runs in the foreground (`daemon off`) in its own process group, logging errors to
 * stderr (`output()`). kill() SIGKILLs the group: killing only the master would leave its worker
 * serving. Default locations: `/nginx_status` (stub_status) and `/healthz` (200 "ok"); add more
 * with `server`.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service, accepts, bracket, forgetDir, freePort, removeOnExit } from './process.mjs';

/**
 * The nginx.conf for a prefix directory and port (also the benchmark's: bench/lib/nginx.mjs).
 * `opts.http` / `opts.server` add lines to those blocks; `opts.workerConnections` (default 128)
 * and `opts.logFormat` (an access log format, default nginx's combined) tune it for load.
 */
export function nginxConf(dir, hosts, port, opts = {}) {
  const p = (f) => join(dir, f);
  const log = opts.logFormat ? `  log_format custom '${opts.logFormat}';\n  access_log ${p('access.log')} custom;` : `  access_log ${p('access.log')};`;
  return `# written by scripts/topology/nginx.mjs
daemon off;
worker_processes 1;
pid ${p('nginx.pid')};
error_log stderr warn;
events { worker_connections ${opts.workerConnections ?? 128}; }
http {
${log}
  client_body_temp_path ${p('client_body_temp')};
  proxy_temp_path ${p('proxy_temp')};
  fastcgi_temp_path ${p('fastcgi_temp')};
  uwsgi_temp_path ${p('uwsgi_temp')};
  scgi_temp_path ${p('scgi_temp')};
  default_type text/plain;
  keepalive_timeout 60s;
${opts.http ?? ''}
  server {
${hosts.map((h) => `    listen ${bracket(h)}:${port};`).join('\n')}
    location /nginx_status { stub_status; }
    location /healthz { return 200 "ok"; }
${opts.server ?? ''}
  }
}
`;
}

async function listening(hosts, port) {
  return (await Promise.all(hosts.map((h) => accepts(h, port)))).every(Boolean);
}

/** Spawn nginx and wait until every host accepts; 'exited' if it died first (output says why). */
async function launch(service, hosts, port, timeoutMs) {
  service.start();
  const deadline = Date.now() + timeoutMs;
  while (service.alive) {
    if (await listening(hosts, port)) return 'ready';
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`nginx did not accept connections on port ${port} in time\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await service.exited;
  return 'exited';
}

/**
 * @param {{ hosts?: string[], server?: string, http?: string, readyTimeoutMs?: number, name?: string }} [opts]
 */
export async function startNginx(opts = {}) {
  const hosts = opts.hosts ?? ['127.0.0.1'];
  const timeoutMs = opts.readyTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'meridian-nginx-'));
  removeOnExit(dir);
  // workers drop to nobody when we are root: let them into the prefix (temp paths)
  await chmod(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  const removeDir = async () => {
    await rm(dir, { recursive: true, force: true });
    forgetDir(dir);
  };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(hosts);
    await writeFile(conf, nginxConf(dir, hosts, port, opts));
    const service = new Service(opts.name ?? 'nginx', 'nginx', ['-c', conf, '-p', `${dir}/`, '-e', 'stderr']);
    let state;
    try {
      state = await launch(service, hosts, port, timeoutMs);
    } catch (e) {
      await removeDir();
      throw e;
    }
    if (state === 'ready') {
      return {
        port,
        hosts,
        dir,
        get alive() {
          return service.alive;
        },
        url: (path, host = hosts[0]) => `http://${bracket(host)}:${port}${path}`,
        output: () => service.output(),
        /** SIGKILL master and workers, as a crash would; start() brings it back. */
        kill: () => service.kill(),
        /** Start again on the same port (after kill()). */
        async start() {
          if ((await launch(service, hosts, port, timeoutMs)) !== 'ready') {
            throw new Error(`nginx exited early\n${service.output()}`);
          }
        },
        /** SIGTERM (SIGKILL after 5 s), then remove the prefix directory. */
        async stop() {
          await service.stop();
          await removeDir();
        },
      };
    }
    if (!/Address already in use/.test(service.output()) || attempt >= 3) {
      await removeDir();
      throw new Error(`nginx exited early\n${service.output()}`);
    }
  }
}

/**
 * `count` nginx backends, each its own process on its own free port; backend i listens on
 * `addresses[i]` (default 127.0.0.1 for all).
 * @param {number} count
 * @param {{ addresses?: string[], server?: string, http?: string }} [opts]
 */
export async function startNginxBackends(count, opts = {}) {
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startNginx({ hosts: [opts.addresses?.[i] ?? '127.0.0.1'], server: opts.server, http: opts.http, name: `web${i + 1}` }),
    ),
  );
  const ok = started.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((n) => n.stop()));
    throw failed.reason;
  }
  return ok;
}
