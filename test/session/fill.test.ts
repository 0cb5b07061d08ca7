/**
 * icbench fill's checks (session/cells-run.ts): which run folders can be filled, what is refused
 * (another harness, another parameter) before anything is created, and what run.json says after
 * a fill (the run's own record kept, the fill in fills[], the status once every cell is ok).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleMeta } from '../../fixtures/sample-run.js';
import { appendLedger } from '../../measurements/ledger.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { ConfigError } from '../../infra/units.js';
import { Cells } from '../../runners/cells.js';
import { checkComparable, loadFillTarget, mergeFill, settleCells } from '../../session/cells-run.js';

const HARNESS = { name: 'intercloud-bench', version: '0.1.0', commit: 'abc' };

function runDir(meta: Partial<RunMeta>, cells: [string, 'ok' | 'missing'][]): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'icb-fill-'));
  const m = { ...sampleMeta(), ...meta };
  const dir = join(root, m.run_id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
  appendLedger(dir, { type: 'attempt', attempt: 1, kind: 'run', at: 't', harness: 'h' });
  for (const [key, state] of cells)
    appendLedger(dir, {
      type: 'cell',
      attempt: 1,
      key,
      benchmark: 'ping',
      src: 'a',
      dst: 'b',
      repetition: 1,
      params: {},
      state,
      lineage: ['a@1', 'b@1'],
      at: 't',
      ...(state === 'missing' ? { node: 'b', reason: 'node b lost: x' } : {}),
    });
  return { root, dir };
}

const refused = (f: () => void, field: RegExp) => {
  try {
    f();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as ConfigError).field, field);
    return;
  }
  assert.unreachable('expected a ConfigError');
};

test('a run with a missing cell is fillable as attempt 2 with just that cell to do; without a ledger it is refused', () => {
  const { root, dir } = runDir({ status: 'degraded', harness: HARNESS, params: { duration: 1 } }, [
    ['k1', 'ok'],
    ['k2', 'missing'],
  ]);
  const t = loadFillTarget(dir);
  assert.equal([...t.todo], ['k2']);
  assert.is(t.attempt, 2);
  rmSync(join(dir, 'ledger.jsonl'));
  refused(() => loadFillTarget(dir, '<run>'), /<run>/);
  refused(() => loadFillTarget(join(root, 'nope'), '<run>'), /<run>/);
  rmSync(root, { recursive: true, force: true });
});

test('refused when the harness or a parameter differs (the option is named); testbed timings do not count', () => {
  const { root, dir } = runDir({ status: 'degraded', harness: HARNESS, params: { duration: 1, testbed_up_ms: 5 } }, [['k2', 'missing']]);
  const t = loadFillTarget(dir);
  checkComparable(t, { duration: 1 }, HARNESS);
  refused(() => checkComparable(t, { duration: 2 }, HARNESS), /^--duration$/);
  refused(() => checkComparable(t, { duration: 1, pairs: 'all' }, HARNESS), /^--pairs$/);
  refused(() => checkComparable(t, { duration: 1 }, { ...HARNESS, commit: 'def' }), /ICBENCH_FILL/);
  rmSync(root, { recursive: true, force: true });
});

test('after a fill that completes the cells, a run degraded only by its lost node is ok; the fill is in fills[]', () => {
  const { root, dir } = runDir({ status: 'degraded', harness: HARNESS, failures: [{ stage: 'nodes', what: '1 node(s) lost', error: 'b lost' }] }, [
    ['k2', 'missing'],
  ]);
  const t = loadFillTarget(dir);
  const cells = new Cells({ runDir: dir, attempt: 2, incarnations: new Map(), done: t.done });
  const own = { ...sampleMeta(), status: 'ok' as const, started_at: 's', ended_at: 'e' };
  const before = mergeFill(t, own, dir, cells);
  assert.is(before.status, 'degraded', 'still a hole');
  assert.is(before.fills?.[0].attempt, 2);
  cells.write({ benchmark: 'ping', src: 'a', dst: 'b', repetition: 1, params: {} }, 'k2', 'ok');
  const after = mergeFill(t, own, dir, cells);
  assert.is(after.status, 'ok');
  assert.equal(after.failures, []);
  assert.equal([after.coverage?.ok, after.coverage?.missing, after.coverage?.attempts], [1, 0, 2]);
  assert.equal([after.fills?.[0].ok, after.fills?.[0].todo], [1, 1]);
  assert.is(after.run_id, t.meta.run_id);
  rmSync(root, { recursive: true, force: true });
});

test('settle: a cell missing while its node answers (a Hadoop NodeManager LOST) degrades the run and is named, with no node lost', () => {
  const root = mkdtempSync(join(tmpdir(), 'icb-settle-'));
  const cells = new Cells({ runDir: root, attempt: 1, incarnations: new Map(), done: null });
  const why = 'the ResourceManager declared the NodeManager of n2 LOST during terasort (rep 1)';
  cells.write({ benchmark: 'terasort', src: 'n1', dst: 'n2', repetition: 1, params: {} }, 'k1', 'ok');
  cells.write({ benchmark: 'terasort', src: 'n1', dst: 'n2', repetition: 2, params: {} }, 'k2', 'missing', { node: 'n2', when: 't', reason: why });
  const meta = { ...sampleMeta(), status: 'ok' as const, failures: [] };
  settleCells(meta, cells, root);
  assert.is(meta.status, 'degraded');
  assert.equal(meta.failures, [{ stage: 'nodes', what: '1 cell(s) missing', error: `${why}; 1 cell(s) missing (icbench fill ${meta.run_id} runs them)` }]);
  assert.equal([meta.coverage?.cells, meta.coverage?.ok, meta.coverage?.missing], [2, 1, 1]);
  rmSync(root, { recursive: true, force: true });
});

test.run();
