/**
 * A real nginx on loopback for tests (Debian package nginx; gate with `describeWith('nginx', …)`).
 *
 *   const ngx = await startNginx();                        // 127.0.0.1, a free port
 *   await fetch(ngx.url('/healthz'));                      // 200 "ok"
 *   await fetch(ngx.url('/nginx_status'));                 // stub_status text
 *   await ngx.kill(); await ngx.start();                   // crash and restart on the same port
 *   await ngx.stop();
 *
 * The implementation is scripts/topology/nginx.mjs, shared with the local topology
 * (scripts/topology.mjs): a temporary prefix directory, `daemon off`, its own process group
 * (killed with the test process if still running), errors on stderr (`output()`). Default
 * locations: `/nginx_status` (stub_status) and `/healthz` (200 "ok"); add more with `server`.
 */
export { nginxConf, startNginx, startNginxBackends, type NginxOptions, type NginxServer } from '../../scripts/topology/nginx.mjs';
