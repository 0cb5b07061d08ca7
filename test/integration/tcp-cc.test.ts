/**
 * --tcp-cc on a real lab through the session (withTestbed): cubic is set on every node, run.json and
 * the rows say so, iperf3's own report confirms it, and the validation judges the lossy WAN with
 * CUBIC's model; `system` records the kernel's own; what cannot be had is refused naming --tcp-cc
 * before anything is created. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioInput } from '../../infra/config.js';
import { silentProgress } from '../../infra/progress.js';
import { ConfigError } from '../../infra/units.js';
import { loadRun } from '../../measurements/reader.js';
import { withTestbed } from '../../session/session.js';

const input = (virt: 'netns' | 'lxc' | 'qemu' = 'netns', loss = '0%'): ScenarioInput => ({
  scenario: 'tcp-cc-test',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt },
  ],
  wan: { rate: '100Mbit', rtt: '10ms', loss },
  resultsDir: mkdtempSync(join(tmpdir(), 'icb-results-')),
});
/** Awaits `f` and checks that it rejects with a message matching `re`. */
async function rejects(f: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`resolved; expected a rejection matching ${re}`);
}
const leftovers = (runId: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []);
const sysctl = (k: string) => readFileSync(`/proc/sys/${k.replace(/\./g, '/')}`, 'utf8').trim();
/** The congestion controls iperf3's client reports in every raw JSON of a run, sender and receiver. */
const rawCongestion = (dir: string, sub: string) =>
  readdirSync(join(dir, 'raw', sub))
    .filter((f) => f.endsWith('.client.json'))
    .map((f) => {
      const end = JSON.parse(readFileSync(join(dir, 'raw', sub, f), 'utf8')).end;
      return `${end.sender_tcp_congestion}/${end.receiver_tcp_congestion}`;
    });

test('a bad --tcp-cc is refused naming the field, and so is one beside a ready-made provider', async () => {
  await rejects(
    () => withTestbed({ config: input(), tcpCc: 'vegas' as never, progress: silentProgress }, async () => {}),
    /tcpCc: expected one of system, cubic, bbr, reno/,
  );
  const { labProvider } = await import('../../infra/lab/provider.js');
  try {
    await withTestbed({ config: input(), provider: labProvider(), tcpCc: 'cubic', progress: silentProgress }, async () => {});
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /^tcpCc: expected no tcpCc beside a provider/);
  }
});

