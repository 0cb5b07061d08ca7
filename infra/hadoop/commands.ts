/**
 * Pure command builders for a Hadoop 3.x benchmark cluster: argv arrays (never shell strings) per
 * node, in the order they must run. The runner (runners/terasort-hadoop.ts) executes them through
 * each node's Executor. Every tool runs with an explicit environment (`env K=V ... bin/tool`), so
 * nothing depends on a login shell on the node.
 *
 * Hadoop 3 syntax: `hdfs --daemon start namenode`, `yarn --daemon start resourcemanager`.
 * Hadoop 2.x used `sbin/hadoop-daemon.sh start namenode` / `sbin/yarn-daemon.sh start resourcemanager`
 * and is not driven by this file.
 */
import { hadoopConfigFiles, hadoopDirs, type HadoopNode, type ResolvedHadoop } from './config.js';

export interface Step {
  /** Node name the argv runs on. */
  node: string;
  argv: string[];
  /** Standard input (file contents for writes). */
  input?: string;
  /** Human description for progress lines and error messages. */
  what: string;
}

export type DataDirOf = (node: HadoopNode) => string;

export function hadoopEnv(h: ResolvedHadoop, dataDir: string): string[] {
  const d = hadoopDirs(dataDir);
  return [
    'env',
    `JAVA_HOME=${h.javaHome}`,
    `HADOOP_HOME=${h.hadoopHome}`,
    `HADOOP_CONF_DIR=${d.conf}`,
    `HADOOP_LOG_DIR=${d.logs}`,
    `HADOOP_PID_DIR=${d.pids}`,
    `HADOOP_HEAPSIZE_MAX=${h.daemonHeapMiB}`,
  ];
}

/** `bin/<tool> args...` with the node's Hadoop environment. */
export function tool(h: ResolvedHadoop, dataDir: string, bin: 'hdfs' | 'yarn' | 'hadoop', ...args: string[]): string[] {
  return [...hadoopEnv(h, dataDir), `${h.hadoopHome}/bin/${bin}`, ...args];
}

/** Writes stdin to `path` on the node; the path is an argument, never part of the script. */
export function writeFileArgv(path: string): string[] {
  return ['sh', '-c', 'cat > "$1"', 'sh', path];
}

/** Directories, then configuration files on every node, then a fresh NameNode format on the master. */
export function setupSteps(cluster: HadoopNode[], dataDirOf: DataDirOf, h: ResolvedHadoop, clusterId: string): Step[] {
  const steps: Step[] = [];
  for (const n of cluster) {
    const d = hadoopDirs(dataDirOf(n));
    steps.push({
      node: n.name,
      what: `create Hadoop directories on ${n.name}`,
      argv: ['mkdir', '-p', d.conf, d.name, d.data, d.tmp, d.nmLocal, d.nmLogs, d.logs, d.pids],
    });
    for (const f of hadoopConfigFiles(cluster, n, dataDirOf(n), h))
      steps.push({ node: n.name, what: `write ${f.name} on ${n.name}`, argv: writeFileArgv(`${d.conf}/${f.name}`), input: f.content });
  }
  const m = cluster[0];
  steps.push({
    node: m.name,
    what: `format the NameNode on ${m.name}`,
    argv: tool(h, dataDirOf(m), 'hdfs', 'namenode', '-format', '-clusterid', clusterId, '-force', '-nonInteractive'),
  });
  return steps;
}

const daemon = (h: ResolvedHadoop, dataDir: string, bin: 'hdfs' | 'yarn', action: 'start' | 'stop' | 'status', name: string) =>
  tool(h, dataDir, bin, '--daemon', action, name);

/** NameNode and ResourceManager on the master (the first node of the cluster). */
export function masterStartSteps(m: HadoopNode, dataDirOf: DataDirOf, h: ResolvedHadoop): Step[] {
  return [
    { node: m.name, what: `start the NameNode on ${m.name}`, argv: daemon(h, dataDirOf(m), 'hdfs', 'start', 'namenode') },
    { node: m.name, what: `start the ResourceManager on ${m.name}`, argv: daemon(h, dataDirOf(m), 'yarn', 'start', 'resourcemanager') },
  ];
}

