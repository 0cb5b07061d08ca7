/**
 * Hadoop configuration generation. The generated XML is read back by a real XML parser
 * (python3's xml.etree, part of Debian's python3), so escaping is checked the way Hadoop's own
 * parser would see it, not by the regex that wrote it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { hadoopConfigFiles, hdfsDeadAfterS, resolveHadoopOptions, xmlEscape, type ConfigFile } from '../../../infra/hadoop/config.js';
import { terasortArgv } from '../../../infra/hadoop/commands.js';
import { ConfigError } from '../../../infra/units.js';

const PARSE = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
assert root.tag == 'configuration', root.tag
print(json.dumps({p.findtext('name'): p.findtext('value') for p in root.findall('property')}))`;

function props(files: ConfigFile[], name: string): Record<string, string> {
  const f = files.find((x) => x.name === name);
  assert.ok(f, `${name} generated`);
  return JSON.parse(execFileSync('python3', ['-c', PARSE], { input: f.content, encoding: 'utf8' }));
}

const cluster = [
  { name: 'n1', address: '10.20.0.1' },
  { name: 'n2', address: '10.20.0.2' },
  { name: 'n3', address: 'worker-3.lab' },
];
const h = resolveHadoopOptions({ hadoopHome: '/opt/hadoop-3.3.6', javaHome: '/usr/lib/jvm/java-11-openjdk-amd64' });
const files = hadoopConfigFiles(cluster, cluster[1], '/tmp/run-x/nodes/n2/hadoop', h);

test('core-site: fs.defaultFS points at the master (first node) on 9000; tmp under the node dir', () => {
  const p = props(files, 'core-site.xml');
  assert.is(p['fs.defaultFS'], 'hdfs://10.20.0.1:9000');
  assert.is(p['hadoop.tmp.dir'], '/tmp/run-x/nodes/n2/hadoop/tmp');
});

test('hdfs-site: replication 1 by default, name/data dirs, this node advertises its own address', () => {
  const p = props(files, 'hdfs-site.xml');
  assert.is(p['dfs.replication'], '1');
  assert.is(p['dfs.blocksize'], String(128 * 1024 * 1024));
  assert.is(p['dfs.namenode.name.dir'], 'file:///tmp/run-x/nodes/n2/hadoop/name');
  assert.is(p['dfs.datanode.data.dir'], 'file:///tmp/run-x/nodes/n2/hadoop/data');
  assert.is(p['dfs.datanode.hostname'], '10.20.0.2');
  assert.is(p['dfs.datanode.address'], '10.20.0.2:9866');
  assert.is(p['dfs.namenode.http-address'], '10.20.0.1:9870');
  assert.is(p['dfs.namenode.datanode.registration.ip-hostname-check'], 'false');
});

test('mapred-site: YARN framework, HADOOP_MAPRED_HOME for AM/map/reduce, heap 80% of the container', () => {
  const p = props(files, 'mapred-site.xml');
  assert.is(p['mapreduce.framework.name'], 'yarn');
  for (const k of ['yarn.app.mapreduce.am.env', 'mapreduce.map.env', 'mapreduce.reduce.env']) assert.is(p[k], 'HADOOP_MAPRED_HOME=/opt/hadoop-3.3.6');
  assert.is(p['mapreduce.map.memory.mb'], '1024');
  assert.is(p['mapreduce.map.java.opts'], '-Xmx819m');
});

test('yarn-site: RM on the master, shuffle aux service, memory/vcores, no vmem check', () => {
  const p = props(files, 'yarn-site.xml');
  assert.is(p['yarn.resourcemanager.hostname'], '10.20.0.1');
  assert.is(p['yarn.resourcemanager.address'], '10.20.0.1:8032');
  assert.is(p['yarn.nodemanager.aux-services'], 'mapreduce_shuffle');
  assert.is(p['yarn.nodemanager.resource.memory-mb'], '3072');
  assert.is(p['yarn.nodemanager.resource.cpu-vcores'], '2');
  assert.is(p['yarn.nodemanager.hostname'], '10.20.0.2');
  assert.is(p['yarn.nodemanager.vmem-check-enabled'], 'false');
});

test('workers lists every node address; hadoop-env.sh sets JAVA_HOME, log and pid dirs', () => {
  assert.is(files.find((f) => f.name === 'workers')!.content, '10.20.0.1\n10.20.0.2\nworker-3.lab\n');
  const env = files.find((f) => f.name === 'hadoop-env.sh')!.content;
  assert.match(env, /^export JAVA_HOME='\/usr\/lib\/jvm\/java-11-openjdk-amd64'$/m);
  assert.match(env, /^export HADOOP_PID_DIR='\/tmp\/run-x\/nodes\/n2\/hadoop\/pids'$/m);
  const out = execFileSync('sh', ['-c', 'eval "$(cat)"; printf %s "$JAVA_HOME|$HADOOP_LOG_DIR"'], { input: env, encoding: 'utf8' });
  assert.is(out, '/usr/lib/jvm/java-11-openjdk-amd64|/tmp/run-x/nodes/n2/hadoop/logs');
});

test('values with XML and shell metacharacters survive: parsed back exactly', () => {
  const odd = resolveHadoopOptions({ hadoopHome: "/opt/a&b <c> 'd'", javaHome: '/jdk' });
  const f = hadoopConfigFiles(cluster, cluster[0], '/tmp/x&y', odd);
  assert.is(props(f, 'mapred-site.xml')['mapreduce.map.env'], "HADOOP_MAPRED_HOME=/opt/a&b <c> 'd'");
  assert.is(props(f, 'core-site.xml')['hadoop.tmp.dir'], '/tmp/x&y/tmp');
  assert.is(xmlEscape(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  const env = f.find((x) => x.name === 'hadoop-env.sh')!.content;
  assert.is(execFileSync('sh', ['-c', 'eval "$(cat)"; printf %s "$HADOOP_HOME"'], { input: env, encoding: 'utf8' }), "/opt/a&b <c> 'd'");
});

test('options: ports, replication and memory are configurable', () => {
  const r = resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', replication: 3, nodeMemoryMiB: 8192, nodeVcores: 4, ports: { namenodeRpc: 8020 } });
  const f = hadoopConfigFiles(cluster, cluster[2], '/d', r);
  assert.is(props(f, 'core-site.xml')['fs.defaultFS'], 'hdfs://10.20.0.1:8020');
  assert.is(props(f, 'hdfs-site.xml')['dfs.replication'], '3');
  assert.is(props(f, 'yarn-site.xml')['yarn.nodemanager.resource.memory-mb'], '8192');
  assert.is(props(f, 'yarn-site.xml')['yarn.scheduler.maximum-allocation-vcores'], '4');
});

test('a lost worker (issue 28): NodeManager LOST after lostNodeAfterS (30 s by default), stale DataNodes avoided, dead at 2 x recheck + 10 heartbeats; task/AM attempts written out', () => {
  const y = props(files, 'yarn-site.xml'),
    d = props(files, 'hdfs-site.xml'),
    m = props(files, 'mapred-site.xml');
  assert.is(y['yarn.nm.liveness-monitor.expiry-interval-ms'], '30000');
  assert.is(y['yarn.resourcemanager.am.max-attempts'], '2');
  assert.is(y['yarn.client.nodemanager-connect.max-wait-ms'], '30000');
  assert.is(y['yarn.client.nodemanager-connect.retry-interval-ms'], '10000');
  assert.is(d['dfs.namenode.stale.datanode.interval'], '30000');
  assert.is(d['dfs.namenode.avoid.write.stale.datanode'], 'true');
  assert.is(d['dfs.namenode.avoid.read.stale.datanode'], 'true');
  assert.is(d['dfs.namenode.heartbeat.recheck-interval'], '1000');
  assert.is(hdfsDeadAfterS(h), 32);
  assert.equal([m['mapreduce.map.maxattempts'], m['mapreduce.reduce.maxattempts'], m['mapreduce.am.max-attempts']], ['4', '4', '2']);
  // Longer: recheck so that 2 x recheck + 30 s is the given time; shorter: stale at the given time (at least 3 heartbeats).
  const long = resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', lostNodeAfterS: 120 });
  assert.is(props(hadoopConfigFiles(cluster, cluster[0], '/d', long), 'hdfs-site.xml')['dfs.namenode.heartbeat.recheck-interval'], '45000');
  assert.is(hdfsDeadAfterS(long), 120);
  const short = resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', lostNodeAfterS: 15 });
  const f = hadoopConfigFiles(cluster, cluster[0], '/d', short);
  assert.is(props(f, 'yarn-site.xml')['yarn.nm.liveness-monitor.expiry-interval-ms'], '15000');
  assert.is(props(f, 'hdfs-site.xml')['dfs.namenode.stale.datanode.interval'], '15000');
  assert.is(props(f, 'yarn-site.xml')['yarn.client.nodemanager-connect.retry-interval-ms'], '5000');
});

test("terasort's output gets the replication when it is above 1 (TeraSort writes 1 replica unless told)", () => {
  const argv = (r: number) => terasortArgv(resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', replication: r }), '/d', '/x.jar', 4, '/in', '/out');
  assert.equal(argv(1).slice(-5), ['/x.jar', 'terasort', '-Dmapreduce.job.reduces=4', '/in', '/out']);
  assert.not.ok(argv(1).some((a) => a.includes('output.replication')));
  assert.equal(argv(2).slice(-4), ['-Dmapreduce.job.reduces=4', '-Dmapreduce.terasort.output.replication=2', '/in', '/out']);
});

function rejects(fn: () => unknown, field: string, expected: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, field);
    assert.match((e as Error).message, expected);
    return;
  }
  assert.unreachable(`expected a ConfigError for ${field}`);
}

test('bad options are ConfigErrors naming the field', () => {
  rejects(() => resolveHadoopOptions({ hadoopHome: 'opt/hadoop', javaHome: '/j' }), 'hadoop.hadoopHome', /absolute path/);
  rejects(() => resolveHadoopOptions({ hadoopHome: '/opt/$HOME', javaHome: '/j' }), 'hadoop.hadoopHome', /absolute path/);
  rejects(() => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j/../k' }), 'hadoop.javaHome', /"\.\."/);
  rejects(() => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', replication: 0 }), 'hadoop.replication', /from 1 to 512/);
  rejects(() => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', lostNodeAfterS: 9 }), 'hadoop.lostNodeAfterS', /from 10 to 86400/);
  rejects(
    () => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', nodeMemoryMiB: 1024, mapMemoryMiB: 2048 }),
    'hadoop.mapMemoryMiB',
    /at most nodeMemoryMiB \(1024\)/,
  );
  rejects(() => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', ports: { rm: 9000 } }), 'hadoop.ports.rm', /already used by namenodeRpc/);
  rejects(() => resolveHadoopOptions({ hadoopHome: '/h', javaHome: '/j', ports: { nope: 1 } as never }), 'hadoop.ports.nope', /one of namenodeRpc/);
  rejects(() => hadoopConfigFiles([], cluster[0], '/d', h), 'cluster', /at least one node/);
  rejects(() => hadoopConfigFiles([{ name: 'a', address: '-x' }], cluster[0], '/d', h), 'cluster[0].address', /IPv4 address or host name/);
  rejects(
    () =>
      hadoopConfigFiles(
        [
          { name: 'a', address: '10.0.0.1' },
          { name: 'a', address: '10.0.0.2' },
        ],
        cluster[0],
        '/d',
        h,
      ),
    'cluster[1].name',
    /not already in the cluster/,
  );
});

test.run();
