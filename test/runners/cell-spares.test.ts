/**
 * Spares (--spares, runners/cell-book.ts) and the cells of load-latency, http, udp-loss,
 * vm-migration and hadoop-elastic. Nodes are real command channels, as in cells.test.ts: a live one
 * runs `true` on this machine, a gone one is nsenter into a network namespace that does not exist.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { inCell, type CellSpec } from '../../runners/cells.js';
import type { BenchNode, RunContext } from '../../runners/context.js';
import { cellKey, coverageLine, coverageOf, latestCells, readLedger } from '../../measurements/ledger.js';
import type { Measurement } from '../../measurements/measurement.js';
import { cellsBench, pairOf, pingSample } from '../helpers/cells.js';
import type { Pair } from '../../runners/pairs.js';
import { cellIdOf } from '../../runners/cells.js';
import { loadLatencyCell } from '../../runners/load-latency.js';
import { udpLossCell } from '../../runners/udp-loss-run.js';
import { httpCell } from '../../runners/http.js';
import { migrationCell } from '../../runners/vm-migration.js';
import { elasticCell } from '../../runners/hadoop-elastic.js';
import { coverageSectionFrom } from '../../reports/coverage.js';
import { settleCells } from '../../session/cells-run.js';
import { sampleMeta } from '../../fixtures/sample-run.js';
import type { RunMeta } from '../../measurements/run-meta.js';

const node = (name: string, site: string, host: string, alive: boolean, spare = false): BenchNode =>
  ({
    name,
    site,
    host,
    virt: 'netns',
    address: '10.0.0.1',
    ...(spare ? { spare: true } : {}),
    exec: alive
      ? { where: `local ${name}`, wrap: (a: string[]) => a }
      : { where: `netns icb-none-${name}`, wrap: (a: string[]) => ['nsenter', `--net=/run/netns/icb-none-${name}-${process.pid}`, '--', ...a] },
  }) as BenchNode;

function setup(spares: BenchNode[]) {
  const incarnations = new Map(spares.map((s) => [s.name, { id: `${s.name}@1`, node: s.name, started_at: 't', event: 'spare' }]));
  return cellsBench({ attempt: 1, incarnations, done: null, spares }, 'icb-spares-');
}
/** A sample whose outcome is what its nodes' channels say: ok only when both run `true`. */
const sample = (ctx: RunContext, p: Pair<BenchNode>, ok: boolean): Measurement[] => pingSample(ctx, p, ok, 'no reply');
const alive = (n: BenchNode) => !n.exec.where.startsWith('netns icb-none');

