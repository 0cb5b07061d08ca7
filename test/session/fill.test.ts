/**
 * icbench fill's checks (session/cells-run.ts): which run folders can be filled, what is refused
 * (another harness, another parameter) before anything is created, and what run.json says after
 * a fill (the run's own record kept, the fill in fills[], the status once every cell is ok).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleMeta } from '../../fixtures/sample-run.js';
import { appendLedger } from '../../measurements/ledger.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { ConfigError } from '../../infra/units.js';
import { Cells } from '../../runners/cells.js';
import { checkComparable, clearRunLeftovers, loadFillTarget, lostHostLeftovers, mergeFill, settleCells } from '../../session/cells-run.js';
import { Journal } from '../../infra/journal.js';
import { silentProgress } from '../../infra/progress.js';

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

test('teardown: what an unreachable host of a lost node kept is a `nodes` failure, not a failed teardown; other leftovers stay', () => {
  const nodes = [
    { name: 'a-n1', host: 'a' },
    { name: 'b-n1', host: 'b' },
    { name: 'c-n1', host: 'c' },
  ];
  const down = {
    left: ['b: unreachable (connection refused)', 'c: unreachable (no route to host)', 'a: netns icb-x-a-n1'],
    unreachable: [
      { host: 'b', error: 'connection refused', what: 'b: unreachable (connection refused)' },
      { host: 'c', error: 'no route to host', what: 'c: unreachable (no route to host)' },
    ],
  };
  const r = lostHostLeftovers(down, ['b-n1'], nodes, '20261207-010203-abcd');
  // c is unreachable but none of its nodes was lost (the loss was not seen during the run): a teardown failure as before.
  assert.equal(r.left, ['c: unreachable (no route to host)', 'a: netns icb-x-a-n1']);
  assert.is(r.lost?.stage, 'nodes');
  assert.match(r.lost?.error ?? '', /^b: unreachable \(connection refused\); .*stays journaled: icbench clean 20261207-010203-abcd once the host is back/);
  assert.equal(lostHostLeftovers({ left: ['a: x'] }, ['b-n1'], nodes, 'r'), { left: ['a: x'], lost: null });
  assert.equal(lostHostLeftovers(down, [], nodes, 'r'), { left: down.left, lost: null });
});

test('a fill first removes what the run still has journaled; refused, nothing created, when some of it cannot be removed', async () => {
  const state = mkdtempSync(join(tmpdir(), 'icb-fill-state-'));
  const env = process.env.ICBENCH_STATE_DIR;
  process.env.ICBENCH_STATE_DIR = state;
  try {
    const runId = '20261207-010203-abcd';
    await clearRunLeftovers(runId, silentProgress); // no journal: nothing to do
    const work = join(state, `${runId}.d`);
    mkdirSync(work);
    const j = new Journal(runId);
    j.record({ kind: 'run', runId, scenario: 's', resultsDir: '/nonexistent', pid: process.pid, at: 't' }, { kind: 'file', path: work });
    await clearRunLeftovers(runId, silentProgress);
    assert.not.ok(existsSync(work), 'the journaled dir removed');
    assert.not.ok(existsSync(j.path), 'the journal removed');
    // A real host that cannot be reached (here: its inventory is gone): the fill stops, the journal stays.
    const j2 = new Journal(runId);
    j2.record(
      { kind: 'run', runId, scenario: 's', resultsDir: '/nonexistent', pid: process.pid, at: 't' },
      { kind: 'remote', inventory: join(state, 'gone.yaml'), hosts: ['h1'] },
    );
    let err: Error | null = null;
    try {
      await clearRunLeftovers(runId, silentProgress);
    } catch (e) {
      err = e as Error;
    }
    assert.match(err?.message ?? '', /still has resources that cannot be removed.*h1: host unreachable.*nothing was created/);
    assert.ok(existsSync(j2.path), 'journal kept');
    j2.remove();
  } finally {
    if (env === undefined) delete process.env.ICBENCH_STATE_DIR;
    else process.env.ICBENCH_STATE_DIR = env;
    rmSync(state, { recursive: true, force: true });
  }
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
