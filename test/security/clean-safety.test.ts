/**
 * `clean` touches only what is provably a run's: a user's stopped container that merely carries an
 * icbench.run label survives `clean --all`; a run that is live in another state dir survives
 * `clean --all --orphans` of this one (its namespace looks orphaned from here: its journal is
 * elsewhere); and after clean removes a run whose process died, its run.json says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Journal } from '../../infra/journal.js';
import { pidStartTime } from '../../infra/process-owner.js';
import { newRunId, nsName } from '../../infra/run-id.js';
import { NODE_IMAGE } from '../../infra/virt/rootfs.js';
import { clean } from '../../session/clean.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

const stateA = mkdtempSync(join(tmpdir(), 'icb-state-a-'));
const stateB = mkdtempSync(join(tmpdir(), 'icb-state-b-'));
const useState = (dir: string) => {
  process.env.ICBENCH_STATE_DIR = dir;
};
const hasDocker = () => spawnSync('docker', ['image', 'inspect', NODE_IMAGE], { stdio: 'ignore' }).status === 0;

if (process.getuid?.() !== 0) {
  console.log('SKIPPED clean safety tests: they need root');
} else {
  test('a stopped container with an icbench.run label but not named as the harness names it survives clean --all', async () => {
    if (!hasDocker()) {
      console.log('  (no Docker engine or node image: decoy case not run)');
      return;
    }
    const decoy = `user-decoy-${process.pid}`;
    const label = newRunId();
    const made = spawnSync('docker', ['create', '--label', `icbench.run=${label}`, '--name', decoy, '--network', 'none', NODE_IMAGE, 'true']);
    assert.is(made.status, 0, made.stderr.toString());
    try {
      useState(stateA);
      await clean('all', { log: () => {} });
      const still = spawnSync('docker', ['inspect', decoy], { stdio: 'ignore' }).status === 0;
      assert.ok(still, "the user's labelled container was removed");
    } finally {
      spawnSync('docker', ['rm', '-f', decoy], { stdio: 'ignore' });
    }
  });

  test('a live run of another state dir survives clean --all --orphans of this one', async () => {
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const runId = newRunId();
    const ns = nsName(runId, 'x');
    try {
      useState(stateB);
      new Journal(runId).record(
        { kind: 'run', runId, scenario: 't', resultsDir: join(stateB, 'r'), pid: owner.pid!, pidStart: pidStartTime(owner.pid!) ?? undefined, at: 'now' },
        { kind: 'netns', name: ns },
      );
      assert.is(spawnSync('ip', ['netns', 'add', ns]).status, 0);
      useState(stateA);
      const r = await clean('all', { orphans: true, log: () => {} });
      assert.is(spawnSync('ip', ['netns', 'exec', ns, 'true']).status, 0, `${ns} was removed by another state dir's clean --orphans (${JSON.stringify(r)})`);
    } finally {
      owner.kill('SIGKILL');
      await new Promise((r) => owner.once('exit', r));
      useState(stateB);
      await clean(runId, { log: () => {} });
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });

  test('after clean removes a run whose process died, its run.json is finalized: interrupted, killed, with when', async () => {
    const dead = spawnSync(process.execPath, [
      '-e',
      "process.stdout.write(require('fs').readFileSync('/proc/self/stat','utf8').split(' ')[0])",
    ]).stdout.toString();
    const runId = newRunId();
    const results = join(mkdtempSync(join(tmpdir(), 'icb-results-')), runId);
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'run.json'), JSON.stringify({ ...sampleMeta(), run_id: runId, status: 'running', ended_at: null, failures: [] }));
    useState(stateA);
    new Journal(runId).record({ kind: 'run', runId, scenario: 't', resultsDir: results, pid: Number(dead), pidStart: 1, at: 'then' });
    const r = await clean(runId, { log: () => {} });
    assert.equal(r.cleaned, [runId]);
    const meta = JSON.parse(readFileSync(join(results, 'run.json'), 'utf8'));
    assert.is(meta.status, 'interrupted');
    assert.ok(meta.ended_at);
    assert.ok(
      meta.failures.some((f: { what: string; error: string }) => f.what === 'killed' && f.error.includes(`pid ${dead}`)),
      JSON.stringify(meta.failures),
    );
  });
}

test.run();