/** A worker: DataNode, then NodeManager (also how a worker joins a running cluster). */
export function workerStartSteps(n: HadoopNode, dataDirOf: DataDirOf, h: ResolvedHadoop): Step[] {
  return [
    { node: n.name, what: `start a DataNode on ${n.name}`, argv: daemon(h, dataDirOf(n), 'hdfs', 'start', 'datanode') },
    { node: n.name, what: `start a NodeManager on ${n.name}`, argv: daemon(h, dataDirOf(n), 'yarn', 'start', 'nodemanager') },
  ];
}

/**
 * NameNode, DataNodes, ResourceManager, NodeManagers (the HDFS side first: YARN jobs need it).
 * `workers` defaults to every node of the cluster (the master works too).
 */
export function startSteps(cluster: HadoopNode[], dataDirOf: DataDirOf, h: ResolvedHadoop, workers: HadoopNode[] = cluster): Step[] {
  const [nn, rm] = masterStartSteps(cluster[0], dataDirOf, h);
  const w = workers.map((n) => workerStartSteps(n, dataDirOf, h));
  return [nn, ...w.map((x) => x[0]), rm, ...w.map((x) => x[1])];
}

/** The start sequence reversed, for every node that may run daemons. Each stop is attempted even if an earlier one failed. */
export function stopSteps(cluster: HadoopNode[], dataDirOf: DataDirOf, h: ResolvedHadoop, workers: HadoopNode[] = cluster): Step[] {
  const m = cluster[0];
  return [
    ...workers.map((n) => ({ node: n.name, what: `stop the NodeManager on ${n.name}`, argv: daemon(h, dataDirOf(n), 'yarn', 'stop', 'nodemanager') })),
    { node: m.name, what: `stop the ResourceManager on ${m.name}`, argv: daemon(h, dataDirOf(m), 'yarn', 'stop', 'resourcemanager') },
    ...workers.map((n) => ({ node: n.name, what: `stop the DataNode on ${n.name}`, argv: daemon(h, dataDirOf(n), 'hdfs', 'stop', 'datanode') })),
    { node: m.name, what: `stop the NameNode on ${m.name}`, argv: daemon(h, dataDirOf(m), 'hdfs', 'stop', 'namenode') },
  ];
}

/** Whether a daemon still runs (`--daemon status`: exit 0 when it does). */
export function daemonStatusStep(
  n: HadoopNode,
  dataDirOf: DataDirOf,
  h: ResolvedHadoop,
  daemonName: 'datanode' | 'nodemanager' | 'namenode' | 'resourcemanager',
): Step {
  const bin = daemonName === 'datanode' || daemonName === 'namenode' ? 'hdfs' : 'yarn';
  return { node: n.name, what: `is the ${daemonName} of ${n.name} running`, argv: daemon(h, dataDirOf(n), bin, 'status', daemonName) };
}

/** Why a daemon stopped: the last ERROR/FATAL or exception line of its log (the launcher's and Hadoop's names). */
export function daemonLogReasonArgv(dataDir: string, daemonName: string): string[] {
  return [
    'sh',
    '-c',
    'for f in "$1"/logs/*-"$2".log "$1"/logs/*-"$2".out; do [ -f "$f" ] && grep -E "ERROR|FATAL|Exception|Exiting with status" "$f"; done | tail -n 1',
    'sh',
    dataDir,
    daemonName,
  ];
}

/** Removes each node's run directory (configuration, HDFS blocks, logs, pid files). */
export function cleanupSteps(cluster: HadoopNode[], dataDirOf: DataDirOf): Step[] {
  return cluster.map((n) => ({ node: n.name, what: `remove ${dataDirOf(n)} on ${n.name}`, argv: ['rm', '-rf', '--', dataDirOf(n)] }));
}

