import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { nginxConf, startNginx } from './nginx.js';
import { describeWith } from './tools.js';

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('nginxConf', () => {
  it('keeps every path in the prefix and listens on each host', () => {
    const conf = nginxConf('/tmp/x', ['127.0.0.1', '::1'], 8080, { server: '    location /extra { return 204; }' });
    expect(conf).toContain('daemon off;');
    expect(conf).toContain('pid /tmp/x/nginx.pid;');
    expect(conf).toContain('client_body_temp_path /tmp/x/client_body_temp;');
    expect(conf).toContain('listen 127.0.0.1:8080;');
    expect(conf).toContain('listen [::1]:8080;');
    expect(conf).toContain('location /nginx_status { stub_status; }');
    expect(conf).toContain('location /extra { return 204; }');
  });
});

describeWith('nginx', 'startNginx', () => {
  it('serves /healthz and /nginx_status, with extra locations, and stops', async () => {
    const ngx = await startNginx({ server: '    location /extra { return 200 "extra"; }' });
    try {
      const health = await fetch(ngx.url('/healthz'));
      expect([health.status, await health.text()]).toEqual([200, 'ok']);
      expect(await (await fetch(ngx.url('/nginx_status'))).text()).toMatch(/^Active connections: \d+/);
      expect(await (await fetch(ngx.url('/extra'))).text()).toBe('extra');
    } finally {
      await ngx.stop();
    }
    expect(await connects(ngx.port)).toBe(false);
  });

  it('reports a config nginx rejects', async () => {
    await expect(startNginx({ server: '    bogus_directive on;' })).rejects.toThrow(/nginx exited early[\s\S]*bogus_directive/);
  });
});
