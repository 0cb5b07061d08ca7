/**
 * wanem's rate charges the inner Ethernet frame of the L2VPN service (--charge l2, the default):
 * UDP payload - 8 (VXLAN header) + 4 (FCS), padded to 64 bytes. A real wanem on loopback, fed a
 * known number of datagrams of known size at once: its charged_bytes counter must be exact, and
 * the receiver must see them spread over exactly that many bytes at the configured rate.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wanemBinary } from '../../../infra/paths.js';

const bound = (): Promise<Socket> =>
  new Promise((res, rej) => {
    const s = createSocket('udp4');
    s.once('error', rej);
    s.bind(0, '127.0.0.1', () => res(s));
  });
const freePort = async (): Promise<number> => {
  const s = await bound();
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  spanMs: number;
  received: number;
  stats: { ab: Record<string, number>; config: Record<string, unknown> };
}

/** Sends `count` datagrams of `payload` bytes a->b through a wanem limited to `rateBps`; times their arrival. */
async function through(rateBps: number, payload: number, count: number, extra: string[] = []): Promise<Sent> {
  const dir = mkdtempSync(join(tmpdir(), 'icb-wanem-charge-'));
  const gwA = await bound(),
    gwB = await bound();
  const pa = await freePort(),
    pb = await freePort();
  const stats = join(dir, 'stats.json');
  const args = [
    ...['--a-bind', `127.0.0.1:${pa}`, '--a-peer', `127.0.0.1:${gwA.address().port}`],
    ...['--b-bind', `127.0.0.1:${pb}`, '--b-peer', `127.0.0.1:${gwB.address().port}`],
    ...['--rate-bps', String(rateBps), '--queue-bytes', '4000000', '--rt-prio', '0', '--stats', stats, '--stats-interval-ms', '50'],
    ...extra,
  ];
  const w = spawn(wanemBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  w.stderr.on('data', (d) => (err += d));
  try {
    for (let i = 0; i < 100 && !existsSync(stats); i++) await sleep(20);
    await sleep(100);
    const times: bigint[] = [];
    const done = new Promise<void>((res) => {
      const timer = setTimeout(res, 5000); // bounded: the slowest case needs < 1 s
      gwB.on('message', () => {
        times.push(process.hrtime.bigint());
        if (times.length === count) {
          clearTimeout(timer);
          res();
        }
      });
    });
    const buf = Buffer.alloc(payload, 0x5a);
    for (let i = 0; i < count; i++) gwA.send(buf, pa, '127.0.0.1');
    await done;
    await sleep(150); // one stats interval after the last datagram
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    assert.is(err, '', 'wanem wrote nothing on stderr');
    return { spanMs: times.length > 1 ? Number(times[times.length - 1] - times[0]) / 1e6 : NaN, received: times.length, stats: s };
  } finally {
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
    gwA.close();
    gwB.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const N = 100;
const near = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * want, `${what}: ${got.toFixed(1)} ms, expected ${want.toFixed(1)} ms +-${rel * 100}%`);

test('l2 (default): a full-size VXLAN datagram (8 + 1514 bytes) is charged its 1518-byte Ethernet frame', async () => {
  const r = await through(2e6, 1522, N);
  assert.is(r.received, N);
  assert.is(r.stats.ab.charged_bytes, N * 1518);
  assert.is(r.stats.ab.tx_bytes, N * 1522);
  assert.is(r.stats.config.charge, 'l2');
  near(r.spanMs, ((N - 1) * 1518 * 8 * 1000) / 2e6, 0.1, '99 gaps of 1518 bytes at 2 Mbit/s');
});

test('l2: a short frame (42 bytes, e.g. ARP) is padded to the 64-byte Ethernet minimum; udp and l1 charge otherwise', async () => {
  const l2 = await through(100e3, 50, N);
  assert.is(l2.stats.ab.charged_bytes, N * 64);
  near(l2.spanMs, ((N - 1) * 64 * 8 * 1000) / 100e3, 0.1, 'l2, 64 bytes each at 100 kbit/s');
  const udp = await through(100e3, 50, N, ['--charge', 'udp']);
  assert.is(udp.stats.ab.charged_bytes, N * 50);
  near(udp.spanMs, ((N - 1) * 50 * 8 * 1000) / 100e3, 0.1, 'udp, 50 bytes each');
  const l1 = await through(100e3, 50, N, ['--charge', 'l1']);
  assert.is(l1.stats.ab.charged_bytes, N * 84);
  near(l1.spanMs, ((N - 1) * 84 * 8 * 1000) / 100e3, 0.1, 'l1, 64 + 20 bytes each');
});

test('a bad --charge names the flag and the values it takes', () => {
  const r = spawnSync(wanemBinary(), ['--charge', 'ip'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, "--charge: expected l2, l1 or udp, got 'ip'");
});

test('--rt-napi takes device names only (it is matched against kernel thread names)', () => {
  const r = spawnSync(wanemBinary(), ['--rt-napi', 'wan0;x'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, "--rt-napi: expected comma-separated device names, got 'wan0;x'");
});

test.run();
