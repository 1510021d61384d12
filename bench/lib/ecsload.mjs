#!/usr/bin/env node
/**
 * ecsload: a small closed-loop DNS load generator whose queries each carry their own EDNS Client
 * Subnet option (RFC 7871). dnsperf can add only one fixed EDNS option to every query
 * (`-E code:hex`), so it cannot send ECS from 10,000 different /24s; the `geo` group of the
 * benchmark (bench/lib/geo.mjs) uses this instead, for all of its scenarios, so that the figures
 * it compares come from the same generator.
 *
 * Like dnsperf: `sockets` connected UDP sockets keep `outstanding` queries in flight in total; an
 * answer (matched by ID) frees its slot and the next query goes out at once; a query unanswered
 * after `timeout` seconds counts as lost and its slot sends the next one. Every query is the
 * same packet (one name, type A, OPT with ECS family 1, source /24) except for the ID and the 3
 * address bytes, which are written into the slot's own buffer before it is sent: the subnets are
 * taken in order from the list, round and round. IDs are (generation << 8 | slot), so an answer
 * that arrives after its query was given up counts as `late`, never as the answer to another.
 *
 * As a program: node bench/lib/ecsload.mjs --port P --name NAME --subnets FILE [options]; prints
 * one JSON line with the figures (latencies in seconds, as dnsperf prints them) and its own CPU
 * time during the load. Run several at once (`--part k/N`) to use more than one core: part k
 * sends only the subnets whose line index is k modulo N, so no /24 is sent by two processes.
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import dnsPacket from 'dns-packet';

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
export const MAX_SLOTS_PER_SOCKET = 256;

/**
 * The query packet for `name` with an ECS option of source /24 and the offset of its 3 address
 * bytes (the last 3 bytes: the OPT record is the last record, ECS its only option).
 */
export function queryTemplate(name, { type = 'A', udpPayloadSize = 1232 } = {}) {
  const encode = (ip) =>
    dnsPacket.encode({
      type: 'query',
      id: 0,
      flags: 0,
      questions: [{ type, name, class: 'IN' }],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          options: [{ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip }],
        },
      ],
    });
  const packet = encode('0.0.0.0');
  const addressOffset = packet.length - 3;
  // the layout this relies on: the address is where we think it is, and nothing else moves
  const probe = encode('1.2.3.0');
  if (probe.length !== packet.length || probe[addressOffset] !== 1 || probe[addressOffset + 1] !== 2 || probe[addressOffset + 2] !== 3) {
    throw new Error('ecsload: unexpected ECS query layout from dns-packet');
  }
  return { packet, addressOffset };
}

/** Fills a copy of the template with `id` and the /24 `a.b.c`. */
export function queryFor(template, id, [a, b, c]) {
  const buf = Buffer.from(template.packet);
  buf.writeUInt16BE(id, 0);
  buf[template.addressOffset] = a;
  buf[template.addressOffset + 1] = b;
  buf[template.addressOffset + 2] = c;
  return buf;
}

/** "a.b.c.0/24" or "a.b.c" per line ('#' comments) → [[a, b, c], …]. */
export function parseSubnets(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.0\/24)?$/.exec(line);
    if (!m) throw new Error(`ecsload: not a /24: "${line}" (write a.b.c.0/24)`);
    const t = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (t.some((x) => x > 255)) throw new Error(`ecsload: not an address: "${line}"`);
    out.push(t);
  }
  return out;
}

/** The subnets of part `k` of `n` (line index ≡ k mod n), packed as 3 bytes each. */
export function packPart(subnets, k = 0, n = 1) {
  const mine = subnets.filter((_, i) => i % n === k);
  const packed = new Uint8Array(mine.length * 3);
  mine.forEach((t, i) => packed.set(t, i * 3));
  return packed;
}

/**
 * Runs the load; resolves the figures. `subnets`: packed /24s (3 bytes each), sent in order,
 * round and round. `outstanding` is spread over the sockets (at most 256 per socket).
 */
