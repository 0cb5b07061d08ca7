/**
 * Issue 28 on real nodes: a node killed mid-run costs its cells, not the run; `icbench fill` then
 * completes the run. Each case runs hokudai-nii small through zx as a user would, kills one node
 * when a progress line shows the benchmark under way, and checks: rc 0, status degraded naming the
 * lost node, every cell not touching it ok, its cells after the kill missing with a reason,
 * nothing left; then fill: every cell ok, the ledger holding both attempts, rows of attempt 2,
 * report rewritten, nothing left. With --spares the lost node's role moves to a spare of its site
 * and its cells run there: nothing missing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from '../helpers/scenario.js';
import { loadRun } from '../../measurements/reader.js';
import { checkLostRun, fillAndCheck, measuredInFull } from '../helpers/lost-node.js';
import { latestCells, readLedger } from '../../measurements/ledger.js';

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

  // Latency under load on netns nodes, 4 pairs: the lost node's namespace is deleted once the first
  // pair is done; the third pair (from the lost node) is its cell.
  const LOAD = [
    '--benchmarks',
    'load-latency',
    '--virt',
    'netns',
    '--load-pairs',
    `nii-h1-n1>${LOST},hokudai-h1-n1>nii-h1-n1,${LOST}>nii-h1-n2,nii-h1-n2>hokudai-h1-n1`,
    '--load-count',
    '5',
    '--load-interval',
    '0.02',
  ];
  const delNs = (runId: string) => {
    const r = spawnSync('ip', ['netns', 'del', `icb-${runId}-${LOST}`], { encoding: 'utf8' });
    if (r.status !== 0) console.log(`ip netns del failed: ${r.stderr}`);
  };

  test('netns node deleted during load-latency: its cell missing, run degraded; fill completes it', async () => {
    const dir = await runAndLose(LOAD, /\[load-latency\] 1\/4/, delNs, 4);
    const missing = latestCells(readLedger(dir)).filter((c) => c.state === 'missing');
    assert.equal(
      missing.map((c) => c.key),
      [`load-latency|${LOST}>nii-h1-n2|r1|`],
    );
    await fillAndCheckLab(dir, 4);
  });

  test('--spares 1: netns node deleted during load-latency: its role moves to the spare of its site, its cell runs there; nothing missing', async () => {
    let runId = '';
    let killed = false;
    const r = await runScenario(
      'hokudai-nii.mjs',
      ['--hosts', '1', '--nodes-per-host', '2', '--wan-rtt', '2ms', '--wan-rate', '200Mbit', '--spares', '1', ...LOAD],
      {
        results,
        state,
        onLine: (line) => {
          runId ||= runIdOf(line);
          if (!killed && /\[load-latency\] 1\/4/.test(line)) {
            killed = true;
            delNs(runId);
          }
        },
      },
    );
    assert.ok(killed, r.out);
    assert.is(r.code, 0, r.out);
    const dir = join(results, runId);
    const { meta, rows } = await loadRun(dir);
    assert.ok(measuredInFull(meta), `${meta.status}: ${JSON.stringify(meta.failures)}`);
    const entries = readLedger(dir);
    const cells = latestCells(entries);
    assert.equal(
      cells.map((c) => `${c.key} ${c.state}`),
      [
        `load-latency|nii-h1-n1>${LOST}|r1| ok`,
        'load-latency|hokudai-h1-n1>nii-h1-n1|r1| ok',
        `load-latency|${LOST}>nii-h1-n2|r1| ok`,
        'load-latency|nii-h1-n2>hokudai-h1-n1|r1| ok',
      ],
    );
    const SPARE = 'hokudai-h1-s1';
    const moved = cells[2];
    assert.equal(moved.stand_in, { [LOST]: SPARE });
    assert.equal(moved.lineage, [`${SPARE}@1`, 'nii-h1-n2@1']);
    assert.equal(
      entries.filter((e) => e.type === 'stand-in').map((e) => (e.type === 'stand-in' ? `${e.node}>${e.spare}` : '')),
      [`${LOST}>${SPARE}`],
    );
    assert.ok(entries.some((e) => e.type === 'lost' && e.node === LOST));
    // The spare measured the cell (its rows name it); no node-start row or other cell for it.
    const spareRows = rows.filter((x) => x.src_node === SPARE);
    assert.ok(spareRows.length > 0 && spareRows.every((x) => x.cell === moved.key));
    assert.ok(spareRows.some((x) => x.metric === 'rtt_loaded_median' && x.status === 'ok'));
    assert.equal(
      meta.coverage?.stand_ins?.map((x) => `${x.node}>${x.spare}`),
      [`${LOST}>${SPARE}`],
    );
    assert.ok(meta.topology.sites.some((s) => s.hosts.some((h) => h.nodes.some((n) => n.name === SPARE && n.spare))));
    assert.match(r.out, /role moved to spare hokudai-h1-s1/);
    assert.equal(leftovers(runId), []);
  });
}

test.run();
