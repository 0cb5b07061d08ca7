/**
 * Cells and lost nodes (runners/cells.ts, measurements/ledger.ts): the gate in front of each
 * sample. Nodes are real command channels: a live one runs `true` on this machine, a gone one is
 * nsenter into a network namespace that does not exist (the channel of a netns node whose
 * namespace was deleted), so the probe's failure is a real one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inCell, missingIfLost } from '../../runners/cells.js';
import type { BenchNode, RunContext } from '../../runners/context.js';
import { cellKey, coverageOf, LEDGER_FILE, latestCells, readLedger } from '../../measurements/ledger.js';
import type { Measurement } from '../../measurements/measurement.js';
import { parseMeasurements } from '../../measurements/reader.js';
import { cellsBench, pairOf, pingSample } from '../helpers/cells.js';
import type { Pair } from '../../runners/pairs.js';
import { coverageSectionFrom } from '../../reports/coverage.js';

const live = (name: string, site: string): BenchNode =>
  ({ name, site, host: `${site}-h1`, virt: 'netns', address: '10.0.0.1', exec: { where: `local ${name}`, wrap: (a: string[]) => a } }) as BenchNode;
const gone = (name: string, site: string): BenchNode =>
  ({
    name,
    site,
    host: `${site}-h1`,
    virt: 'netns',
    address: '10.0.0.2',
    exec: { where: `netns icb-none-${name}`, wrap: (a: string[]) => ['nsenter', `--net=/run/netns/icb-none-${name}-${process.pid}`, '--', ...a] },
  }) as BenchNode;

const setup = (done: Set<string> | null = null, attempt = 1) => cellsBench({ attempt, incarnations: new Map(), done });
const sample = (ctx: RunContext, p: Pair<BenchNode>, ok: boolean): Measurement[] => pingSample(ctx, p, ok, '100% loss');

test('a failed sample whose node does not answer its channel: node lost, cell missing; its later cells missing without running; others ok', async () => {
  const { root, store, cells, ctx } = setup();
  const a = live('a', 'A'),
    b = live('b', 'B'),
    x = gone('x', 'B');
  let ran = 0;
  const m = (ok: boolean) => async (c: RunContext) => {
    ran++;
    return sample(c, pairOf(a, x), ok);
  };
  assert.ok(await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, b), repetition: 1 }, async (c) => sample(c, pairOf(a, b), true)));
  const rows = await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, x), repetition: 1 }, m(false));
  assert.is(rows?.[0].status, 'failed', 'the rows of the sample in flight are kept');
  assert.is(cells.isLost('x')?.node, 'x');
  assert.match(cells.isLost('x')!.why, /icb-none-x/);
  assert.is(await inCell(ctx, { benchmark: 'ping', pair: pairOf(x, b), repetition: 1 }, m(true)), null);
  assert.is(ran, 1, 'a cell of a lost node is not run');
  const e = readLedger(store.dir);
  const latest = latestCells(e);
  assert.equal(
    latest.map((c) => `${c.src}>${c.dst} ${c.state}`),
    ['a>b ok', 'a>x missing', 'x>b missing'],
  );
  for (const c of latest.filter((y) => y.state === 'missing')) {
    assert.is(c.node, 'x');
    assert.match(c.reason ?? '', /^node x lost: /);
  }
  assert.is(e.filter((y) => y.type === 'lost').length, 1);
  // Rows carry the cell key and attempt, through the CSV.
  const csv = parseMeasurements(readFileSync(store.csvPath, 'utf8'), 'csv');
  assert.equal(
    csv.map((r) => [r.cell, r.cell_attempt]),
    [
      [cellKey({ benchmark: 'ping', src: 'a', dst: 'b', repetition: 1, params: {} }), 1],
      [cellKey({ benchmark: 'ping', src: 'a', dst: 'x', repetition: 1, params: {} }), 1],
    ],
  );
  assert.equal(coverageOf(e).missing, 2);
  rmSync(root, { recursive: true, force: true });
});

test('a failed sample between live nodes is failed with its reason, not missing; a cluster cell with a lost member is missing', async () => {
  const { root, store, cells, ctx } = setup();
  const a = live('a', 'A'),
    b = live('b', 'B');
  await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, b), repetition: 1, params: { script: 's' } }, async (c) => sample(c, pairOf(a, b), false));
  assert.equal(cells.lostNodes(), []);
  const [c] = latestCells(readLedger(store.dir));
  assert.is(c.state, 'failed');
  assert.is(c.reason, '100% loss');
  assert.equal(c.params, { script: 's' });
  cells.markLost('b', 'gone for the test');
  assert.ok(missingIfLost(ctx, { benchmark: 'terasort', pair: pairOf(a, a), repetition: 1 }, [a, b]));
  assert.not.ok(missingIfLost(ctx, { benchmark: 'terasort', pair: pairOf(a, a), repetition: 2 }, [a]));
  rmSync(root, { recursive: true, force: true });
});

test('a fill runs every cell not ok before (also one the ledger never saw); the ok ones are skipped, not rewritten', async () => {
  const a = live('a', 'A'),
    b = live('b', 'B');
  const want = cellKey({ benchmark: 'ping', src: 'b', dst: 'a', repetition: 1, params: {} });
  const ok = cellKey({ benchmark: 'ping', src: 'a', dst: 'b', repetition: 1, params: {} });
  const { root, store, cells, ctx } = setup(new Set([ok]), 2);
  assert.is(await inCell(ctx, { benchmark: 'ping', pair: pairOf(a, b), repetition: 1 }, async () => assert.unreachable('not to fill') as never), null);
  const rows = await inCell(ctx, { benchmark: 'ping', pair: pairOf(b, a), repetition: 1 }, async (c) => sample(c, pairOf(b, a), true));
  assert.is(rows?.[0].cell_attempt, 2);
  assert.is(cells.skipped, 1);
  assert.equal(
    latestCells(readLedger(store.dir)).map((c) => [c.key, c.attempt, c.state]),
    [[want, 2, 'ok']],
  );
  rmSync(root, { recursive: true, force: true });
});

test('ledger: a torn last line is dropped, a bad line before the end is an error; coverage section escapes and marks holes and fills', () => {
  const { root, store, cells, ctx } = setup();
  void ctx;
  cells.markLost('<b>', 'why <script>');
  cells.write({ benchmark: 'ping', src: 'a', dst: '<b>', repetition: 1, params: {} }, 'k1', 'missing', { node: '<b>', reason: 'node <b> lost' });
  cells.write({ benchmark: 'ping', src: 'a', dst: 'c', repetition: 1, params: {} }, 'k2', 'ok');
  appendFileSync(join(store.dir, LEDGER_FILE), '{"type":"cell","att');
  const e = readLedger(store.dir);
  assert.is(e.length, 3);
  const html = coverageSectionFrom(e, [])!.html!;
  assert.match(html, /HOLE/);
  assert.not.match(html, /<script>/);
  assert.match(html, /&lt;b&gt;/);
  appendFileSync(join(store.dir, LEDGER_FILE), '\n{"type":"attempt","attempt":2,"kind":"fill","at":"x","harness":"h"}\n');
  assert.throws(() => readLedger(store.dir), /ledger\.jsonl:4: not a JSON object/);
  rmSync(root, { recursive: true, force: true });
});

test.run();
