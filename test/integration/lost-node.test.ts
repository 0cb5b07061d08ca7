/**
 * Issue 28 on real nodes: a node killed mid-run costs its cells, not the run; `icbench fill` then
 * completes the run. Each case runs hokudai-nii small through zx as a user would, kills one node
 * when a progress line shows the benchmark under way, and checks: rc 0, status degraded naming the
 * lost node, every cell not touching it ok, its cells after the kill missing with a reason,
 * nothing left; then fill: every cell ok, the ledger holding both attempts, rows of attempt 2,
 * report rewritten, nothing left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../helpers/scenario.js';
import { loadRun } from '../../measurements/reader.js';
import { checkLostRun, fillAndCheck } from '../helpers/lost-node.js';

const state = mkdtempSync(join(tmpdir(), 'icb-state-'));
const results = mkdtempSync(join(tmpdir(), 'icb-results-'));
const runIdOf = (out: string) => /== run: hokudai-nii (\S+)/.exec(out)?.[1] ?? '';
const leftovers = (runId: string) => [
  ...(existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []),
  ...(existsSync(join(state, `${runId}.journal`)) ? [`${runId}.journal`] : []),
  ...(existsSync(join(state, `${runId}.d`)) ? [`${runId}.d`] : []),
];
const LOST = 'hokudai-h1-n2';

/** Runs the scenario, killing the node when `when` matches a line; checks the degraded run; returns its folder. */
async function runAndLose(args: string[], when: RegExp, kill: (runId: string) => void, cellsTotal: number): Promise<string> {
  let killed = false;
  let runId = '';
  const r = await runScenario('hokudai-nii.mjs', ['--hosts', '1', '--nodes-per-host', '2', '--wan-rtt', '2ms', '--wan-rate', '200Mbit', ...args], {
    results,
    state,
    onLine: (line) => {
      runId ||= runIdOf(line);
      if (!killed && when.test(line)) {
        killed = true;
        kill(runId);
      }
    },
  });
  assert.ok(killed, r.out);
  assert.is(r.code, 0, r.out);
  const dir = join(results, runId);
  await checkLostRun(dir, { lost: LOST, cellsTotal });
  assert.equal(leftovers(runId), []);
  return dir;
}

/** Fills the run (helpers/lost-node.ts fillAndCheck), then: nothing left. */
async function fillAndCheckLab(dir: string, cellsTotal: number): Promise<void> {
  await fillAndCheck(dir, cellsTotal, state);
  const { meta } = await loadRun(dir);
  assert.equal(leftovers(meta.run_id), []);
}

if (process.getuid?.() !== 0) {
  console.log('SKIPPED lost-node integration tests: they need root');
} else {
  test('LXC container killed (lxc-stop -k) during the iperf3 matrix: its cells missing, run degraded; fill completes it', async () => {
    const dir = await runAndLose(
      ['--benchmarks', 'iperf3', '--virt', 'lxc', '--pairs', 'all', '--duration', '1', '--repetitions', '1'],
      /\[iperf3\] 4\/12/,
      (runId) => {
        const r = spawnSync('lxc-stop', ['-P', join(state, `${runId}.d`, 'lxc'), '-n', `icb-${runId}-${LOST}`, '-k'], { encoding: 'utf8' });
        if (r.status !== 0) console.log(`lxc-stop failed: ${r.stderr}`);
      },
      12,
    );
    await fillAndCheckLab(dir, 12);
  });

  test('QEMU VM killed (kill -9 of its qemu) during ping: its cells missing, run degraded; fill completes it', async () => {
    const dir = await runAndLose(
      ['--benchmarks', 'ping', '--virt', 'qemu', '--pairs', 'all', '--ping-count', '5', '--ping-interval', '0.05', '--repetitions', '1'],
      /\[ping\] 4\/12/,
      (runId) => {
        const pidfile = join(state, `${runId}.d`, 'vm', LOST, 'qemu.pid');
        const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : 0;
        if (pid > 0) process.kill(pid, 'SIGKILL');
        else console.log(`no qemu pid in ${pidfile}`);
      },
      12,
    );
    await fillAndCheckLab(dir, 12);
  });
}

test.run();
