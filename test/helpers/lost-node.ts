/**
 * What the lost-node cases (issue 28) check of a run that lost a node, and of its fill: shared by
 * test/integration/lost-node.test.ts (lab nodes) and remote-hadoop.test.ts (a real host's sshd).
 */
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { latestCells, readLedger } from '../../measurements/ledger.js';
import { loadRun } from '../../measurements/reader.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { runCli } from './cli.js';

/** Status ok, or degraded only by validation (this machine under load may miss a WAN profile). */
export const measuredInFull = (meta: RunMeta) => meta.status === 'ok' || (meta.status === 'degraded' && meta.failures.every((f) => f.stage === 'validation'));

/**
 * A run that lost `lost`: status degraded with a `nodes` failure naming it, every planned cell in the
 * ledger, every cell not touching it ok, its missing cells naming it with a reason (matching
 * `reason`) and a time, rows carrying their cell. Returns the run's meta.
 */
export async function checkLostRun(dir: string, o: { lost: string; cellsTotal: number; reason?: RegExp }): Promise<RunMeta> {
  const touches = (c: { src: string; dst: string }) => c.src === o.lost || c.dst === o.lost;
  const { meta, rows } = await loadRun(dir);
  assert.is(meta.status, 'degraded', JSON.stringify(meta.failures));
  assert.ok(
    meta.failures.some((f) => f.stage === 'nodes' && f.error.includes(o.lost)),
    JSON.stringify(meta.failures),
  );
  const cells = latestCells(readLedger(dir));
  assert.is(cells.length, o.cellsTotal, 'every planned cell is in the ledger');
  for (const c of cells.filter((x) => !touches(x))) assert.is(c.state, 'ok', `${c.key}: ${c.reason}`);
  const missing = cells.filter((c) => c.state === 'missing');
  assert.ok(missing.length >= 1, 'the lost node took cells with it');
  for (const c of missing) {
    assert.ok(touches(c), c.key);
    assert.is(c.node, o.lost);
    assert.match(c.reason ?? '', /lost/);
    if (o.reason) assert.match(c.reason ?? '', o.reason);
    assert.ok(c.when);
  }
  for (const c of cells.filter(touches)) assert.ok(c.state === 'ok' || c.state === 'missing', `${c.key}: ${c.state} ${c.reason}`);
  assert.ok(rows.filter((x) => x.cell).length > 0, 'rows carry their cell');
  return meta;
}

/**
 * Fills the run (`icbench fill <dir>` with ICBENCH_STATE_DIR=state); checks every cell ok, both
 * attempts in the ledger, attempt 2 ran exactly the holes on new incarnations, rows of attempt 2,
 * run.json (one fill, full coverage, status ok), report rewritten. Returns the fill's output.
 */
export async function fillAndCheck(dir: string, cellsTotal: number, state: string): Promise<string> {
  const before = latestCells(readLedger(dir)).filter((c) => c.state !== 'ok');
  const reportBefore = statSync(join(dir, 'report.html')).mtimeMs;
  const env = process.env.ICBENCH_STATE_DIR;
  process.env.ICBENCH_STATE_DIR = state;
  let r: Awaited<ReturnType<typeof runCli>>;
  try {
    r = await runCli(['fill', dir]);
  } finally {
    if (env === undefined) delete process.env.ICBENCH_STATE_DIR;
    else process.env.ICBENCH_STATE_DIR = env;
  }
  assert.is(r.code, 0, r.out + r.err);
  const entries = readLedger(dir);
  const cells = latestCells(entries);
  assert.is(cells.length, cellsTotal);
  assert.equal(
    cells.filter((c) => c.state !== 'ok').map((c) => `${c.key}: ${c.reason}`),
    [],
  );
  assert.equal(
    entries.filter((e) => e.type === 'attempt').map((e) => (e.type === 'attempt' ? `${e.attempt} ${e.kind}` : '')),
    ['1 run', '2 fill'],
  );
  // Attempt 2 ran exactly the cells that were not ok, on new incarnations.
  const second = entries.filter((e) => e.type === 'cell' && e.attempt === 2);
  assert.equal(second.map((e) => (e.type === 'cell' ? e.key : '')).sort(), before.map((c) => c.key).sort());
  for (const e of second)
    if (e.type === 'cell')
      assert.ok(
        e.lineage.every((l) => l.endsWith('@2')),
        e.lineage.join(),
      );
  const { meta, rows } = await loadRun(dir);
  assert.ok(measuredInFull(meta), `${meta.status}: ${JSON.stringify(meta.failures)}`);
  assert.is(meta.fills?.length, 1);
  assert.is(meta.coverage?.ok, cellsTotal);
  const filled = rows.filter((x) => x.cell_attempt === 2);
  assert.ok(filled.length > 0 && filled.every((x) => before.some((c) => c.key === x.cell)), 'rows of attempt 2 are the holes');
  assert.ok(statSync(join(dir, 'report.html')).mtimeMs > reportBefore, 'report rewritten');
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /Coverage: cells, holes and fills/);
  return r.out + r.err;
}
