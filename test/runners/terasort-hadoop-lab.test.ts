/**
 * The hadoop Terasort engine against a REAL Hadoop (scripts/install-hadoop.sh) on a real lab: 2 sites
 * x 1 host x 2 nodes, netns nodes. One small spanning run (NameNode + ResourceManager on the first
 * node, a DataNode + NodeManager on each node) in which a worker is killed mid-terasort (issue 28):
 * the job completes on the survivors, TeraValidate valid, the rows' re-run counts equal the job's
 * counters, the ledger records what YARN did and the LOST node, the next repetition is missing;
 * WAN bytes measured on the emulator; no JVM of the run left afterwards. Needs root and the
 * installed Hadoop.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';
import { createHadoopTerasort } from '../../runners/terasort-hadoop.js';
import { defaultHadoopHome } from '../../infra/hadoop/install.js';
import type { Measurement } from '../../measurements/measurement.js';
import { cleanRun } from '../../session/clean.js';
import { loadRun } from '../../measurements/reader.js';
import { runScenario } from '../helpers/scenario.js';
import type { LabNode } from '../../infra/lab/lab.js';
import { latestCells, readLedger } from '../../measurements/ledger.js';
import { openCells } from '../../session/cells-run.js';

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

/** A process's network namespace (its inode), or undefined once it is gone. */
function netnsOf(pid: string): string | undefined {
  try {
    return /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Kills a worker in the middle of the terasort job (the cluster's second YARN application):
 * once a task attempt of that job runs on a node that is neither the master nor the node of the
 * job's ApplicationMaster, every process in that node's network namespace gets SIGKILL (its
 * DataNode, NodeManager and task JVMs all at once: a netns node's `lxc-stop -k`).
 */
function killWorkerMidSort(nodes: LabNode[]): { done: Promise<{ node: string; attempt: string; killed: number } | null>; stop(): void } {
  const inode = new Map(nodes.map((n) => [String(statSync(`/run/netns/${n.ns}`).ino), n.name]));
  let stopped = false;
  // The processes of the cluster's nodes (by network namespace), with their command lines.
  const procs = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((pid) => ({ pid, node: inode.get(netnsOf(pid) ?? '') }))
      .filter((p) => p.node !== undefined)
      .map((p) => {
        try {
          return { ...p, cmd: readFileSync(`/proc/${p.pid}/cmdline`, 'utf8') };
        } catch {
          return { ...p, cmd: '' };
        }
      });
  const done = (async () => {
    while (!stopped) {
      const now = procs();
      const am = now.find((p) => p.cmd.includes('MRAppMaster') && /application_\d+_0002/.test(p.cmd))?.node;
      const task = now.find((p) => p.cmd.includes('YarnChild') && p.node !== nodes[0].name && p.node !== am && /attempt_\d+_0002_[mr]_/.test(p.cmd));
      if (am && task) {
        let killed = 0;
        // Twice, in case a process was being forked while the first pass ran.
        for (let pass = 0; pass < 2; pass++) {
          for (const v of procs().filter((p) => p.node === task.node))
            try {
              process.kill(Number(v.pid), 'SIGKILL');
              killed++;
            } catch {
              /* already gone */
            }
          await new Promise((r) => setTimeout(r, 200));
        }
        return { node: task.node!, attempt: /attempt_\d+_0002_[mr]_\d+_\d+/.exec(task.cmd)![0], killed };
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return null;
  })();
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}

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

  test('a real Hadoop cluster spanning two sites, a worker killed mid-terasort: the job completes on the survivors and is valid; rows and ledger say what YARN re-ran; later rep missing; no JVM left', async () => {
    const { ctx, lab, workDir, results, runId } = t!;
    const cells = openCells({
      runDir: ctx.store.dir,
      runId,
      attempt: 1,
      kind: 'run',
      harness: 'test',
      testbed: 'lab',
      nodes: lab.nodes,
      todo: null,
      done: null,
      progress: ctx.progress,
    });
    // Replication 2 (input and sorted output): the data outlives a DataNode; a NodeManager silent 15 s is LOST.
    const engine = createHadoopTerasort({
      mapMemoryMiB: 512,
      reduceMemoryMiB: 512,
      amMemoryMiB: 512,
      nodeMemoryMiB: 1536,
      daemonHeapMiB: 256,
      replication: 2,
      lostNodeAfterS: 15,
    });
    const killer = killWorkerMidSort(lab.nodes as LabNode[]);
    const t0 = performance.now();
    const all = await engine.run({ ...ctx, cells }, lab.nodes, { rows: 100_000, label: 'spanning', repetitions: 2 }).finally(() => killer.stop());
    console.log(`  hadoop run with a worker killed: ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${loadavg()[0].toFixed(1)})`);
    const killed = await killer.done;
    assert.ok(killed, 'a task attempt of the terasort job ran on a worker that could be killed (not the master, not its ApplicationMaster)');
    const rows = all.filter((r) => r.repetition === 1);
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
        'map_attempts_failed',
        'map_attempts_killed',
        'reduce_attempts_failed',
        'reduce_attempts_killed',
        'nodes_lost',
        'wan_bytes',
        'teravalidate_elapsed',
        'validate',
      ],
    );
    assert.is(metric(rows, 'validate').value, 1, 'TeraValidate: the output sorted by the survivors is complete and in order');
    // What YARN re-ran, as the rows say it, equals the terasort job's own counters (read here from its client log).
    const log = readFileSync(join(results, runId, 'raw/terasort-hadoop-spanning/rep1/terasort.log'), 'utf8');
    const counter = (name: string) => Number(new RegExp(`^\\s*${name}=(\\d+)\\s*$`, 'm').exec(log)?.[1] ?? 0);
    assert.match(log, /^\s*Job Counters\s*$/m);
    const reran = ['map_attempts_failed', 'map_attempts_killed', 'reduce_attempts_failed', 'reduce_attempts_killed'].map((m) => metric(rows, m).value!);
    assert.equal(reran, [counter('Failed map tasks'), counter('Killed map tasks'), counter('Failed reduce tasks'), counter('Killed reduce tasks')]);
    const sum = reran.reduce((a, b) => a + b, 0);
    assert.ok(sum > 0, `YARN re-ran task attempts of the terasort job (killed ${killed.node} during ${killed.attempt})`);
    assert.is(metric(rows, 'map_tasks').value, counter('Launched map tasks'));
    assert.is(metric(rows, 'reduce_tasks').value, counter('Launched reduce tasks'));
    assert.ok(metric(rows, 'map_tasks').value! + metric(rows, 'reduce_tasks').value! > 8, 'more attempts launched than the 4 maps + 4 reduces');
    assert.match(metric(rows, 'terasort_elapsed').flags, /yarn-reran/);
    // The ledger: rep 1 ok, with what YARN did per job and the node it lost; rep 2 missing (a 3-node cluster is another cell).
    const entries = latestCells(readLedger(ctx.store.dir)).filter((c) => c.benchmark === 'terasort');
    assert.equal(
      entries.map((c) => [c.repetition, c.state]),
      [
        [1, 'ok'],
        [2, 'missing'],
      ],
    );
    const yarn = entries[0].yarn!;
    assert.equal(
      yarn.map((j) => j.job),
      ['teragen', 'terasort', 'teravalidate'],
    );
    const sort = yarn[1];
    assert.is(sort.reran, sum);
    assert.is(sort.maps_launched, counter('Launched map tasks'));
    assert.equal(
      yarn.flatMap((j) => j.lost_nodes),
      [killed.node],
      'the ResourceManager declared exactly the killed worker LOST',
    );
    assert.equal(sort.lost_nodes, [killed.node], 'the killed worker was LOST before the terasort job ended');
    assert.is(metric(rows, 'nodes_lost').value, 1);
    assert.is(entries[0].lineage.length, 4);
    assert.is(entries[1].node, killed.node);
    assert.match(entries[1].reason!, /NodeManager of \S+ LOST during terasort \(rep 1\)/);
    assert.not.ok(
      all.some((r) => r.repetition === 2),
      'no rows for the missing repetition',
    );
    // 10 MB sorted by 4 reducers, two per site: about half of the shuffle crosses the WAN, plus HDFS traffic.
    assert.ok(metric(rows, 'shuffle_bytes').value! > 100_000 * 100 * 0.9, `shuffle_bytes ${metric(rows, 'shuffle_bytes').value}`);
    assert.ok(metric(rows, 'wan_bytes').value! > 100_000 * 100 * 0.25, `wan_bytes ${metric(rows, 'wan_bytes').value}`);
    assert.is(rows[0].path, 'inter-site');
    assert.is(rows[0].params.engine, 'hadoop');
    assert.ok(rows.every((r) => r.cell === entries[0].key && r.cell_attempt === 1));
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
