/**
 * Inline zones for the responder tests, beside EXAMPLE_ZONE (test/helpers/server.ts). Each says
 * what it is for; the expected answers in the tests are written against these texts.
 */

/** SOA record TTL (120) lower than its minimum (900): negative answers must carry 120. Also a
 * name with only a CAA record (ANY must still find it). */
export const NEG_ZONE = `
zone: neg.test.
ttl: 3600
soa: { mname: ns.neg.test., rname: hostmaster.neg.test., serial: 7, refresh: 3600, retry: 600,
       expire: 604800, minimum: 900, ttl: 120 }
ns: [ns.neg.test.]
records:
  - { name: ns, type: A, data: 192.0.2.1 }
  - { name: host, type: A, data: 192.0.2.2 }
  - { name: caa, type: CAA, data: '0 issue "ca.example"' }
`;

/** Wildcards per RFC 4592: one at the apex, a CNAME wildcard, an empty non-terminal "ent". */
export const WILD_ZONE = `
zone: wild.test.
ttl: 300
soa: { mname: ns.wild.test., rname: hostmaster.wild.test., serial: 1, minimum: 60 }
ns: [ns.wild.test.]
records:
  - { name: ns, type: A, data: 192.0.2.1 }
  - { name: "*", type: A, data: 192.0.2.100 }
  - { name: host, type: A, data: 192.0.2.2 }
  - { name: a.ent, type: A, data: 192.0.2.3 }
  - { name: "*.cn", type: CNAME, data: host }
`;

/** A parent zone that delegates kid.parent.test., which the same server also serves. */
export const PARENT_ZONE = `
zone: parent.test.
ttl: 300
soa: { mname: ns1.parent.test., rname: hostmaster.parent.test., serial: 1, minimum: 60 }
ns: [ns1.parent.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.70 }
  - { name: www, type: A, data: 192.0.2.71 }
  - { name: kid, type: NS, data: ns1.kid }
  - { name: ns1.kid, type: A, data: 192.0.2.72 }
  - { name: alias, type: CNAME, data: www.lb.example.test. }
  - { name: kidalias, type: CNAME, data: www.kid }
  - { name: tochild, type: CNAME, data: www.child.lb.example.test. }
`;

/** The child of PARENT_ZONE; its CNAME runs back through the parent into lb.example.test. */
export const KID_ZONE = `
zone: kid.parent.test.
ttl: 300
soa: { mname: ns1.kid.parent.test., rname: hostmaster.parent.test., serial: 2, minimum: 30 }
ns: [ns1.kid.parent.test.]
records:
  - { name: ns1, type: A, data: 192.0.2.72 }
  - { name: www, type: A, data: 192.0.2.73 }
  - { name: back, type: CNAME, data: alias.parent.test. }
`;

/** 40 addresses at many.big.test. (671 bytes as an answer) */
export const MANY_A = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 1}`);
/** TXT strings of 250 bytes: 5 at mid.big.test. (~1.3 kB answer), 6 at long.big.test. (~1.6 kB) */
export const TXT_STRINGS = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(250));

/** Ten MX targets with addresses: 10 MX fit in 512 bytes, their 10 addresses do not all fit. */
export const MX_TARGETS = Array.from({ length: 10 }, (_, i) => `m${i}.big.test.`);

/**
 * Answers too big for UDP: without EDNS (many), for 1232 (mid, long) and for 1400 (long); and an
 * answer whose optional additional addresses do not all fit in 512 (mx).
 */
export const BIG_ZONE = `
zone: big.test.
ttl: 300
soa: { mname: ns.big.test., rname: hostmaster.big.test., serial: 1, minimum: 60 }
ns: [ns.big.test.]
records:
  - { name: ns, type: A, data: 192.0.2.1 }
  - { name: small, type: A, data: 192.0.2.2 }
  - { name: many, type: A, data: [${MANY_A.join(', ')}] }
  - { name: mid, type: TXT, data: [${TXT_STRINGS.slice(0, 5).map((s) => `'"${s}"'`).join(', ')}] }
  - { name: long, type: TXT, data: [${TXT_STRINGS.map((s) => `'"${s}"'`).join(', ')}] }
  - { name: mx, type: MX, data: [${MX_TARGETS.map((t) => `"10 ${t}"`).join(', ')}] }
${MX_TARGETS.map((t, i) => `  - { name: ${t}, type: A, data: 192.0.2.${200 + i} }`).join('\n')}
`;

/** A name answered from an ip-hash pool (the client and balance stages run, ECS scope is set). */
export const POOL_ZONE = `
zone: pool.test.
ttl: 300
soa: { mname: ns.pool.test., rname: hostmaster.pool.test., serial: 1, minimum: 60 }
ns: [ns.pool.test.]
records:
  - { name: ns, type: A, data: 192.0.2.1 }
  - { name: api, pool: web }
pools:
  web:
    algorithm: ip-hash
    ttl: 20
    members:
      - { name: a, address: 198.51.100.10 }
      - { name: b, address: 198.51.100.11 }
      - { name: c, address: "2001:db8::11" }
`;