/** Lists the examples jar (the runner takes the first line); its version is part of the name. */
export function findExamplesJarArgv(h: ResolvedHadoop): string[] {
  return ['sh', '-c', 'ls -1 "$1"/share/hadoop/mapreduce/hadoop-mapreduce-examples-*.jar', 'sh', h.hadoopHome];
}

/**
 * A daemon's JMX bean over HTTP from inside the master node: no JVM to start (a `hdfs dfsadmin` poll
 * costs a JVM start-up, which takes tens of seconds on a few loaded cores). curl may be missing on a
 * real node: the caller falls back to the CLI.
 */
export function jmxArgv(address: string, port: number, query: string): string[] {
  return ['curl', '-sf', '--max-time', '10', `http://${address}:${port}/jmx?qry=${query}`];
}
export const NAMENODE_STATE_BEAN = 'Hadoop:service=NameNode,name=FSNamesystemState';
export const RM_CLUSTER_BEAN = 'Hadoop:service=ResourceManager,name=ClusterMetrics';

/** The NodeManagers the ResourceManager declared LOST, from its REST API (JSON; no JVM to start). */
export function rmLostNodesArgv(address: string, port: number): string[] {
  return ['curl', '-sf', '--max-time', '10', `http://${address}:${port}/ws/v1/cluster/nodes?states=LOST`];
}
/** The same from the CLI, where the node has no curl (a JVM start: seconds to tens of seconds). */
export const yarnLostNodesArgv = (h: ResolvedHadoop, dataDir: string) => tool(h, dataDir, 'yarn', 'node', '-list', '-states', 'LOST');

export const dfsadminReportArgv = (h: ResolvedHadoop, dataDir: string) => tool(h, dataDir, 'hdfs', 'dfsadmin', '-report');
export const yarnNodeListArgv = (h: ResolvedHadoop, dataDir: string) => tool(h, dataDir, 'yarn', 'node', '-list');

/** HDFS paths of one repetition; they carry the run id. */
export function benchPaths(runId: string, repetition: number) {
  const base = `/icbench/${runId}/rep${repetition}`;
  return { base, input: `${base}/in`, output: `${base}/out`, report: `${base}/report` };
}

export function teragenArgv(h: ResolvedHadoop, dataDir: string, jar: string, rows: number, maps: number, out: string): string[] {
  return tool(h, dataDir, 'hadoop', 'jar', jar, 'teragen', `-Dmapreduce.job.maps=${maps}`, String(rows), out);
}

/**
 * TeraSort writes its output with 1 replica whatever dfs.replication says (mapreduce.terasort.output.replication,
 * default 1): with a replication above 1 the output gets it too, or a worker lost after its reducer finished
 * takes that part of the sorted output with it.
 */
export function terasortArgv(h: ResolvedHadoop, dataDir: string, jar: string, reduces: number, input: string, out: string): string[] {
  const repl = h.replication > 1 ? [`-Dmapreduce.terasort.output.replication=${h.replication}`] : [];
  return tool(h, dataDir, 'hadoop', 'jar', jar, 'terasort', `-Dmapreduce.job.reduces=${reduces}`, ...repl, input, out);
}

/** TeraValidate forces one reducer itself, so its report is a single part-r-00000. */
export function teravalidateArgv(h: ResolvedHadoop, dataDir: string, jar: string, sorted: string, report: string): string[] {
  return tool(h, dataDir, 'hadoop', 'jar', jar, 'teravalidate', sorted, report);
}

export const catReportArgv = (h: ResolvedHadoop, dataDir: string, report: string) => tool(h, dataDir, 'hdfs', 'dfs', '-cat', `${report}/part-r-00000`);
export const removeHdfsArgv = (h: ResolvedHadoop, dataDir: string, path: string) => tool(h, dataDir, 'hdfs', 'dfs', '-rm', '-r', '-f', '-skipTrash', path);
