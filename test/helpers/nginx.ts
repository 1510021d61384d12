/**
 * A real nginx on loopback for tests (Debian package nginx; gate with `describeWith('nginx', …)`).
 *
 *   const ngx = await startNginx();                        // 127.0.0.1, a free port
 *   await fetch(ngx.url('/healthz'));                      // 200 "ok"
 *   await fetch(ngx.url('/nginx_status'));                 // stub_status text
 *   await ngx.stop();
 *
 * Everything lives in a temporary prefix directory (config, pid, error and access logs, temp
 * paths); nginx runs in the foreground (`daemon off`) as a child of the test process, logging
 * errors to stderr (`output()`), and is killed if the test process exits first. Default locations:
 * `/nginx_status` (stub_status) and `/healthz` (200 "ok"); add more with `server`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

export interface NginxOptions {
  /** listen on these addresses, all on one free port (default 127.0.0.1) */
  hosts?: string[];
  /** more directives inside `server { }` (locations…) */
  server?: string;
  /** more directives inside `http { }` */
  http?: string;
  /** how long to wait for nginx to accept connections (default 10 s) */
  readyTimeoutMs?: number;
}

export interface NginxServer {
  port: number;
  hosts: string[];
  /** the prefix directory holding nginx.conf, logs and temp paths */
  dir: string;
  /** "http://127.0.0.1:PORT/path" (first host unless given; IPv6 bracketed) */
  url(path: string, host?: string): string;
  /** stderr and stdout so far */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then remove the prefix directory */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);

/** The nginx.conf for a prefix directory and port. */
export function nginxConf(dir: string, hosts: string[], port: number, opts: NginxOptions = {}): string {
  const p = (f: string) => join(dir, f);
  return `# written by test/helpers/nginx.ts
daemon off;
worker_processes 1;
pid ${p('nginx.pid')};
error_log stderr warn;
events { worker_connections 128; }
http {
  access_log ${p('access.log')};
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

export async function startNginx(opts: NginxOptions = {}): Promise<NginxServer> {
  const hosts = opts.hosts ?? ['127.0.0.1'];
  const dir = await mkdtemp(join(tmpdir(), 'meridian-nginx-'));
  // workers drop to nobody when we are root: let them into the prefix (temp paths)
  await chmod(dir, 0o755);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(hosts);
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, nginxConf(dir, hosts, port, opts));
    const child = spawn('nginx', ['-c', conf, '-p', `${dir}/`, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    let exitedEarly = false;
    const exited = new Promise<void>((resolve) =>
      child.once('close', () => {
        running.delete(child);
        exitedEarly = true;
        resolve();
      }),
    );
    child.once('error', (err) => (out += `spawn failed: ${err.message}\n`));
    const server: NginxServer = {
      port,
      hosts,
      dir,
      url: (path, host = hosts[0]) => `http://${bracket(host)}:${port}${path}`,
      output: () => out,
      async stop() {
        if (!exitedEarly) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
    while (!exitedEarly) {
      if ((await Promise.all(hosts.map((h) => accepts(h, port)))).every(Boolean)) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`nginx did not accept connections on port ${port} in time\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    if (!/Address already in use/.test(out) || attempt >= 3) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx exited early\n${out}`);
    }
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}
