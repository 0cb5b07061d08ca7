/**
 * Where a Hadoop cluster's files are (runners/hadoop-nodes.ts) on the lab and on real hosts, and
 * how a daemon that died is named while the runner waits for registrations: against the installed
 * Hadoop's own launcher (`--daemon status`), with pid files of a live and of a dead process.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../../infra/exec.js';
import { resolveHadoopOptions } from '../../infra/hadoop/config.js';
import { DEBIAN_JAVA_HOME, defaultHadoopHome } from '../../infra/hadoop/install.js';
import type { Step } from '../../infra/hadoop/commands.js';
import type { ShipFiles } from '../../infra/testbed.js';
import { placeHadoop } from '../../runners/hadoop-nodes.js';
import { daemonStopped } from '../../runners/terasort-hadoop.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-hadoop-nodes-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const home = defaultHadoopHome();
const noShip: ShipFiles = {
  ship: () => Promise.reject(new Error('not called by placeHadoop')),
};

test('lab nodes: the installed distribution, run dirs under the run dir; real hosts: shipped, Debian JDK, the node own dir', () => {
  assert.ok(home, 'scripts/install-hadoop.sh ran (setup)');
  const lab = placeHadoop({ runId: 'r1', workDir: '/w/run' }, [{ name: 'a' }], {}, 'hadoop');
  assert.is(lab.ship, undefined);
  assert.is(lab.h.hadoopHome, home);
  assert.is(lab.dataDirOf({ name: 'a' }), '/w/run/nodes/a/hadoop');

  const remote = placeHadoop({ runId: 'r1', workDir: '/w/run', ship: noShip }, [{ name: 'a', workDir: '/var/lib/icbench-remote/r1/h1/nodes/a' }], {}, 'hadoop');
  assert.ok(remote.ship, 'the distribution is to be shipped');
  assert.is(remote.ship?.name, 'hadoop');
  assert.ok(remote.ship?.files.some((f) => f.path === 'bin/hadoop' && f.executable));
  assert.ok(
    remote.ship?.files.some((f) => f.path === 'bin/hdfs' && f.executable),
    'the hdfs link travels as a copy',
  );
  assert.is(remote.h.javaHome, DEBIAN_JAVA_HOME, "the host's Java, not the controller's JAVA_HOME");
  assert.is(remote.dataDirOf({ name: 'a' }), '/var/lib/icbench-remote/r1/h1/nodes/a/hadoop');
  assert.throws(() => remote.dataDirOf({ name: 'zz' }), /zz is not a node of the cluster/);

  const installed = placeHadoop({ runId: 'r1', workDir: '/w', ship: noShip }, [{ name: 'a', workDir: '/x/a' }], { hadoopHome: '/opt/hadoop' }, 'hadoop');
  assert.is(installed.ship, undefined, 'a hadoopHome given is installed on the hosts: nothing shipped');
  assert.is(installed.h.hadoopHome, '/opt/hadoop');
  const rooted = placeHadoop({ runId: 'r1', workDir: '/w', ship: noShip }, [{ name: 'a' }], { dataRoot: '/var/tmp' }, 'hadoop');
  assert.is(rooted.dataDirOf({ name: 'a' }), '/var/tmp/icbench-hadoop-r1-a');
  assert.throws(
    () => placeHadoop({ runId: 'r1', workDir: '/w' }, [{ name: 'a' }], { dataRoot: 'tmp' }, 'hadoopElastic.hadoop'),
    /hadoopElastic\.hadoop\.dataRoot/,
  );
});

test('a DataNode that died is named with the last error of its log; running ones are not', async () => {
  const h = resolveHadoopOptions({ hadoopHome: home, javaHome: DEBIAN_JAVA_HOME });
  const nodes = ['n1', 'n2'].map((name, i) => ({ name, address: `10.9.0.${i + 1}`, site: 'A' }));
  const dirOf = (n: { name: string }) => join(tmp, n.name, 'hadoop');
  for (const n of nodes) mkdirSync(join(dirOf(n), 'pids'), { recursive: true });
  mkdirSync(join(dirOf(nodes[1]), 'logs'), { recursive: true });
  // n1's DataNode runs (a pid that is alive: this process); n2's died (a pid that is gone).
  writeFileSync(join(dirOf(nodes[0]), 'pids', 'hadoop-hdfs-datanode.pid'), `${process.pid}\n`);
  const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
  writeFileSync(join(dirOf(nodes[1]), 'pids', 'hadoop-hdfs-datanode.pid'), `${gone}\n`);
  writeFileSync(
    join(dirOf(nodes[1]), 'logs', 'hadoop-hdfs-datanode.log'),
    'INFO starting\nERROR org.apache.hadoop.hdfs.server.datanode.DataNode: Exception in secureMain\nINFO org.apache.hadoop.util.ExitUtil: Exiting with status 1: java.net.UnknownHostException: n2\n',
  );
  const exec = (s: Step) => run(s.argv, { input: s.input, timeoutMs: 30_000 });
  const why = await daemonStopped(nodes, dirOf, h, 'datanode', exec);
  assert.is(why, 'the datanode on n2 stopped: INFO org.apache.hadoop.util.ExitUtil: Exiting with status 1: java.net.UnknownHostException: n2');
  rmSync(join(dirOf(nodes[1]), 'pids', 'hadoop-hdfs-datanode.pid'));
  writeFileSync(join(dirOf(nodes[1]), 'pids', 'hadoop-hdfs-datanode.pid'), `${process.pid}\n`);
  assert.is(await daemonStopped(nodes, dirOf, h, 'datanode', exec), null, 'both running');
  assert.ok(existsSync(join(dirOf(nodes[0]), 'pids', 'hadoop-hdfs-datanode.pid')), 'status does not touch a running pid file');
});

test.run();
