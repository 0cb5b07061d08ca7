/**
 * The hadoop Terasort engine, end to end, WITHOUT Hadoop: Hadoop cannot be installed on this machine
 * (no Apache download, not in Debian), so HADOOP_HOME points at a small shell shim whose hdfs/yarn/
 * hadoop print the REAL captured Hadoop output in test/fixtures/hadoop (and fail on request).
 * This is the only runner tested with a stand-in; everything else here is real: the engine's argv
 * go through each node's Executor and run as processes, configs are written to disk, the raw
 * logs land in a real ResultStore.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createHadoopTerasort } from '../../runners/terasort-hadoop.js';
import type { BenchNode, RunContext } from '../../runners/context.js';
import { ResultStore } from '../../measurements/store.js';
import { silentProgress } from '../../infra/progress.js';
import { ConfigError } from '../../infra/units.js';
import { fixturePath } from '../helpers/fixtures.js';
import { latestCells, readLedger } from '../../measurements/ledger.js';
import { openCells } from '../../session/cells-run.js';
import { coverageSectionFrom } from '../../reports/coverage.js';

const SHIM = `#!/bin/sh
# Stand-in for Hadoop's bin/hdfs, bin/yarn, bin/hadoop: prints captured real output.
tool=$(basename "$0"); fx="$HADOOP_HOME/fixtures"; mode=$(cat "$HADOOP_HOME/mode" 2>/dev/null)
case "$tool $*" in
  "hdfs namenode -format "*) echo "Storage directory has been successfully formatted." >&2 ;;
  "hdfs --daemon start namenode") if [ "$mode" = namenode ]; then echo "ERROR: namenode did not start" >&2; exit 1; fi ;;
  *"--daemon "*) ;;
  "hdfs dfsadmin -report") cat "$fx/dfsadmin-report-h3.2.0.txt" ;;
  "yarn node -list") cat "$fx/yarn-node-list-h3.2.0.txt" ;;
  "yarn node -list -states LOST")
    # mode lost: the list captured once a worker was LOST, after the terasort job; before it, the empty one.
    if [ -f "$HADOOP_HOME/sorted" ]; then cat "$fx/yarn-node-list-lost-h3.5.0-lab.txt"; else cat "$fx/yarn-node-list-lost-none-h3.5.0-lab.txt"; fi ;;
  "hadoop jar "*)
    if [ "$mode" = lost ] && [ "$3" = terasort ]; then cat "$fx/terasort-lost-worker-h3.5.0-lab.log" >&2; touch "$HADOOP_HOME/sorted"; exit 0; fi
    if [ "$mode" = "$3" ]; then cat "$fx/job-failed-h3.1.2.log" >&2; exit 1; fi
    cat "$fx/$3-cdh5.2.log" >&2 ;;
  "hdfs dfs -cat "*) if [ "$mode" = misorder ]; then cat "$fx/teravalidate-report-misorder-0.20.txt"; else cat "$fx/teravalidate-report-ok.txt"; fi ;;
  "hdfs dfs -rm "*) ;;
  *) echo "shim: unexpected $tool $*" >&2; exit 2 ;;
esac
`;

const roots: string[] = [];

interface Lab {
  ctx: RunContext;
  nodes: BenchNode[];
  calls: string[];
  home: string;
  keep: string;
  work: string;
  store: ResultStore;
  warnings: string[];
}

function lab(mode = '', address = (index: number) => `10.9.0.${index + 1}`): Lab {
  const root = mkdtempSync(join(tmpdir(), 'icbench-hadoop-test-'));
  roots.push(root);
  const home = join(root, 'hadoop'),
    keep = join(root, 'kept-conf'),
    work = join(root, 'work');
  mkdirSync(join(home, 'bin'), { recursive: true });
  mkdirSync(join(home, 'share/hadoop/mapreduce'), { recursive: true });
  mkdirSync(keep);
  mkdirSync(work);
  writeFileSync(join(home, 'share/hadoop/mapreduce/hadoop-mapreduce-examples-3.3.6.jar'), '');
  writeFileSync(join(home, 'bin/shim'), SHIM);
  chmodSync(join(home, 'bin/shim'), 0o755);
  for (const t of ['hdfs', 'yarn', 'hadoop']) symlinkSync('shim', join(home, 'bin', t));
  symlinkSync(fixturePath('hadoop'), join(home, 'fixtures'));
  writeFileSync(join(home, 'mode'), mode);
  const calls: string[] = [];
  const node = (name: string, site: string, index: number): BenchNode => ({
    name,
    site,
    host: `${site}-h1`,
    virt: 'netns',
    address: address(index),
    index,
    exec: {
      where: `local ${name}`,
      wrap: (argv) => {
        // No curl on the shim's nodes (and no traffic to these made-up addresses): the engine falls back to the CLI.
        if (argv[0] === 'curl') return ['sh', '-c', 'exit 127'];
        const i = argv[0] === 'env' ? argv.findIndex((a, k) => k > 0 && !/^[A-Z_]+=/.test(a)) : 0;
        calls.push(`${name}: ${[basename(argv[i]), ...argv.slice(i + 1)].join(' ')}`);
        // Keep each node's configuration before its run directory is removed, to check what was written.
        if (argv[0] === 'rm') return ['sh', '-c', 'cp -r "$1/conf" "$2" && rm -rf -- "$1"', 'sh', argv[3], join(keep, name)];
        return argv;
      },
    },
  });
  const nodes = [node('n1', 'hokudai', 0), node('n2', 'nii', 1)];
  const store = new ResultStore(join(root, 'results'), 'h4test-run');
  const warnings: string[] = [];
  const ctx: RunContext = {
    runId: 'h4test-run',
    scenario: 'hadoop-shim',
    store,
    nodes,
    workDir: work,
    progress: { ...silentProgress, warn: (m) => warnings.push(m) },
    signal: new AbortController().signal,
  };
  return { ctx, nodes, calls, home, keep, work, store, warnings };
}

const engine = (l: Lab) => createHadoopTerasort({ hadoopHome: l.home, javaHome: '/usr/lib/jvm/fake', pollMs: 10, registerTimeoutMs: 2000 });
const byMetric = (rows: { metric: string }[]) => new Map(rows.map((r) => [r.metric, r as never as import('../../measurements/measurement.js').Measurement]));
// After each job: which NodeManagers the ResourceManager has LOST (the CLI: no curl on these nodes).
const LOST = 'n1: yarn node -list -states LOST';
const STOPS = [
  'n1: yarn --daemon stop nodemanager',
  'n2: yarn --daemon stop nodemanager',
  'n1: yarn --daemon stop resourcemanager',
  'n1: hdfs --daemon stop datanode',
  'n2: hdfs --daemon stop datanode',
  'n1: hdfs --daemon stop namenode',
];

test('success: command order, configs on each node, rows from the jobs, checksum cross-check, teardown', async () => {
  const l = lab();
  const rows = await engine(l).run(l.ctx, l.nodes, { rows: 100000000, maps: 2, reducers: 144 });
  const jar = join(l.home, 'share/hadoop/mapreduce/hadoop-mapreduce-examples-3.3.6.jar');
  const writes = (n: string) =>
    ['core-site.xml', 'hdfs-site.xml', 'mapred-site.xml', 'yarn-site.xml', 'capacity-scheduler.xml', 'workers', 'hadoop-env.sh'].map(
      (f) => `${n}: sh -c cat > "$1" sh ${l.work}/nodes/${n}/hadoop/conf/${f}`,
    );
  const dirs = (n: string) =>
    `${n}: mkdir -p ${['conf', 'name', 'data', 'tmp', 'nm-local', 'nm-logs', 'logs', 'pids'].map((d) => `${l.work}/nodes/${n}/hadoop/${d}`).join(' ')}`;
  const base = '/icbench/h4test-run/rep1';
  assert.equal(l.calls, [
    dirs('n1'),
    ...writes('n1'),
    dirs('n2'),
    ...writes('n2'),
    'n1: hdfs namenode -format -clusterid icbench-h4test-run -force -nonInteractive',
    'n1: hdfs --daemon start namenode',
    'n1: hdfs --daemon start datanode',
    'n2: hdfs --daemon start datanode',
    'n1: yarn --daemon start resourcemanager',
    'n1: yarn --daemon start nodemanager',
    'n2: yarn --daemon start nodemanager',
    'n1: hdfs dfsadmin -report',
    'n1: yarn node -list',
    `n1: sh -c ls -1 "$1"/share/hadoop/mapreduce/hadoop-mapreduce-examples-*.jar sh ${l.home}`,
    `n1: hadoop jar ${jar} teragen -Dmapreduce.job.maps=2 100000000 ${base}/in`,
    LOST,
    `n1: hadoop jar ${jar} terasort -Dmapreduce.job.reduces=144 ${base}/in ${base}/out`,
    LOST,
    `n1: hadoop jar ${jar} teravalidate ${base}/out ${base}/report`,
    LOST,
    `n1: hdfs dfs -cat ${base}/report/part-r-00000`,
    `n1: hdfs dfs -rm -r -f -skipTrash ${base}`,
    ...STOPS,
    `n1: rm -rf -- ${l.work}/nodes/n1/hadoop`,
    `n2: rm -rf -- ${l.work}/nodes/n2/hadoop`,
  ]);
  assert.match(readFileSync(join(l.keep, 'n2/core-site.xml'), 'utf8'), /<name>fs.defaultFS<\/name>\s*<value>hdfs:\/\/10.9.0.1:9000<\/value>/);
  assert.match(readFileSync(join(l.keep, 'n2/yarn-site.xml'), 'utf8'), /<name>yarn.nodemanager.hostname<\/name>\s*<value>10.9.0.2<\/value>/);
  assert.is(readFileSync(join(l.keep, 'n1/workers'), 'utf8'), '10.9.0.1\n10.9.0.2\n');
  assert.not.ok(existsSync(join(l.work, 'nodes/n1/hadoop')), 'run directory removed');

  const m = byMetric(rows);
  assert.equal(
    [...m.keys()],
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
      'teravalidate_elapsed',
      'validate',
    ],
  );
  // The CDH 5.2 terasort: 76 + 144 attempts launched, none failed or killed; no NodeManager LOST.
  for (const k of ['map_attempts_failed', 'map_attempts_killed', 'reduce_attempts_failed', 'reduce_attempts_killed', 'nodes_lost'])
    assert.is(m.get(k)!.value, 0, k);
  assert.is(m.get('terasort_elapsed')!.flags, '');
  assert.not.ok(m.has('wan_bytes'), 'no WAN emulator counters here (ctx.emulatorStats): no wan_bytes row rather than a failed one');
  for (const r of rows) {
    assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.is(r.path, 'inter-site');
    assert.is(r.nodes, 2);
  }
  assert.is(m.get('teragen_throughput')!.value, (100000000 * 100) / 1e6 / m.get('teragen_elapsed')!.value!);
  assert.is(m.get('terasort_throughput')!.value, 1e4 / m.get('terasort_elapsed')!.value!);
  assert.is(m.get('shuffle_bytes')!.value, 4403942936);
  assert.is(m.get('validate')!.value, 1);
  assert.is(m.get('validate')!.flags, ''); // the checksum was compared with TeraGen's (and matched)
  assert.is(m.get('teragen_elapsed')!.src_node, 'n1');
  assert.is(m.get('teragen_elapsed')!.dst_node, 'n2');
  assert.match(readFileSync(join(l.store.dir, 'raw/terasort-hadoop/rep1/teragen.log'), 'utf8'), /CHECKSUM=214760662691937609/);
  assert.equal(l.warnings, []);
});

test("terasort job FAILED: teragen rows stand, later rows failed with Hadoop's reason, daemons still stopped", async () => {
  const l = lab('terasort');
  const rows = await engine(l).run(l.ctx, l.nodes, { rows: 100000000 });
  const m = byMetric(rows);
  assert.is(m.get('teragen_elapsed')!.status, 'ok');
  for (const k of [
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
  ]) {
    assert.is(m.get(k)!.status, 'failed');
    assert.is(m.get(k)!.value, null);
    assert.is(
      m.get(k)!.reason,
      'terasort: job job_1567394951806_0001 failed: Task failed task_1567394951806_0001_m_000000 Job failed as tasks failed. failedMaps:1 failedReduces:0 killedMaps:0 killedReduces: 0',
    );
  }
  assert.not.ok(
    l.calls.some((c) => c.includes(' teravalidate ')),
    'no teravalidate after a failed sort',
  );
  assert.equal(l.calls.slice(-9, -2).slice(1), STOPS);
  assert.match(l.calls.at(-9)!, /hdfs dfs -rm -r -f -skipTrash \/icbench\/h4test-run\/rep1$/);
  assert.not.ok(existsSync(join(l.work, 'nodes/n2/hadoop')));
});

test('NameNode does not start: every row failed with the reason, no job run, teardown still done', async () => {
  const l = lab('namenode');
  const rows = await engine(l).run(l.ctx, l.nodes, { rows: 1000, repetitions: 2 });
  assert.is(rows.length, 32);
  for (const r of rows) {
    assert.is(r.status, 'failed');
    assert.match(r.reason, /^hadoop cluster did not come up: start the NameNode on n1 failed \(exit 1\): ERROR: namenode did not start$/);
  }
  assert.equal(
    rows.map((r) => r.repetition),
    [...Array(16).fill(1), ...Array(16).fill(2)],
  );
  assert.not.ok(l.calls.some((c) => c.includes('hadoop jar')));
  assert.equal(l.calls.slice(-8, -2), STOPS);
  assert.not.ok(existsSync(join(l.work, 'nodes/n1/hadoop')));
  assert.is(l.warnings.length, 1);
});

test('TeraValidate reports misordered keys: validate failed with the report text', async () => {
  const l = lab('misorder');
  const rows = await engine(l).run(l.ctx, l.nodes.slice(0, 1), { rows: 100000000 });
  const v = byMetric(rows).get('validate')!;
  assert.is(v.status, 'failed');
  assert.match(v.reason, /^TeraValidate: misorder in part-00000 last: /);
  assert.is(byMetric(rows).get('teravalidate_elapsed')!.status, 'ok');
  assert.is(rows[0].path, 'intra-site');
});

test('a worker LOST during terasort (real 3.5.0 captures): rows say what YARN re-ran, the ledger has it per job, the next repetition is missing', async () => {
  // n2 has the address of the worker the capture's ResourceManager lists as LOST.
  const l = lab('lost', (i) => `10.200.0.${i + 1}`);
  const cells = openCells({
    runDir: l.store.dir,
    runId: 'h4test-run',
    attempt: 1,
    kind: 'run',
    harness: 'test',
    testbed: 'shim',
    nodes: l.nodes,
    todo: null,
    done: null,
    progress: l.ctx.progress,
  });
  const rows = await engine(l).run({ ...l.ctx, cells }, l.nodes, { rows: 100000000, repetitions: 2 });
  const m = byMetric(rows);
  for (const r of rows) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
  assert.ok(
    rows.every((r) => r.repetition === 1),
    'no rows of repetition 2',
  );
  assert.equal(
    ['map_tasks', 'reduce_tasks', 'map_attempts_failed', 'map_attempts_killed', 'reduce_attempts_failed', 'reduce_attempts_killed', 'nodes_lost'].map(
      (k) => m.get(k)!.value,
    ),
    [5, 5, 0, 1, 0, 1, 1],
  );
  // (The captures come from runs of different sizes: the records flags say so; yarn-reran is the one of interest.)
  assert.match(m.get('terasort_elapsed')!.flags, /^yarn-reran;/);
  assert.match(m.get('terasort_throughput')!.flags, /^yarn-reran;/);
  assert.not.match(m.get('teragen_elapsed')!.flags, /yarn-reran/);
  assert.is(m.get('teravalidate_elapsed')!.flags, '');
  assert.is(m.get('validate')!.value, 1);
  const entries = latestCells(readLedger(l.store.dir));
  assert.equal(
    entries.map((c) => [c.key, c.state]),
    [
      ['terasort|n1>n2|r1|{"engine":"hadoop","label":"cluster","nodes":2}', 'ok'],
      ['terasort|n1>n2|r2|{"engine":"hadoop","label":"cluster","nodes":2}', 'missing'],
    ],
  );
  assert.equal(entries[0].yarn![1], {
    job: 'terasort',
    id: 'job_1796615679007_0002',
    state: 'succeeded',
    maps_launched: 5,
    maps_failed: 0,
    maps_killed: 1,
    reduces_launched: 5,
    reduces_failed: 0,
    reduces_killed: 1,
    reran: 2,
    lost_nodes: ['n2'],
  });
  assert.equal(
    entries[0].yarn!.map((j) => [j.job, j.lost_nodes]),
    [
      ['teragen', []],
      ['terasort', ['n2']],
      ['teravalidate', []],
    ],
  );
  assert.equal(entries[0].lineage, ['n1@1', 'n2@1']);
  assert.is(entries[1].node, 'n2');
  assert.is(entries[1].reason, 'the ResourceManager declared the NodeManager of n2 LOST during terasort (rep 1)');
  assert.ok(rows.every((r) => r.cell === entries[0].key && r.cell_attempt === 1));
  // The lost node was probed over its command channel (it answers: not lost to the harness), and one repetition ran.
  assert.ok(l.calls.includes('n2: true'), l.calls.join('\n'));
  assert.is(l.calls.filter((c) => c.includes(' teragen ')).length, 1);
  assert.match(readFileSync(join(l.store.dir, 'raw/terasort-hadoop/rep1/terasort-lost-nodemanagers.txt'), 'utf8'), /LOST/);
  assert.equal(cells.lostNodes(), []);
  // The report's Coverage section lists the job in which YARN re-ran attempts.
  const html = coverageSectionFrom(readLedger(l.store.dir), rows)!.html!;
  assert.match(html, /terasort job_1796615679007_0002/);
  assert.match(html, /<td[^>]*>5 \/ 0 \/ 1<\/td>/);
  assert.match(html, /<td[^>]*>n2<\/td>/);
});

test('cells: a fill runs only the repetitions not ok, and none at all (no cluster started) when every one is', async () => {
  const l = lab();
  const mk = (done: string[]) =>
    openCells({
      runDir: l.store.dir,
      runId: 'h4test-run',
      attempt: 2,
      kind: 'fill',
      harness: 'test',
      testbed: 'shim',
      nodes: l.nodes,
      todo: new Set(),
      done: new Set(done),
      progress: l.ctx.progress,
    });
  const key = (r: number) => `terasort|n1>n2|r${r}|{"engine":"hadoop","label":"cluster","nodes":2}`;
  assert.equal(await engine(l).run({ ...l.ctx, cells: mk([key(1), key(2)]) }, l.nodes, { rows: 1000, repetitions: 2 }), []);
  assert.equal(l.calls, [], 'nothing started when every repetition is done');
  const rows = await engine(l).run({ ...l.ctx, cells: mk([key(1)]) }, l.nodes, { rows: 100000000, repetitions: 2 });
  assert.ok(rows.length > 0 && rows.every((r) => r.repetition === 2 && r.cell === key(2) && r.cell_attempt === 2));
  assert.is(l.calls.filter((c) => c.includes(' teragen ')).length, 1);
});

test('bad input is a ConfigError before any command runs', async () => {
  const l = lab();
  const bad: [() => Promise<unknown>, string][] = [
    [() => engine(l).run(l.ctx, l.nodes, { rows: 0 }), 'terasort.rows'],
    [() => engine(l).run(l.ctx, l.nodes, { rows: 10, startRow: 5 }), 'terasort.startRow'],
    [() => engine(l).run(l.ctx, [], { rows: 10 }), 'cluster'],
    [() => createHadoopTerasort({ hadoopHome: 'relative/hadoop', javaHome: '/j' }).run(l.ctx, l.nodes, { rows: 10 }), 'hadoop.hadoopHome'],
    [() => createHadoopTerasort({ hadoopHome: l.home, javaHome: '/j', dataRoot: 'tmp' }).run(l.ctx, l.nodes, { rows: 10 }), 'hadoop.dataRoot'],
  ];
  for (const [fn, field] of bad) {
    try {
      await fn();
      assert.unreachable(`${field} accepted`);
    } catch (e) {
      assert.instance(e, ConfigError, String(e));
      assert.is((e as ConfigError).field, field);
    }
  }
  assert.equal(l.calls, []);
});

test.after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
test.run();
