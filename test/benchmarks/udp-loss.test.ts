/**
 * The udpLoss benchmark, added as one module plus one registry line: its options are checked before
 * anything exists, it is planned, it runs for real on lab nodes through the session (both directions
 * of an inter-site pair across a WAN with configured loss), and the report draws its section.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHMARKS, REPORT_PARTS } from '../../benchmarks/registry.js';
import { resolveConfig } from '../../infra/config.js';
import { silentProgress } from '../../infra/progress.js';
import { ConfigError } from '../../infra/units.js';
import { loadRun } from '../../measurements/reader.js';
import { udpLossSection, udpLossSummary } from '../../reports/specs/udp-loss.js';
import { checkScenario } from '../../session/check.js';
import { withTestbed } from '../../session/session.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

const input = (loss: string) => ({
  scenario: 'udp-loss-test',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' as const },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' as const },
  ],
  wan: { rate: '100Mbit', rtt: '4ms', loss },
  resultsDir: mkdtempSync(join(tmpdir(), 'icb-results-')),
});

test('registered: the session method, the report section and the plan come from the registry', async () => {
  assert.is(BENCHMARKS.udpLoss.benchmark, 'udp-loss');
  assert.ok(REPORT_PARTS.sections.some((s) => s.benchmark === 'udp-loss' && s.build === udpLossSection));
  const spec = resolveConfig(input('0%'));
  const plan = await checkScenario(spec, undefined, async (s: { udpLoss: (o: unknown) => Promise<unknown> }) => {
    await s.udpLoss({ pairs: [['a-h1-n1', 'b-h1-n1']], packets: 4000, pps: 2000, repetitions: 2 });
  });
  assert.equal(
    plan.benchmarks.map((b) => [b.call, b.benchmark, b.samples, b.pairs[0].path]),
    [['udpLoss', 'udp-loss', 2, 'inter-site']],
  );
  assert.match(plan.benchmarks[0].detail, '4000 datagrams of 64 B each way at 2000/s');
});

test('bad options are refused naming the field, before anything is created', () => {
  const nodes = resolveConfig(input('0%')).nodes;
  const bad = (o: object, field: RegExp) => {
    try {
      BENCHMARKS.udpLoss.resolve({ pairs: [['a-h1-n1', 'b-h1-n1']], ...o }, nodes);
      assert.unreachable(`accepted ${JSON.stringify(o)}`);
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, field);
    }
  };
  bad({ packets: 10 }, /udpLoss\.packets/);
  bad({ pps: 0 }, /udpLoss\.pps/);
  bad({ packets: 1_000_000, pps: 100 }, /udpLoss\.pps.*within 600 s/);
  bad({ lengthBytes: 2000 }, /udpLoss\.lengthBytes/);
  bad({ pairs: [['a-h1-n1', 'nope']] }, /udpLoss\.pairs/);
});

test('the section: median loss per direction with its n and interval, never below zero', () => {
  const meta = sampleMeta();
  const row = (src: string, dst: string, value: number | null, rep: number, flags = '') => ({
    run_id: meta.run_id,
    scenario: 's',
    benchmark: 'udp-loss',
    metric: 'udp_loss',
    value,
    unit: '%',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: `${src}-n`,
    dst_site: dst,
    dst_node: `${dst}-n`,
    path: 'inter-site',
    virt: 'netns',
    nodes: 2,
    repetition: rep,
    started_at: '',
    flags,
    reason: value === null ? 'x' : '',
    params: { judged: 1000 },
  });
  const rows = [row('A', 'B', 1.1, 1), row('A', 'B', 0.9, 2), row('A', 'B', 1.0, 3, 'receiver-host-drops'), row('B', 'A', 0, 1), row('B', 'A', null, 2)];
  const g = udpLossSummary(rows as never);
  assert.equal(
    g.map((x) => [x.label, x.loss.n, x.loss.median, x.judged, x.hostDropSamples, x.failed]),
    [
      ['inter-site A→B', 3, 1.0, 3000, 1, 0],
      ['inter-site B→A', 1, 0, 1000, 0, 1],
    ],
  );
  assert.ok(g[0].loss.lo! >= 0);
  const s = udpLossSection(rows as never, meta);
  assert.match(s!.html!, 'inter-site A→B');
});

if (process.getuid?.() !== 0) {
  console.log('SKIPPED udpLoss lab test: it needs root');
} else {
  test('on lab nodes: both directions across a WAN with 2% loss per direction; report section; nothing left', async () => {
    process.env.ICBENCH_STATE_DIR = mkdtempSync(join(tmpdir(), 'icb-state-'));
    const config = input('2%');
    const r = await withTestbed({ config, validate: false, progress: silentProgress }, async (s) => {
      await s.udpLoss({ pairs: [['a-h1-n1', 'b-h1-n1']], packets: 5000, pps: 2500 });
    });
    assert.is(r.status, 'ok', JSON.stringify(r.failures));
    const { rows } = await loadRun(r.resultsDir);
    const loss = rows.filter((x) => x.benchmark === 'udp-loss');
    assert.equal(loss.map((x) => `${x.src_node}>${x.dst_node} ${x.status}`).sort(), ['a-h1-n1>b-h1-n1 ok', 'b-h1-n1>a-h1-n1 ok']);
    // 5,000 datagrams at 2% lost: 100 expected; the binomial's 99.9% range is about 1.4%-2.6%. Wider bounds, for a busy machine.
    for (const x of loss) assert.ok(x.value! > 0.8 && x.value! < 4, `${x.src_node}>${x.dst_node}: ${x.value}% for 2% configured`);
    const html = readFileSync(r.reportPath!, 'utf8');
    assert.match(html, 'UDP loss per direction');
    assert.ok(!existsSync('/run/netns') || !readdirSync('/run/netns').some((n) => n.includes(r.runId)), 'namespaces left');
  });
}

test.run();
