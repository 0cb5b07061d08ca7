/**
 * A sweep resolves and checks every point (config and the body's check pass) before the first one
 * runs: a bad second point fails before anything is created, naming that point and the option.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capturingStdout } from '../helpers/stdout.js';
import { silentProgress } from '../../infra/progress.js';
import { ConfigError } from '../../infra/units.js';
import { scenarioParams } from '../../session/params.js';
import { withTestbed } from '../../session/session.js';
import { runSweep } from '../../session/sweep.js';
import { dryRunSweep } from '../../session/sweep-plan.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-sweep-check-'));
const state = join(tmp, 'state');
const results = join(tmp, 'results');
test.before(() => {
  process.env.ICBENCH_STATE_DIR = state;
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

// hokudai-scale in small: one testbed per cluster size, Teragen rows = size x --rows-per-node.
const DEFS = {
  sizes: { type: 'ints', default: '3,6', help: 'cluster sizes' },
  'rows-per-node': { type: 'int', default: 1000, help: 'rows per VM' },
  repetitions: { type: 'int', default: 1, help: 'runs per size' },
} as const;

async function scaleSweep(argv: string[], dry = false) {
  const p = scenarioParams('file:///x/scenarios/s.mjs', 'd', DEFS, dry ? [...argv, '--dry-run'] : argv);
  const ran: number[] = [];
  const o = {
    scenario: 'scale-check',
    resultsRoot: results,
    points: p.sizes,
    key: String,
    params: p,
    fixed: ['rows-per-node'],
    progress: silentProgress,
    runPoint: (size: number, r: { runId: string; resultsDir: string }) => {
      ran.push(size);
      return withTestbed(
        {
          config: {
            scenario: 'scale-check',
            runId: r.runId,
            resultsDir: r.resultsDir,
            sites: [{ name: 'A', lan: '1Gbit', hosts: size, nodesPerHost: 1, virt: 'netns' }],
          },
          params: { ...p, size },
          validate: false,
          report: false,
          progress: silentProgress,
        },
        async (s) => {
          await s.terasort({ cluster: { kind: 'all' }, rows: size * p['rows-per-node'], repetitions: p.repetitions });
        },
      );
    },
  };
  let err: unknown = null;
  try {
    await (dry ? dryRunSweep(o) : runSweep(o, async () => 'no report'));
  } catch (e) {
    err = e;
  }
  return { err, ran };
}

const nothingCreated = () => {
  assert.not.ok(existsSync(results), 'no sweep folder, no sweep.json');
  assert.not.ok(existsSync(state), 'no journal');
};

test('a bad second point (in the body: rows = size x --rows-per-node too many at size 6) fails before the first runs', async () => {
  // 3 x N rows are within the engine's limit (2^40), 6 x N are not.
  const n = String(Math.floor(2 ** 40 / 5));
  for (const dry of [false, true]) {
    const { err, ran } = await scaleSweep(['--sizes', '3,6', '--rows-per-node', n], dry);
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, /^sweep point 6: --rows-per-node: expected a whole number from 1 to 1099511627776, got 1319413953330$/);
    assert.equal(ran, [3, 6], 'each point checked once, none run');
    nothingCreated();
  }
});

test('a bad second point in the config (65 hosts at size 65) names the point and --sizes', async () => {
  const { err, ran } = await scaleSweep(['--sizes', '3,65']);
  assert.instance(err, ConfigError);
  assert.match((err as Error).message, /^sweep point 65: --sizes: expected a whole number from 1 to 64, got 65$/);
  assert.equal(ran, [3, 65]);
  nothingCreated();
});

test('the same options with good points pass the check (so the failures above are the points)', async () => {
  const p = scenarioParams('file:///x/scenarios/s.mjs', 'd', DEFS, ['--sizes', '3,6', '--dry-run']);
  const { result, out } = await capturingStdout(() => scaleSweep(['--sizes', '3,6', '--rows-per-node', String(Math.floor(2 ** 40 / 7))], true));
  assert.is(result.err, null);
  assert.ok(p['dry-run']);
  assert.match(out, /point 1 of 2: 3[\s\S]*point 2 of 2: 6[\s\S]*sweep estimate/);
  nothingCreated();
});

test.run();
