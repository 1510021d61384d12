/**
 * A real Unbound resolver on loopback for tests (Debian package unbound; gate with
 * `describeWith('unbound', …)`). The implementation is scripts/topology/unbound.mjs, shared with
 * `node scripts/topology.mjs up`.
 *
 *   const ub = await startUnbound({ zone: 'lb.example.test.', nameservers: [{ host: '127.0.0.2', port }] });
 *   afterAll(() => ub.stop());
 *   const r = await dig(ub.port, 'www.lb.example.test A');   // recursion desired: dig's default
 *
 * Only the stub zone is resolved (everything else is REFUSED by Unbound itself), so nothing
 * leaves loopback.
 */
export { startUnbound, unboundConf, type Nameserver, type UnboundOptions, type UnboundServer } from '../../scripts/topology/unbound.mjs';