if (process.getuid?.() !== 0) {
  console.log('SKIPPED --tcp-cc lab tests: they need root');
} else {
  test('qemu nodes: bbr is not in the VM image, so --tcp-cc bbr is refused in preflight, before anything is created', async () => {
    process.env.ICBENCH_STATE_DIR = mkdtempSync(join(tmpdir(), 'icb-state-'));
    const config = input('qemu');
    await rejects(
      () => withTestbed({ config, tcpCc: 'bbr', progress: silentProgress }, async () => {}),
      /preflight failed:\n {2}- --tcp-cc bbr: qemu nodes' kernel .*(only as a module|cannot be checked)/,
    );
    assert.equal(readdirSync(config.resultsDir!), [], 'no results folder: nothing was created');
    assert.equal(readdirSync(process.env.ICBENCH_STATE_DIR), [], 'no journal');
  });

  test('--tcp-cc cubic: set on every node, recorded in run.json and on the rows, confirmed by iperf3; the lossy WAN is judged with CUBIC', async () => {
    process.env.ICBENCH_STATE_DIR = mkdtempSync(join(tmpdir(), 'icb-state-'));
    const r = await withTestbed(
      { config: input('netns', '0.5%'), tcpCc: 'cubic', validate: { probeS: 3, pingCount: 30 }, progress: silentProgress, report: false },
      async (s) => {
        await s.iperf3({ pairs: [['a-h1-n1', 'b-h1-n1']], durationS: 2 });
        await s.loadLatency({ pairs: [['a-h1-n1', 'b-h1-n1']], count: 10, intervalS: 0.05 });
      },
    );
    const { rows, meta } = await loadRun(r.resultsDir);
    assert.ok(meta.tcp, 'run.json has a tcp section');
    assert.is(meta.tcp!.requested, 'cubic');
    assert.equal(Object.keys(meta.tcp!.nodes).sort(), ['a-h1-n1', 'b-h1-n1']);
    for (const [n, t] of Object.entries(meta.tcp!.nodes)) {
      assert.is(t.congestion_control, 'cubic', n);
      // not a per-namespace setting: the machine's
      assert.equal([t.default_qdisc, t.qdisc_from], [sysctl('net.core.default_qdisc'), 'host'], n);
    }
    // cubic is in the machine's allowed list now (added by this or an earlier run, and said so then)
    assert.ok(sysctl('net.ipv4.tcp_allowed_congestion_control').split(' ').includes('cubic'));
    for (const c of meta.tcp!.host_changes) assert.match(c, /^net\.ipv4\.tcp_allowed_congestion_control \(machine-wide\): .* -> .*cubic/);
    const tp = rows.filter((x) => x.benchmark === 'iperf3' && x.status === 'ok');
    assert.ok(tp.length > 0, JSON.stringify(r.failures));
    for (const x of tp) assert.is(x.params.tcp_cc, 'cubic', x.metric);
    assert.equal(rawCongestion(r.resultsDir, 'iperf3'), ['cubic/cubic'], 'iperf3 reports cubic at both ends');
    assert.equal(rawCongestion(r.resultsDir, 'validation').sort(), ['cubic/cubic'], 'the validation probe ran cubic too');
    const loaded = rows.filter((x) => x.benchmark === 'load-latency' && x.params.load === 'tcp');
    assert.ok(loaded.length > 0);
    for (const x of loaded) assert.is(x.params.tcp_cc, 'cubic', x.metric);
    const idle = rows.filter((x) => x.benchmark === 'load-latency' && x.params.load === 'none');
    for (const x of idle) assert.is(x.params.tcp_cc, undefined, 'ping rows carry no TCP algorithm');
    const load = readdirSync(join(r.resultsDir, 'raw', 'load-latency')).find((f) => f.endsWith('.load.client.json'))!;
    assert.is(JSON.parse(readFileSync(join(r.resultsDir, 'raw', 'load-latency', load), 'utf8')).end.sender_tcp_congestion, 'cubic');
    // 0.5% loss at 10 ms: CUBIC in its Reno-friendly region, about 20 Mbit/s for one flow (not the 95 Mbit/s ceiling)
    const v = meta.validation.find((x) => x.check === 'throughput')!;
    assert.match(
      v.note,
      /TCP probe, 1 stream \(cubic\); .*random loss limits one cubic flow to about 20\.\d Mbit\/s \(CUBIC in its Reno-friendly region, RFC 9438 section 5\.1: Mathis\)/,
    );
    console.log(
      `  cubic, 100 Mbit/s 10 ms 0.5% loss: validation probe ${v.measured} Mbit/s; iperf3 ${tp.find((x) => x.metric === 'throughput')?.value} Mbit/s`,
    );
    assert.equal(leftovers(r.runId), []);
  });

  test("--tcp-cc system: each node's own is recorded (this machine's default), iperf3 runs without -C and reports the same", async () => {
    process.env.ICBENCH_STATE_DIR = mkdtempSync(join(tmpdir(), 'icb-state-'));
    const r = await withTestbed({ config: input('lxc'), validate: false, progress: silentProgress, report: false }, async (s) => {
      await s.iperf3({ pairs: [['a-h1-n1', 'b-h1-n1']], durationS: 1 });
    });
    const { rows, meta } = await loadRun(r.resultsDir);
    const own = sysctl('net.ipv4.tcp_congestion_control');
    assert.is(meta.tcp!.requested, 'system');
    assert.equal(meta.tcp!.host_changes, []);
    for (const t of Object.values(meta.tcp!.nodes)) assert.is(t.congestion_control, own, 'a container starts with the init namespace’s');
    for (const x of rows.filter((x) => x.benchmark === 'iperf3' && x.status === 'ok')) assert.is(x.params.tcp_cc, own);
    assert.equal(rawCongestion(r.resultsDir, 'iperf3'), [`${own}/${own}`]);
    assert.equal(leftovers(r.runId), []);
  });
}

test.run();