export function runLoad({ host = '127.0.0.1', port, template, subnets, sockets = 10, outstanding = 100, timeout = 1, seconds = 10 }) {
  const nSubnets = subnets.length / 3;
  if (!Number.isInteger(nSubnets) || nSubnets === 0) throw new Error('ecsload: no subnets');
  if (outstanding < sockets) sockets = outstanding;
  const perSocket = (i) => Math.floor(outstanding / sockets) + (i < outstanding % sockets ? 1 : 0);
  if (perSocket(0) > MAX_SLOTS_PER_SOCKET) throw new Error(`ecsload: at most ${MAX_SLOTS_PER_SOCKET} outstanding per socket (use more sockets)`);
  const timeoutMs = timeout * 1000;
  const off = template.addressOffset;

  let next = 0;
  let sending = false;
  let inflight = 0;
  const st = { sent: 0, completed: 0, lost: 0, late: 0, errors: 0, noAnswer: 0, short: 0, latSum: 0, latSq: 0, latMin: Infinity, latMax: 0 };
  const rcodes = new Float64Array(16);

  return new Promise((resolve, reject) => {
    const socks = [];
    let tStart = 0;
    let tStop = 0;
    let cpu0;
    let scanTimer;
    let finished = false;

    const send = (s, slot) => {
      const buf = s.bufs[slot];
      const g = (s.gen[slot] + 1) & 0xff;
      s.gen[slot] = g;
      buf[0] = g;
      buf[1] = slot;
      const j = next * 3;
      buf[off] = subnets[j];
      buf[off + 1] = subnets[j + 1];
      buf[off + 2] = subnets[j + 2];
      next = next + 1 === nSubnets ? 0 : next + 1;
      s.busy[slot] = 1;
      s.sentAt[slot] = performance.now();
      s.sock.send(buf);
      st.sent++;
    };

    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(scanTimer);
      const tEnd = performance.now();
      const cpu = process.cpuUsage(cpu0);
      for (const s of socks) s.sock.close();
      const runTime = (tEnd - tStart) / 1000;
      const n = st.completed;
      const mean = n ? st.latSum / n : NaN;
      const codes = {};
      rcodes.forEach((v, i) => {
        if (v) codes[RCODES[i] ?? `RCODE${i}`] = v;
      });
      resolve({
        sent: st.sent,
        completed: n,
        lost: st.lost,
        late: st.late,
        errors: st.errors,
        noAnswer: st.noAnswer,
        short: st.short,
        rcodes: codes,
        runTime,
        loadSeconds: (tStop - tStart) / 1000,
        qps: runTime > 0 ? n / runTime : 0,
        latency: {
          mean: mean / 1000,
          min: n ? st.latMin / 1000 : NaN,
          max: st.latMax / 1000,
          stddev: n > 1 ? Math.sqrt(Math.max(0, st.latSq / n - mean * mean)) / 1000 : NaN,
        },
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        cpuUserSeconds: cpu.user / 1e6,
        cpuSystemSeconds: cpu.system / 1e6,
        sockets,
        outstanding,
        subnets: nSubnets,
      });
    };

    const onMessage = (s) => (msg) => {
      if (msg.length < 12) {
        st.short++;
        return;
      }
      const slot = msg[1];
      if (slot >= s.slots || !s.busy[slot] || s.gen[slot] !== msg[0]) {
        st.late++;
        return;
      }
      const lat = performance.now() - s.sentAt[slot];
      s.busy[slot] = 0;
      st.completed++;
      st.latSum += lat;
      st.latSq += lat * lat;
      if (lat < st.latMin) st.latMin = lat;
      if (lat > st.latMax) st.latMax = lat;
      rcodes[msg[3] & 15]++;
      if (msg[6] === 0 && msg[7] === 0) st.noAnswer++;
      if (sending) send(s, slot);
      else if (--inflight === 0) finish();
    };

    const scan = () => {
      const now = performance.now();
      for (const s of socks) {
        for (let slot = 0; slot < s.slots; slot++) {
          if (!s.busy[slot] || now - s.sentAt[slot] < timeoutMs) continue;
          s.busy[slot] = 0;
          st.lost++;
          if (sending) send(s, slot);
          else if (--inflight === 0) finish();
        }
      }
    };

    const start = () => {
      sending = true;
      cpu0 = process.cpuUsage();
      tStart = performance.now();
      for (const s of socks) for (let slot = 0; slot < s.slots; slot++) send(s, slot);
      scanTimer = setInterval(scan, Math.min(100, Math.max(10, timeoutMs / 10)));
      setTimeout(() => {
        sending = false;
        tStop = performance.now();
        inflight = 0;
        for (const s of socks) for (let slot = 0; slot < s.slots; slot++) inflight += s.busy[slot];
        if (inflight === 0) finish();
      }, seconds * 1000);
    };

    let ready = 0;
    for (let i = 0; i < sockets; i++) {
      const slots = perSocket(i);
      const sock = dgram.createSocket({ type: 'udp4' });
      const s = {
        sock,
        slots,
        bufs: Array.from({ length: slots }, () => Buffer.from(template.packet)),
        gen: new Uint8Array(slots),
        busy: new Uint8Array(slots),
        sentAt: new Float64Array(slots),
      };
      socks.push(s);
      sock.on('message', onMessage(s));
      // e.g. ECONNREFUSED (ICMP port unreachable) on a connected socket: counted, the slot times out
      sock.on('error', () => st.errors++);
      sock.connect(port, host, (err) => {
        if (err) return reject(err);
        try {
          sock.setRecvBufferSize(1 << 20);
        } catch {}
        if (++ready === sockets) start();
      });
    }
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string', default: 'A' },
      subnets: { type: 'string' },
      count: { type: 'string' },
      part: { type: 'string', default: '0/1' },
      sockets: { type: 'string', default: '10' },
      outstanding: { type: 'string', default: '100' },
      timeout: { type: 'string', default: '1' },
      seconds: { type: 'string', default: '10' },
    },
  });
  if (!values.port || !values.name || !values.subnets) {
    throw new Error('usage: node bench/lib/ecsload.mjs --port P --name NAME --subnets FILE [--count N] [--part k/N] [--sockets 10] [--outstanding 100] [--timeout 1] [--seconds 10]');
  }
  let subnets = parseSubnets(readFileSync(values.subnets, 'utf8'));
  if (values.count) subnets = subnets.slice(0, Number(values.count));
  const [k, n] = values.part.split('/').map(Number);
  if (!(n >= 1 && k >= 0 && k < n)) throw new Error(`--part: expected k/N with 0 ≤ k < N, got ${values.part}`);
  const packed = packPart(subnets, k, n);
  const r = await runLoad({
    host: values.host,
    port: Number(values.port),
    template: queryTemplate(values.name, { type: values.type }),
    subnets: packed,
    sockets: Number(values.sockets),
    outstanding: Number(values.outstanding),
    timeout: Number(values.timeout),
    seconds: Number(values.seconds),
  });
  process.stdout.write(JSON.stringify({ part: values.part, ...r }) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`ecsload: ${err.message}\n`);
    process.exit(1);
  });
}