test('a lost node hands its role to a spare of its site (same host first): the cell in flight runs again there, later cells run there; nothing missing', async () => {
  const a = node('a', 'A', 'a-h1', true),
    x = node('x', 'B', 'b-h2', false);
  const otherSite = node('a-h1-s1', 'A', 'a-h1', true, true),
    farSpare = node('b-h1-s1', 'B', 'b-h1', true, true),
    nearSpare = node('b-h2-s1', 'B', 'b-h2', true, true);
  const { root, store, cells, ctx } = setup([otherSite, farSpare, nearSpare]);
  const seen: string[] = [];
  const m = async (c: RunContext, at: { pair: Pair<BenchNode> }) => {
    seen.push(`${at.pair.src.name}>${at.pair.dst.name} ${at.pair.path}`);
    return sample(c, at.pair, alive(at.pair.src) && alive(at.pair.dst));
  };
  const rows = await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, x), repetition: 1 }, m);
  assert.equal(
    rows?.map((r) => `${r.dst_node} ${r.status}`),
    ['x failed', 'b-h2-s1 ok'],
    'the failed try is kept, then the spare measured it',
  );
  await inCell(ctx, { benchmark: 'ping', pair: pairOf(x, a), repetition: 1 }, m);
  assert.equal(seen, ['a>x inter-site', 'a>b-h2-s1 inter-site', 'b-h2-s1>a inter-site'], 'the spare on the lost node host, not the other site one');
  const e = readLedger(store.dir);
  assert.equal(
    e.filter((y) => y.type === 'stand-in').map((y) => (y.type === 'stand-in' ? `${y.node}->${y.spare} ${y.incarnation}` : '')),
    ['x->b-h2-s1 b-h2-s1@1'],
  );
  const latest = latestCells(e);
  assert.equal(
    latest.map((c) => `${c.key} ${c.state} ${c.lineage.join('+')} ${JSON.stringify(c.stand_in)}`),
    ['ping|a>x|r1| ok a@1+b-h2-s1@1 {"x":"b-h2-s1"}', 'ping|x>a|r1| ok b-h2-s1@1+a@1 {"x":"b-h2-s1"}'],
  );
  const cov = coverageOf(e);
  assert.is(cov.missing, 0);
  assert.equal(
    cov.stand_ins?.map((s) => `${s.node}->${s.spare}`),
    ['x->b-h2-s1'],
  );
  assert.match(coverageLine(cov), /x's role moved to spare b-h2-s1/);
  assert.match(coverageSectionFrom(e, rows ?? [])!.html!, /b-h2-s1 for x/);
  // Every cell measured: the run is not degraded by a lost node whose role a spare took.
  const meta: RunMeta = { ...sampleMeta(), status: 'ok', failures: [] };
  settleCells(meta, cells, store.dir);
  assert.is(meta.status, 'ok');
  assert.equal(meta.coverage?.stand_ins?.[0].spare, 'b-h2-s1');
  rmSync(root, { recursive: true, force: true });
});

test('a spare lost in its turn hands the role on; with no spare of the site left the cells are missing; standIn false is missing at once', async () => {
  const a = node('a', 'A', 'a-h1', true),
    x = node('x', 'B', 'b-h1', false),
    y = node('y', 'B', 'b-h1', false);
  const s1 = node('b-h1-s1', 'B', 'b-h1', false, true),
    s2 = node('b-h1-s2', 'B', 'b-h1', true, true);
  const { root, store, cells, ctx } = setup([s1, s2]);
  let runs = 0;
  const m = async (c: RunContext, at: { pair: Pair<BenchNode> }) => {
    runs++;
    return sample(c, at.pair, alive(at.pair.src) && alive(at.pair.dst));
  };
  const rows = await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, x), repetition: 1 }, m);
  assert.is(runs, 3, 'on x, on the first spare (gone too), on the second');
  assert.equal(
    rows?.map((r) => `${r.dst_node} ${r.status}`),
    ['x failed', 'b-h1-s1 failed', 'b-h1-s2 ok'],
  );
  const st = cells.standing(x);
  assert.ok('node' in st && st.node.name === 'b-h1-s2' && st.for === 'x', JSON.stringify(st));
  // y is lost too, and no spare of B is left: its cells are missing.
  runs = 0;
  await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, y), repetition: 1 }, m);
  const yCell = latestCells(readLedger(store.dir)).find((c) => c.dst === 'y')!;
  assert.is(runs, 1, 'run once, then missing: no spare left');
  assert.is(yCell.state, 'missing');
  assert.is(yCell.node, 'y');
  // A cell that takes no stand-in (the VM a migration moves) is missing though x has one.
  runs = 0;
  assert.is(await inCell(ctx, { benchmark: 'vm-migration', pair: pairOf(x, a), repetition: 1, standIn: false }, m), null);
  assert.is(runs, 0);
  const meta: RunMeta = { ...sampleMeta(), status: 'ok', failures: [] };
  settleCells(meta, cells, store.dir);
  assert.is(meta.status, 'degraded');
  assert.match(meta.failures[0].error, /y at/);
  rmSync(root, { recursive: true, force: true });
});

