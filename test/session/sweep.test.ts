import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultStore } from '../../measurements/store.js';
import { Journal } from '../../infra/journal.js';
import { ConfigError } from '../../infra/units.js';
import { silentProgress } from '../../infra/progress.js';
import { isCheckOnly } from '../../session/check.js';
import { readSweep, runSweep, type SweepOptions } from '../../session/sweep.js';
import { scenarioParams } from '../../session/params.js';
import type { SessionResult } from '../../session/session.js';
import { loadSweep } from '../../reports/sweep-report.js';
import { writeSweepRunReport } from '../../benchmarks/reports.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// The sweep's bookkeeping is under test; each point writes a small run of its own (constructed
// rows, not measurements) the way withTestbed would.
const tmp = mkdtempSync(join(tmpdir(), 'icb-sweep-'));
test.before(() => {
  process.env.ICBENCH_STATE_DIR = join(tmp, 'state');
});

function opts(ran: number[], stopAt: number | null, extra: Partial<SweepOptions<number>> = {}): SweepOptions<number> {
  return {
    scenario: 'hokudai-scale',
    resultsRoot: join(tmp, 'results'),
    points: [3, 6, 12],
    key: String,
    params: { 'rows-per-node': 1000, sizes: [3, 6, 12] },
    fixed: ['rows-per-node'],
    progress: silentProgress,
    runPoint: async (n, o): Promise<SessionResult> => {
      // As withTestbed does: while the sweep checks its points, a point only resolves and returns.
      if (isCheckOnly()) return { runId: 'check', resultsDir: o.resultsDir, reportPath: null, status: 'ok', failures: [] };
      ran.push(n);
      const store = new ResultStore(o.resultsDir, o.runId);
      store.writeMeta({ ...sampleMeta(), run_id: o.runId, scenario: 'hokudai-scale', status: n === stopAt ? 'interrupted' : 'ok' });
      const failing = failAt.has(n);
      if (failing) failAt.delete(n); // fails once, as a flaky point would
      store.add([
        {
          run_id: o.runId,
          scenario: 'hokudai-scale',
          benchmark: 'terasort',
          metric: 'terasort_throughput',
          value: failing ? null : n * 2,
          unit: 'MB/s',
          status: failing ? 'failed' : 'ok',
          reason: failing ? 'worker killed' : '',
          src_site: 'Hokudai',
          src_node: 'a',
          dst_site: 'Hokudai',
          dst_node: 'b',
          path: 'intra-site',
          virt: 'netns',
          nodes: n,
          repetition: 1,
          started_at: '2026-01-01T00:00:00Z',
          flags: '',
          params: {},
        },
      ]);
      return { runId: o.runId, resultsDir: store.dir, reportPath: null, status: n === stopAt ? 'interrupted' : 'ok', failures: [] };
    },
    ...extra,
  };
}

const failAt = new Set<number>();

test('a point whose samples failed is not done: resume runs it again', async () => {
  failAt.add(6);
  const ran: number[] = [];
  const first = await runSweep(opts(ran, null), writeSweepRunReport);
  assert.equal(ran, [3, 6, 12]);
  assert.is(first.status, 'failed');
  assert.equal(
    readSweep(first.sweepDir).points.map((p) => p.status),
    ['ok', 'failed', 'ok'],
  );
  const again: number[] = [];
  assert.is((await runSweep(opts(again, null, { resume: first.sweepDir }), writeSweepRunReport)).status, 'ok');
  assert.equal(again, [6]);
});

test('a sweep interrupted at a point keeps the finished ones; resume runs only the rest', async () => {
  const ran: number[] = [];
  const first = await runSweep(opts(ran, 6), writeSweepRunReport);
  assert.equal(ran, [3, 6]);
  assert.is(first.status, 'interrupted');
  assert.equal(
    readSweep(first.sweepDir).points.map((p) => p.status),
    ['ok', 'interrupted', 'pending'],
  );
  assert.ok(existsSync(join(first.sweepDir, 'report.html')), 'partial report written');

  const again: number[] = [];
  const second = await runSweep(opts(again, null, { resume: first.sweepDir }), writeSweepRunReport);
  assert.equal(again, [6, 12]);
  assert.is(second.status, 'ok');
  const { rows, meta } = await loadSweep(first.sweepDir);
  // The interrupted first attempt of point 6 is superseded by its rerun: one row per point.
  assert.equal(
    rows.map((r) => r.nodes).sort((a, b) => a - b),
    [3, 6, 12],
  );
  assert.is(meta.status, 'ok');
  assert.is(readSweep(first.sweepDir).points.find((p) => p.key === '6')?.attempts, 2);
});

test('resume refuses changed fixed parameters and unknown directories, before running anything', async () => {
  const ran: number[] = [];
  const s = await runSweep(opts(ran, 3), writeSweepRunReport);
  const o = opts(ran, null, { resume: s.sweepDir, params: { 'rows-per-node': 5, sizes: [3] } });
  try {
    await runSweep(o, writeSweepRunReport);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /--rows-per-node/);
  }
  try {
    await runSweep(opts(ran, null, { resume: join(tmp, 'nope') }), writeSweepRunReport);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /--resume.*sweep\.json/);
  }
  assert.equal(ran, [3]);
});

test('resume of a sweep made before a fixed option existed: it ran as the default does, so only the default resumes it', async () => {
  const ran: number[] = [];
  const s = await runSweep(opts(ran, 3), writeSweepRunReport); // its params have no 'tcp-cc'
  const defs = {
    'rows-per-node': { type: 'int', default: 1000, help: '' },
    'tcp-cc': { type: 'choice', default: 'system', choices: ['system', 'cubic'], help: '' },
  } as const;
  const fixed = ['rows-per-node', 'tcp-cc'];
  const given = (argv: string[]) => scenarioParams('file:///x.mjs', '', defs, argv);
  try {
    await runSweep(opts(ran, null, { resume: s.sweepDir, params: given(['--tcp-cc', 'cubic']), fixed }), writeSweepRunReport);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /^--tcp-cc: expected the sweep's own value "system" when resuming/);
  }
  assert.equal(ran, [3]);
  await runSweep(opts(ran, null, { resume: s.sweepDir, params: given([]), fixed }), writeSweepRunReport);
  assert.equal(ran, [3, 3, 6, 12], 'resumed with the default');
});

test('a point killed with -9 (journal left behind) is cleaned before it runs again', async () => {
  const ran: number[] = [];
  const s = await runSweep(opts(ran, 3), writeSweepRunReport);
  const state = JSON.parse(readFileSync(join(s.sweepDir, 'sweep.json'), 'utf8'));
  const killed = state.points[0].run_id as string;
  state.points[0].status = 'running'; // as left by kill -9
  writeFileSync(join(s.sweepDir, 'sweep.json'), JSON.stringify(state));
  const leftover = join(tmp, 'leftover-of-killed-point');
  mkdirSync(leftover);
  new Journal(killed).record({ kind: 'file', path: leftover });
  await runSweep(opts([], null, { resume: s.sweepDir }), writeSweepRunReport);
  assert.not.ok(existsSync(leftover), 'journaled file of the killed point removed');
  assert.not.ok(existsSync(join(process.env.ICBENCH_STATE_DIR!, `${killed}.journal`)));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
