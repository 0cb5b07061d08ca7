/**
 * The other scenario scripts end to end on the lab, small, run through zx as a user would:
 * hokudai-nii on Docker nodes with transactions at two WAN RTTs and Terasort, the hokudai-scale
 * sweep, and docker-vs-rumprun. Checks rows, reports and that nothing is left.
 */
import { assertMeasuredInFull } from '../helpers/status.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, type LineHandler } from '../helpers/scenario.js';
import { loadRun } from '../../measurements/reader.js';
import { loadSweep } from '../../reports/sweep-report.js';
import { run } from '../../infra/exec.js';

const state = mkdtempSync(join(tmpdir(), 'icb-state-'));
chmodSync(state, 0o711); // PostgreSQL runs as its own user below it
const results = mkdtempSync(join(tmpdir(), 'icb-results-'));

const scenario = (name: string, args: string[], onLine?: LineHandler) => runScenario(name, args, { results, state, onLine });
const leftNs = (id: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(id)) : []);
const leftContainers = async (id: string) => (await run(['docker', 'ps', '-aq', '--filter', `label=icbench.run=${id}`])).stdout.trim();
const ok = <R extends { status: string }>(rows: R[]): R[] => rows.filter((r) => r.status === 'ok');

if (process.getuid?.() !== 0) {
  console.log('SKIPPED scenario integration tests: they need root');
} else {
  test('hokudai-nii on docker: TPS at 0 and 20 ms RTT, Terasort one-site vs spanning, nothing left', async () => {
    const r = await scenario('hokudai-nii.mjs', [
      '--virt',
      'docker',
      '--hosts',
      '1',
      '--benchmarks',
      'pgbench,terasort',
      '--repetitions',
      '1',
      '--pgbench-scripts',
      'select-only',
      '--pgbench-duration',
      '2',
      '--pgbench-clients',
      '2',
      '--pgbench-rtts',
      '0ms,20ms',
      '--terasort-rows',
      '20000',
      '--terasort-nodes',
      '2',
    ]);
    assert.is(r.code, 0, r.out);
    const runId = /== run: hokudai-nii (\S+)/.exec(r.out)![1];
    const { rows, meta } = await loadRun(join(results, runId));
    assertMeasuredInFull(meta);
    const tps = (path: string, rtt: number) =>
      ok(rows.filter((x) => x.benchmark === 'pgbench' && x.metric === 'tps' && x.path === path && x.params.rtt_ms === rtt));
    const [far0, far20, near20] = [tps('inter-site', 0), tps('inter-site', 20), tps('intra-site', 20).concat(tps('local', 20))];
    assert.ok(far0.length && far20.length && near20.length, r.out);
    assert.ok(far20[0].value! < far0[0].value! / 3, `inter-site TPS at 20 ms ${far20[0].value} vs at 0 ms ${far0[0].value}`);
    assert.ok(far20[0].value! < near20[0].value! / 3, `inter-site ${far20[0].value} vs same-site ${near20[0].value} at 20 ms`);
    for (const path of ['intra-site', 'inter-site']) {
      assert.ok(
        ok(rows.filter((x) => x.benchmark === 'terasort' && x.metric === 'validate' && x.path === path)).length === 1,
        `terasort validated on the ${path} cluster`,
      );
    }
    const wan = ok(rows.filter((x) => x.benchmark === 'terasort' && x.metric === 'wan_bytes' && x.path === 'inter-site'));
    assert.ok(wan[0].value! > 0, 'the spanning cluster shuffled across the WAN');
    assert.is(ok(rows.filter((x) => x.benchmark === 'node-start' && x.virt === 'docker')).length, 4);
    const html = readFileSync(join(results, runId, 'report.html'), 'utf8');
    assert.match(html, /TPS against/);
    assert.match(html, /Fig\. 5 analogue/);
    assert.equal(leftNs(runId), []);
    assert.is(await leftContainers(runId), '');
  });

  test('hokudai-nii on docker, Ctrl-C in the middle: rows kept, run interrupted, no container or namespace left', async () => {
    let sent = false;
    const r = await scenario(
      'hokudai-nii.mjs',
      ['--virt', 'docker', '--hosts', '1', '--benchmarks', 'iperf3,ping', '--duration', '2', '--repetitions', '3', '--pairs', '1'],
      (line, kill) => {
        if (!sent && /\[iperf3\] 2\//.test(line)) {
          sent = true;
          kill('SIGINT');
        }
      },
    );
    assert.ok(sent, r.out);
    assert.not.equal(r.code, 0);
    const runId = /== run: hokudai-nii (\S+)/.exec(r.out)![1];
    const { rows, meta } = await loadRun(join(results, runId));
    assert.is(meta.status, 'interrupted');
    assert.ok(ok(rows.filter((x) => x.benchmark === 'iperf3')).length >= 2, 'samples finished before Ctrl-C are kept');
    assert.equal(leftNs(runId), []);
    assert.is(await leftContainers(runId), '');
  });

  test('hokudai-scale: a two-point sweep, a report with throughput against VMs', async () => {
    const r = await scenario('hokudai-scale.mjs', [
      '--sizes',
      '2,4',
      '--rows-per-node',
      '5000',
      '--repetitions',
      '2',
      '--nodes-per-host',
      '2',
      '--memory',
      '8',
    ]);
    assert.is(r.code, 0, r.out);
    const dir = join(results, readdirSync(results).find((d) => d.startsWith('hokudai-scale-'))!);
    const sweep = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    assert.equal(
      sweep.points.map((p: { key: string; status: string }) => `${p.key}:${p.status}`),
      ['2:ok', '4:ok'],
    );
    const { rows } = await loadSweep(dir);
    for (const n of [2, 4]) assert.is(ok(rows.filter((x) => x.metric === 'terasort_throughput' && x.nodes === n)).length, 2, `2 repetitions at ${n} VMs`);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /against the number of VMs/);
    for (const p of sweep.points) assert.equal(leftNs(p.run_id), []);
  });

  test('docker-vs-rumprun: the same servers on netns, lxc and docker, compared; rumprun refused before anything starts', async () => {
    const bad = await scenario('docker-vs-rumprun.mjs', ['--platforms', 'netns,rumprun']);
    assert.is(bad.code, 2);
    assert.match(bad.out, /--platforms: expected platforms the local lab can start.*rumprun needs the Rumprun toolchain.*got "rumprun"/);
    const r = await scenario('docker-vs-rumprun.mjs', [
      '--platforms',
      'netns,lxc,docker',
      '--duration',
      '1',
      '--repetitions',
      '1',
      '--sizes',
      '1024',
      '--hosts',
      '1',
    ]);
    assert.is(r.code, 0, r.out);
    const dir = join(results, readdirSync(results).find((d) => d.startsWith('docker-vs-rumprun-'))!);
    const { rows } = await loadSweep(dir);
    for (const virt of ['netns', 'lxc', 'docker']) {
      for (const server of ['nginx', 'busybox']) {
        assert.ok(
          ok(rows.filter((x) => x.benchmark === 'http' && x.metric === 'requests_per_s' && x.virt === virt && x.params.server === server)).length > 0,
          `${server} on ${virt}`,
        );
      }
    }
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /Virtuali[sz]ation/);
  });

  test.after(() => {
    rmSync(results, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  });
}

test.run();