test('probeAfter: a cluster cell whose rows are ok but whose member is gone afterwards is missing (again: false: not run on a spare); probe: only those nodes', async () => {
  const m0 = node('m', 'A', 'a-h1', true),
    w1 = node('w1', 'A', 'a-h1', true),
    w2 = node('w2', 'A', 'a-h1', false);
  const { root, store, ctx } = setup([node('a-h1-s1', 'A', 'a-h1', true, true)]);
  let runs = 0;
  const spec: CellSpec = { benchmark: 'hadoop-elastic', pair: pairOf(m0, w2), repetition: 1, members: [m0, w1, w2], probeAfter: true, again: false };
  const rows = await inCell(ctx, spec, async (c) => {
    runs++;
    return sample(c, pairOf(m0, w1), true);
  });
  assert.is(runs, 1);
  assert.is(rows?.[0].status, 'ok', 'the rows are kept');
  const [c] = latestCells(readLedger(store.dir));
  assert.is(c.state, 'missing');
  assert.is(c.node, 'w2');
  // A failed cell whose only gone node is left out of `probe` is failed, not missing.
  const v = node('vm', 'A', 'a-h1', false);
  await inCell(ctx, { benchmark: 'vm-migration', pair: pairOf(v, m0), repetition: 1, standIn: false, probe: [m0] }, async (cc) =>
    sample(cc, pairOf(v, m0), false),
  );
  const mig = latestCells(readLedger(store.dir)).find((x) => x.benchmark === 'vm-migration')!;
  assert.is(mig.state, 'failed');
  assert.is(mig.reason, 'no reply');
  rmSync(root, { recursive: true, force: true });
});

test('cell keys of load-latency, udp-loss, http, vm-migration and hadoop-elastic: stable, one per sample, parameters that make another cell', () => {
  const a = node('nii-h1-n1', 'NII', 'nii-h1', true),
    b = node('hokudai-h1-n2', 'Hokudai', 'hokudai-h1', true),
    c = node('hokudai-h2-n1', 'Hokudai', 'hokudai-h2', true);
  const p = pairOf(a, b);
  const key = (s: CellSpec, params = {}) => cellKey(cellIdOf({ params }, s));
  assert.is(key(loadLatencyCell({ benchmark: 'load-latency' }, p, 2)), 'load-latency|nii-h1-n1>hokudai-h1-n2|r2|');
  assert.is(key(udpLossCell({ benchmark: 'udp-loss' }, p, 1), { rtt_ms: 20 }), 'udp-loss|nii-h1-n1>hokudai-h1-n2|r1|{"rtt_ms":20}');
  assert.is(key(httpCell({ benchmark: 'http' }, 'busybox', { p, rep: 1, size: 1024 })), 'http|nii-h1-n1>hokudai-h1-n2|r1|{"server":"busybox","size":1024}');
  assert.is(key(migrationCell({ to: 'hokudai-h1' }, a, c, 256, 2)), 'vm-migration|nii-h1-n1>hokudai-h2-n1|r2|{"mem_mib":256,"to_host":"hokudai-h1"}');
  const e = elasticCell([a, b, c], { rows: 1000, initialWorkers: 1 });
  assert.is(key(e), 'hadoop-elastic|nii-h1-n1>hokudai-h2-n1|r1|{"engine":"hadoop","initial_workers":1,"rows":1000,"workers":2}');
  assert.equal(e.members, [a, b, c]);
  assert.ok(e.probeAfter && e.again === false);
  assert.is(migrationCell({ to: 'x' }, a, c, 256, 1).standIn, false);
  // One cell per http sample: servers x sizes x repetitions are all different keys.
  const keys = new Set<string>();
  for (const kind of ['nginx', 'busybox'] as const)
    for (const size of [1024, 1048576]) for (const rep of [1, 2]) keys.add(key(httpCell({ benchmark: 'http' }, kind, { p, rep, size })));
  assert.is(keys.size, 8);
});

test.run();
