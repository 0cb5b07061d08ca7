/**
 * --dry-run: the plan from the check pass, printed, and nothing created (no netns, no journal or
 * other state file, no results folder); progress lines with "benchmark k of n" and the time left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Progress } from '../../infra/progress.js';
import { scenarioParams } from '../../session/params.js';
import { humanDuration, newPlan, planProgress } from '../../session/plan.js';
import { withTestbed } from '../../session/session.js';
import { runScenario } from '../helpers/scenario.js';
import { capturingStdout } from '../helpers/stdout.js';

const netns = () => {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return '';
  }
};

test('withTestbed --dry-run: the plan in order (pairs by node name, WAN changes), nothing created, status ok', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'icb-dry-'));
  const results = join(tmp, 'results-not-made');
  const state = join(tmp, 'state-not-made');
  const before = process.env.ICBENCH_STATE_DIR;
  process.env.ICBENCH_STATE_DIR = state;
  const p = scenarioParams('file:///x/s.mjs', 'd', { results: { type: 'string', default: results, help: 'r' } }, ['--dry-run']);
  assert.is(p['dry-run'], true);
  const ns = netns();
  let captured;
  try {
    captured = await capturingStdout(() =>
      withTestbed(
        {
          config: {
            scenario: 'dry',
            sites: [
              { name: 'A', lan: '1Gbit', hosts: 2, nodesPerHost: 1, virt: 'netns' },
              { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: 'netns' },
            ],
            wan: { rate: '100Mbit', rtt: '20ms' },
            resultsDir: results,
          },
          params: p,
        },
        async (s) => {
          await s.iperf3({ pairs: [['a-h1-n1', 'b-h1-n2']], durationS: 3, repetitions: 2 });
          await s.ping({ pairs: 'all', count: 10, intervalS: 0.1 });
          await s.withWanRtt('40ms', () => s.pgbench({ clients: 2, durationS: 4, scripts: ['select-only'] }));
          await s.loadLatency({ pairs: [['a-h1-n1', 'b-h1-n1']], count: 20, intervalS: 0.05 });
        },
      ),
    );
  } finally {
    if (before === undefined) delete process.env.ICBENCH_STATE_DIR;
    else process.env.ICBENCH_STATE_DIR = before;
  }
  const { result: r, out } = captured;
  assert.is(r.status, 'ok');
  assert.is(r.reportPath, null);
  assert.equal(
    r.plan!.benchmarks.map((b) => b.call),
    ['iperf3', 'ping', 'pgbench', 'loadLatency'],
  );
  assert.equal(r.plan!.benchmarks[0].pairs, [{ src: 'a-h1-n1', dst: 'b-h1-n2', path: 'inter-site' }]);
  assert.is(r.plan!.benchmarks[0].samples, 2);
  assert.is(r.plan!.benchmarks[1].samples, 12); // 4 nodes: 12 ordered pairs
  assert.is(r.plan!.benchmarks[2].wanRtt, '40ms');
  assert.equal(r.plan!.wanChanges, [{ rtt: '40ms' }]);
  assert.ok(r.plan!.totalS! > 0);
  // Printed in order, with the sites, nodes, WAN and an estimate.
  const order = ['1. iperf3', '2. ping', '3. pgbench (WAN RTT 40ms)', '4. load-latency'].map((x) => out.indexOf(x));
  assert.ok(
    order.every((x, i) => x >= 0 && (i === 0 || x > order[i - 1])),
    out,
  );
  assert.match(out, /A: LAN 1 Gbit\/s, 2 hosts, 2 nodes/);
  assert.match(out, /a-h1-n1 -> b-h1-n2 \(inter-site\)/);
  assert.match(out, /A <-> B: 100 Mbit\/s, RTT 20 ms/);
  assert.match(out, /estimate: about \d/);
  assert.not.ok(existsSync(results), 'no results folder');
  assert.not.ok(existsSync(state), 'no state dir (no journal)');
  assert.is(netns(), ns, 'no network namespace');
  rmSync(tmp, { recursive: true, force: true });
});

test('a bad option still fails the dry run before anything, as in a real run', async () => {
  const p = scenarioParams('file:///x/s.mjs', 'd', {}, ['--dry-run']);
  let err: Error | null = null;
  try {
    await withTestbed(
      { config: { scenario: 'dry', sites: [{ name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 }], wan: [], resultsDir: '/tmp/x-not-made' }, params: p },
      async (s) => {
        await s.iperf3({ pairs: [['a-h1-n1', 'nowhere']], durationS: 1 });
      },
    );
  } catch (e) {
    err = e as Error;
  }
  assert.match(String(err), /iperf3\.pairs\[0\]\[1\]: expected one of the testbed's nodes/);
  assert.not.ok(existsSync('/tmp/x-not-made'));
});

test('the scenarios print their plan with --dry-run and create nothing (run as a user would, through zx)', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'icb-dry-'));
  const results = join(tmp, 'results');
  const state = join(tmp, 'state');
  const ns = netns();
  const r = await runScenario('hokudai-nii.mjs', ['--dry-run', '--virt', 'netns'], { results, state });
  assert.is(r.code, 0, r.out);
  const order = ['1. iperf3', '2. ping', '3. load-latency', '4. pgbench', '5. terasort', '6. terasort'].map((x) => r.out.indexOf(x));
  assert.ok(
    order.every((x, i) => x >= 0 && (i === 0 || x > order[i - 1])),
    r.out,
  );
  assert.match(r.out, /NII <-> Hokudai: 1 Gbit\/s, RTT 20 ms/);
  assert.match(r.out, /estimate: about/);
  const sweep = await runScenario('hokudai-scale.mjs', ['--dry-run', '--sizes', '3,6'], { results, state });
  assert.is(sweep.code, 0, sweep.out);
  assert.match(sweep.out, /point 1 of 2: 3[\s\S]*1\. terasort[\s\S]*point 2 of 2: 6[\s\S]*sweep estimate: about/);
  // The elastic stream is planned too (progress counts it as benchmark 1 of 1, not "0 planned").
  const el = await runScenario('hadoop-elastic.mjs', ['--dry-run'], { results, state });
  assert.is(el.code, 0, el.out);
  assert.match(el.out, /1\. hadoop-elastic[\s\S]*a-h1-n1 -> b-h1-n6 \(inter-site\)/);
  assert.match(el.out, /workers grow 3 -> 9, one every 60 s \(about 6 jobs\)/);
  assert.not.ok(existsSync(results), `no results folder: ${existsSync(results) ? readdirSync(results) : ''}`);
  assert.not.ok(existsSync(state), 'no state dir');
  assert.is(netns(), ns, 'no network namespace');
  rmSync(tmp, { recursive: true, force: true });
});

test('progress: "benchmark k of n" and the time left, scaled by the real elapsed time', async () => {
  const plan = newPlan();
  const b = (call: string, estimateS: number) => ({ call, benchmark: call, pairs: [], repetitions: 1, samples: 2, detail: '', estimateS });
  plan.benchmarks.push(b('iperf3', 20), b('ping', 10));
  let t = 0;
  const lines: string[] = [];
  const sink: Progress = { stage: (n, d) => lines.push(`${n}: ${d}`), step: (s, i, n, d) => lines.push(`[${s}] ${i}/${n} ${d}`), info() {}, warn() {} };
  const { progress, wrap } = planProgress(sink, plan, () => t);
  const calls = wrap({
    iperf3: async () => {
      progress.stage('iperf3', 'start');
      t += 20_000; // the first of 2 steps took 20 s: 20 s more expected
      progress.step('iperf3', 1, 2, 'x');
      t += 20_000;
    },
    ping: async () => {
      progress.stage('ping', 'start');
      progress.step('ping', 1, 2, 'y');
    },
  });
  await calls.iperf3();
  await calls.ping();
  assert.match(lines[0], /\[benchmark 1 of 2, about 30 s left\]/); // nothing measured yet: the plan's 20 + 10
  assert.match(lines[1], /\[benchmark 1 of 2, about 30 s left\]/); // 20 s more for iperf3 (from its steps), 10 s for ping
  // iperf3 took 40 s against 20 s planned: ping's 10 s now count as 20 s (before its first step).
  assert.match(lines[2], /\[benchmark 2 of 2, about 20 s left\]/);
  assert.match(lines[3], /\[benchmark 2 of 2, about 0 s left\]/); // half of ping done in no time
  assert.is(humanDuration(190), '3 min 10 s');
  assert.is(humanDuration(3700), '1 h 02 min');
});

test.run();
