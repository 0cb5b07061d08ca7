/**
 * The hadoop Terasort engine against a REAL Hadoop (scripts/install-hadoop.sh) on a real lab: 2 sites
 * x 1 host x 2 nodes, netns nodes. One small spanning run (NameNode + ResourceManager on the first
 * node, a DataNode + NodeManager on each node): every row ok, TeraValidate valid, WAN bytes measured
 * on the emulator; no JVM of the run left afterwards. Needs root and the installed Hadoop.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';
import { createHadoopTerasort } from '../../runners/terasort-hadoop.js';
import { defaultHadoopHome } from '../../infra/hadoop/install.js';
import type { Measurement } from '../../measurements/measurement.js';
import { cleanRun } from '../../session/clean.js';
import { loadRun } from '../../measurements/reader.js';
import { runScenario } from '../helpers/scenario.js';

const STATE_DIR = useStateDir(test);

/** Java processes whose command line mentions `needle` (the run's work dir is in every daemon's -D options). */
export function jvms(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('java') && cmd.includes(needle)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
const metric = (rows: Measurement[], m: string) => rows.find((r) => r.metric === m)!;

if (process.getuid?.() !== 0) console.log('SKIPPED hadoop lab tests: they need root (network namespaces)');
else if (!defaultHadoopHome()) console.log('SKIPPED hadoop lab tests: no Hadoop installed (run scripts/install-hadoop.sh)');
else {
  let t: TestLab | null = null;
  test.before(async () => {
    t = await upTestLab(
      {
        scenario: 'hadoop',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
        ],
        wan: { rate: '200Mbit', rtt: '4ms' },
      },
      STATE_DIR,
    );
  });

  test.after(async () => {
    if (t) await t.down();
    rmSync(STATE_DIR, { recursive: true, force: true });
  });

  test('a real Hadoop cluster spanning two sites: teragen, terasort, teravalidate ok; WAN bytes from the emulator; no JVM left', async () => {
    const { ctx, lab, workDir, results, runId } = t!;
    const engine = createHadoopTerasort({ mapMemoryMiB: 512, reduceMemoryMiB: 512, amMemoryMiB: 512, nodeMemoryMiB: 1536, daemonHeapMiB: 256 });
    const rows = await engine.run(ctx, lab.nodes, { rows: 100_000, label: 'spanning' });
    for (const r of rows) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.equal(
      rows.map((r) => r.metric),
      [
        'teragen_elapsed',
        'teragen_throughput',
        'terasort_elapsed',
        'terasort_throughput',
        'shuffle_bytes',
        'map_tasks',
        'reduce_tasks',
        'spilled_records',
        'wan_bytes',
        'teravalidate_elapsed',
        'validate',
      ],
    );
    assert.is(metric(rows, 'validate').value, 1);
    assert.is(metric(rows, 'reduce_tasks').value, 4);
    assert.ok(metric(rows, 'map_tasks').value! >= 1);
    // 10 MB sorted by 4 reducers, two per site: about half of the shuffle crosses the WAN, plus HDFS traffic.
    assert.ok(metric(rows, 'shuffle_bytes').value! > 100_000 * 100 * 0.9, `shuffle_bytes ${metric(rows, 'shuffle_bytes').value}`);
    assert.ok(metric(rows, 'wan_bytes').value! > 100_000 * 100 * 0.25, `wan_bytes ${metric(rows, 'wan_bytes').value}`);
    assert.is(rows[0].path, 'inter-site');
    assert.is(rows[0].params.engine, 'hadoop');
    assert.equal(jvms(workDir), [], 'no JVM of the run left');
    assert.ok(existsSync(join(results, runId, 'raw')));
  });

  test('kill -9 of the harness while the Hadoop cluster starts: clean leaves no JVM, namespace or journal', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./hadoop-child.js', import.meta.url))], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [runId, workDir] = await new Promise<string[]>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /UP (\S+) (\S+)/.exec(out);
        if (m) res([m[1], m[2]]);
      });
      child.on('exit', (c) => rej(new Error(`child exited ${c} before the lab was up`)));
      setTimeout(() => rej(new Error('lab did not come up in 60 s')), 60_000);
    });
    // Wait for the daemons (NameNode, ResourceManager, DataNodes, NodeManagers: 6 JVMs on 2 nodes).
    for (let i = 0; i < 600 && jvms(workDir).length < 6; i++) await new Promise((r) => setTimeout(r, 500));
    assert.ok(jvms(workDir).length >= 6, `Hadoop daemons running (${jvms(workDir).length})`);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    assert.ok(jvms(workDir).length >= 6, 'SIGKILL of the harness left the daemons running (which is why clean exists)');
    assert.equal(await cleanRun(runId), []);
    assert.equal(jvms(workDir), [], 'no JVM of the run left after clean');
    assert.not.ok(existsSync(join(STATE_DIR, `${runId}.journal`)), 'journal removed');
  });

  test('Ctrl-C of hokudai-nii during a Hadoop TeraGen: run interrupted, no JVM, namespace or journal left, no clean needed', async () => {
    const results = mkdtempSync(join(tmpdir(), 'icb-results-'));
    let timer: NodeJS.Timeout | undefined;
    let sent = false;
    const r = await runScenario(
      'hokudai-nii.mjs',
      [
        '--benchmarks',
        'terasort',
        '--terasort-engine',
        'hadoop',
        '--terasort-rows',
        '3000000',
        '--virt',
        'netns',
        '--repetitions',
        '1',
        '--wan-rate',
        '200Mbit',
      ],
      {
        results,
        state: STATE_DIR,
        // The daemons are up once the NodeManagers registered; 8 s later TeraGen's containers run.
        onLine: (line, kill) => {
          if (!timer && /NodeManagers registered/.test(line))
            timer = setTimeout(() => {
              sent = true;
              kill('SIGINT');
            }, 8_000);
        },
      },
    );
    clearTimeout(timer);
    assert.ok(sent, r.out);
    assert.not.equal(r.code, 0);
    const runId = /== run: hokudai-nii (\S+)/.exec(r.out)?.[1] ?? '';
    assert.ok(runId, r.out);
    const { meta } = await loadRun(join(results, runId));
    assert.is(meta.status, 'interrupted');
    assert.equal(jvms(runId), [], 'no JVM of the run left after Ctrl-C');
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : [];
    assert.equal(netns, [], 'no namespace of the run left');
    assert.not.ok(existsSync(join(STATE_DIR, `${runId}.journal`)), 'journal removed');
    rmSync(results, { recursive: true, force: true });
  });
}

test.run();
