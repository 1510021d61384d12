/**
 * Start Meridian in-process on a loopback port chosen by the kernel, from zone files given inline.
 * UDP and TCP share the port.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type App, type BuildOptions } from '../../src/app.js';
import { parseZoneText } from '../../src/config/zone-file.js';

export interface TestServer {
  app: App;
  host: string;
  port: number;
  /** zones directory when started with `files: true` */
  dir?: string;
  close(): Promise<void>;
}

export async function startServer(
  zones: string | string[],
  opts: Partial<BuildOptions> & { files?: boolean; host?: string } = {},
): Promise<TestServer> {
  const texts = Array.isArray(zones) ? zones : [zones];
  const host = opts.host ?? '127.0.0.1';
  let dir: string | undefined;
  let app: App;
  if (opts.files) {
    dir = await mkdtemp(join(tmpdir(), 'meridian-zones-'));
    await Promise.all(texts.map((t, i) => writeFile(join(dir!, `zone${i}.yaml`), t)));
    app = await build({ ...opts, zonesDir: dir, listen: [{ host, port: 0 }] });
  } else {
    app = await build({ ...opts, zones: texts.map((t, i) => parseZoneText(t, `inline${i}.yaml`)), listen: [{ host, port: 0 }] });
  }
  return {
    app,
    host,
    port: app.endpoints[0].port,
    dir,
    async close() {
      await app.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The example zone of the README and issue, used by many tests. */
export const EXAMPLE_ZONE = `
zone: lb.example.test.
ttl: 300
soa: { mname: ns1.lb.example.test., rname: hostmaster.example.test., serial: 2026112501,
       refresh: 3600, retry: 600, expire: 604800, minimum: 60 }
ns: [ns1.lb.example.test., ns2.lb.example.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.53 }
  - { name: ns2, type: A, data: 192.0.2.54 }
  - { name: "@", type: MX, data: "10 mail.lb.example.test." }
  - { name: mail, type: A, data: 192.0.2.25 }
  - { name: www, type: A, data: 192.0.2.10, ttl: 30 }
  - { name: www, type: AAAA, data: "2001:db8::10" }
  - { name: docs, type: CNAME, data: www }
  - { name: "*.apps", type: A, data: 192.0.2.20 }
  - { name: a.b.deep, type: A, data: 192.0.2.30 }
  - { name: _sip._tcp, type: SRV, data: "10 5 5060 sip.lb.example.test." }
  - { name: sip, type: A, data: 192.0.2.40 }
  - { name: txt, type: TXT, data: '"hello" "world"' }
  - { name: child, type: NS, data: ns1.child }
  - { name: ns1.child, type: A, data: 192.0.2.60 }
  - { name: loop1, type: CNAME, data: loop2 }
  - { name: loop2, type: CNAME, data: loop1 }
  - { name: out, type: CNAME, data: www.elsewhere.example. }
`;
