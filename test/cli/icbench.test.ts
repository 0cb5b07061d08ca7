import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFolder, resolveRunDir } from '../../cli/icbench.js';
import { RUN_ID, writeSampleRun } from '../../fixtures/sample-run.js';
import { runCli } from '../helpers/cli.js';

let tmp = '';
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'icb-cli-'));
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const run = runCli;

test('every subcommand has --help and -h: usage on stdout, exit 0', async () => {
  for (const cmd of ['report', 'clean', 'list'])
    for (const flag of ['--help', '-h']) {
      const r = await run([cmd, flag]);
      assert.is(r.code, 0, `${cmd} ${flag}`);
      assert.match(r.out, `Usage: icbench ${cmd}`);
      assert.is(r.err, '');
    }
  assert.is((await run(['--help'])).code, 0);
  assert.is((await run(['-h'])).code, 0);
});

test('one error style "icbench <cmd>: <message>" and exit 2 for bad usage', async () => {
  for (const argv of [['report', '--nope'], ['list', '--nope'], ['clean', '--nope'], ['report'], ['report', join(tmp, 'absent')], ['clean', 'x']]) {
    const r = await run(argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.match(r.err, new RegExp(`^icbench ${argv[0]}: `), r.err);
    assert.is(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.not.match(r.err, 'TypeError');
  }
  const u = await run(['frobnicate']);
  assert.is(u.code, 2);
  assert.match(u.err, /^icbench: unknown command "frobnicate"/);
});

test('report accepts a run id (looked up under --results) or a path', async () => {
  const results = join(tmp, 'results');
  const dir = await writeSampleRun(results);
  assert.is(resolveRunDir(RUN_ID, results), join(results, RUN_ID));
  const byId = await run(['report', RUN_ID, '--results', results]);
  assert.is(byId.code, 0, byId.err);
  assert.is(byId.out.trim(), join(dir, 'report.html'));
  assert.ok(existsSync(join(dir, 'report.html')));
  const byPath = await run(['report', dir]);
  assert.is(byPath.code, 0, byPath.err);
  const missing = await run(['report', '20990101-000000-abcd', '--results', results]);
  assert.is(missing.code, 2);
  assert.match(missing.err, 'no run 20990101-000000-abcd under');
});

test('list: run id, scenario, start, status, rows and report path per result folder', async () => {
  const results = join(tmp, 'list');
  const dir = await writeSampleRun(results, { status: 'degraded' });
  const f = describeFolder(dir);
  assert.equal([f.id, f.kind, f.scenario, f.status], [RUN_ID, 'run', 'hokudai-nii', 'degraded']);
  assert.ok((f.rows ?? 0) > 100);
  const r = await run(['list', results]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /run id\s+scenario\s+start\s+status\s+rows\s+report/);
  assert.match(r.out, new RegExp(`${RUN_ID}\\s+hokudai-nii\\s+2024-01-01T00:00:00Z\\s+degraded\\s+${f.rows}\\s+\\(none\\)`));
  assert.match(r.out, /lab resources/);
  const bad = await run(['list', join(tmp, 'nowhere')]);
  assert.is(bad.code, 2);
  assert.match(bad.err, /^icbench list: .*no such directory/);
});

test.run();
