/**
 * Pure Hadoop 3.x configuration for a benchmark cluster: the first node is the master (NameNode +
 * ResourceManager), every node is a worker (DataNode + NodeManager). Options in, file contents out;
 * nothing touches a machine here. Every value put into XML is escaped.
 *
 * Version notes: Hadoop 2.x reads the same *-site.xml keys but calls the workers file `slaves`
 * and starts daemons with hadoop-daemon.sh/yarn-daemon.sh (see commands.ts). Hadoop 0.20/1.x
 * (JobTracker/TaskTracker, mapred.job.tracker, no YARN) is not supported by this engine.
 */
import { ConfigError } from '../units.js';
import { posixQuote as shellQuote } from '../exec.js';

export interface HadoopPorts {
  namenodeRpc: number;
  namenodeHttp: number;
  datanode: number;
  datanodeHttp: number;
  datanodeIpc: number;
  rmScheduler: number;
  rmTracker: number;
  rm: number;
  rmAdmin: number;
  rmWebapp: number;
  nmWebapp: number;
  nmLocalizer: number;
  shuffle: number;
}

/** Hadoop 3.x defaults, except NameNode RPC on 9000 (the historical fs.defaultFS port). */
export const DEFAULT_PORTS: HadoopPorts = {
  namenodeRpc: 9000,
  namenodeHttp: 9870,
  datanode: 9866,
  datanodeHttp: 9864,
  datanodeIpc: 9867,
  rmScheduler: 8030,
  rmTracker: 8031,
  rm: 8032,
  rmAdmin: 8033,
  rmWebapp: 8088,
  nmWebapp: 8042,
  nmLocalizer: 8040,
  shuffle: 13562,
};

export interface HadoopOptions {
  /** Hadoop 3.x installation on every node (bin/hdfs, bin/yarn, bin/hadoop, share/...). */
  hadoopHome: string;
  /** JDK on every node (JAVA_HOME). */
  javaHome: string;
  /**
   * HDFS block replication of what the benchmark writes (TeraGen's input and, when above 1, TeraSort's output:
   * TeraSort writes its output with mapreduce.terasort.output.replication, 1 unless told). Default 1: a benchmark
   * measures the network and disks, not durability; but with 1 a lost DataNode takes the only copy of its blocks
   * and the job fails. 2 or more lets a job finish on the survivors when a worker is lost.
   */
  replication?: number;
  /**
   * Seconds without a heartbeat after which the ResourceManager declares a NodeManager LOST (its containers are
   * then re-run elsewhere: yarn.nm.liveness-monitor.expiry-interval-ms) and the NameNode stops offering its
   * DataNode to writers (stale) and then declares it dead. Default 30 (Hadoop's own: 600 s for YARN, 630 s for HDFS):
   * a lab or a benchmark run should not wait 10 minutes for a lost worker; a NodeManager silent for 30 s on a
   * loaded lab machine is lost rather than slow (its heartbeat is every second).
   */
  lostNodeAfterS?: number;
  /** dfs.blocksize in MiB, default 128 (the Hadoop default). */
  blockSizeMiB?: number;
  /** Heap of each daemon JVM (NameNode, DataNode, ResourceManager, NodeManager: HADOOP_HEAPSIZE_MAX), default 512. */
  daemonHeapMiB?: number;
  /** Memory YARN may hand out per NodeManager (yarn.nodemanager.resource.memory-mb), default 3072: an AM and two
   * 1 GiB tasks per node, so 4 nodes (4 x (3 GiB + 2 daemons)) stay well inside this 24 GiB machine. */
  nodeMemoryMiB?: number;
  /** vcores per NodeManager (yarn.nodemanager.resource.cpu-vcores), default 2. */
  nodeVcores?: number;
  /** Container size of one map / reduce task and of the MR ApplicationMaster, default 1024 each. */
  mapMemoryMiB?: number;
  reduceMemoryMiB?: number;
  amMemoryMiB?: number;
  ports?: Partial<HadoopPorts>;
}

/** What a node needs beyond the cluster-wide options. */
export interface HadoopNode {
  name: string;
  address: string;
}

export interface ConfigFile {
  name: string;
  content: string;
}

export interface ResolvedHadoop extends Required<Omit<HadoopOptions, 'ports'>> {
  ports: HadoopPorts;
}

const ADDR_RE = /^[A-Za-z0-9][A-Za-z0-9.-]*$/; // IPv4 or host name: both go into URIs unbracketed
const ABS_RE = /^\/[^\0\n\r"`$\\]*$/;

export function absPath(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ABS_RE.test(v) || v.split('/').includes('..'))
    throw new ConfigError(field, 'an absolute path without "..", quotes, $, ` or backslashes', v);
  return v.replace(/\/+$/, '') || '/';
}

function int(v: unknown, field: string, min: number, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(field, `${what}, a whole number from ${min} to ${max}`, v);
  return v;
}

/** Checks every option (ConfigError naming the field) and fills in the defaults. */
export function resolveHadoopOptions(o: HadoopOptions, field = 'hadoop'): ResolvedHadoop {
  if (typeof o !== 'object' || o === null) throw new ConfigError(field, 'an object', o);
  const ports = { ...DEFAULT_PORTS };
  for (const [k, v] of Object.entries(o.ports ?? {})) {
    if (!(k in DEFAULT_PORTS)) throw new ConfigError(`${field}.ports.${k}`, `one of ${Object.keys(DEFAULT_PORTS).join(', ')}`, k);
    ports[k as keyof HadoopPorts] = int(v, `${field}.ports.${k}`, 1, 65535, 'a TCP port');
  }
  const seen = new Map<number, string>();
  for (const [k, v] of Object.entries(ports)) {
    if (seen.has(v)) throw new ConfigError(`${field}.ports.${k}`, `a port not already used by ${seen.get(v)}`, v);
    seen.set(v, k);
  }
  const r: ResolvedHadoop = {
    hadoopHome: absPath(o.hadoopHome, `${field}.hadoopHome`),
    javaHome: absPath(o.javaHome, `${field}.javaHome`),
    replication: int(o.replication ?? 1, `${field}.replication`, 1, 512, 'a replication factor'),
    lostNodeAfterS: int(o.lostNodeAfterS ?? 30, `${field}.lostNodeAfterS`, 10, 86_400, 'seconds'),
    blockSizeMiB: int(o.blockSizeMiB ?? 128, `${field}.blockSizeMiB`, 1, 65536, 'MiB'),
    daemonHeapMiB: int(o.daemonHeapMiB ?? 512, `${field}.daemonHeapMiB`, 64, 1_048_576, 'MiB'),
    nodeMemoryMiB: int(o.nodeMemoryMiB ?? 3072, `${field}.nodeMemoryMiB`, 512, 16_777_216, 'MiB'),
    nodeVcores: int(o.nodeVcores ?? 2, `${field}.nodeVcores`, 1, 4096, 'vcores'),
    mapMemoryMiB: int(o.mapMemoryMiB ?? 1024, `${field}.mapMemoryMiB`, 128, 16_777_216, 'MiB'),
    reduceMemoryMiB: int(o.reduceMemoryMiB ?? 1024, `${field}.reduceMemoryMiB`, 128, 16_777_216, 'MiB'),
    amMemoryMiB: int(o.amMemoryMiB ?? 1024, `${field}.amMemoryMiB`, 128, 16_777_216, 'MiB'),
    ports,
  };
  for (const k of ['mapMemoryMiB', 'reduceMemoryMiB', 'amMemoryMiB'] as const)
    if (r[k] > r.nodeMemoryMiB) throw new ConfigError(`${field}.${k}`, `at most nodeMemoryMiB (${r.nodeMemoryMiB}), or no container fits on a node`, r[k]);
  return r;
}

export function checkCluster(cluster: HadoopNode[], field = 'cluster'): void {
  if (!Array.isArray(cluster) || cluster.length === 0) throw new ConfigError(field, 'at least one node (the first is the master)', cluster);
  const names = new Set<string>();
  cluster.forEach((n, i) => {
    if (typeof n.address !== 'string' || !ADDR_RE.test(n.address)) throw new ConfigError(`${field}[${i}].address`, 'an IPv4 address or host name', n.address);
    if (names.has(n.name)) throw new ConfigError(`${field}[${i}].name`, 'a node name not already in the cluster', n.name);
    names.add(n.name);
  });
}

/** HDFS heartbeats stay at Hadoop's 3 s; a DataNode is stale (avoided) after lostNodeAfterS, at least 3 heartbeats. */
const HDFS_HEARTBEAT_S = 3;
const staleMs = (h: ResolvedHadoop) => Math.max(3 * HDFS_HEARTBEAT_S, h.lostNodeAfterS) * 1000;
/** Dead after 2 x recheck + 10 heartbeats: recheck chosen so that this is lostNodeAfterS, but never under 1 s (so at least 32 s). */
const recheckMs = (h: ResolvedHadoop) => Math.max(1000, Math.round(((h.lostNodeAfterS - 10 * HDFS_HEARTBEAT_S) * 1000) / 2));
/** When the NameNode declares a silent DataNode dead, in seconds. */
export const hdfsDeadAfterS = (h: ResolvedHadoop): number => (2 * recheckMs(h)) / 1000 + 10 * HDFS_HEARTBEAT_S;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function siteXml(props: [string, string | number | boolean][]): string {
  const body = props.map(([k, v]) => `  <property>\n    <name>${xmlEscape(k)}</name>\n    <value>${xmlEscape(String(v))}</value>\n  </property>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- generated by intercloud-bench -->\n<configuration>\n${body}</configuration>\n`;
}

/** Per-node directories, all under the node's own data directory (which carries the run id). */
export function hadoopDirs(dataDir: string) {
  return {
    conf: `${dataDir}/conf`,
    name: `${dataDir}/name`,
    data: `${dataDir}/data`,
    tmp: `${dataDir}/tmp`,
    nmLocal: `${dataDir}/nm-local`,
    nmLogs: `${dataDir}/nm-logs`,
    logs: `${dataDir}/logs`,
    pids: `${dataDir}/pids`,
  };
}

/** The configuration directory of one node. `dataDir` must be that node's run-specific directory. */
export function hadoopConfigFiles(cluster: HadoopNode[], node: HadoopNode, dataDir: string, h: ResolvedHadoop): ConfigFile[] {
  checkCluster(cluster);
  const master = cluster[0].address;
  const d = hadoopDirs(absPath(dataDir, 'hadoop.dataDir'));
  const p = h.ports;
  const me = node.address;
  const heap = (mib: number) => `-Xmx${Math.floor(mib * 0.8)}m`;
  const mrEnv = `HADOOP_MAPRED_HOME=${h.hadoopHome}`;
  return [
    {
      name: 'core-site.xml',
      content: siteXml([
        ['fs.defaultFS', `hdfs://${master}:${p.namenodeRpc}`],
        ['hadoop.tmp.dir', d.tmp],
      ]),
    },
    {
      name: 'hdfs-site.xml',
      content: siteXml([
        ['dfs.replication', h.replication],
        ['dfs.blocksize', h.blockSizeMiB * 1024 * 1024],
        ['dfs.namenode.name.dir', `file://${d.name}`],
        ['dfs.datanode.data.dir', `file://${d.data}`],
        // Every endpoint on the node's cluster address only (issue 24): nothing on 0.0.0.0. The overlay's
        // firewall is what keeps outsiders off the segment (Hadoop's simple auth trusts any claimed user).
        ['dfs.namenode.rpc-bind-host', master],
        ['dfs.namenode.http-bind-host', master],
        ['dfs.namenode.http-address', `${master}:${p.namenodeHttp}`],
        ['dfs.datanode.address', `${me}:${p.datanode}`],
        ['dfs.datanode.http.address', `${me}:${p.datanodeHttp}`],
        ['dfs.datanode.ipc.address', `${me}:${p.datanodeIpc}`],
        ['dfs.datanode.hostname', me],
        // Nodes are known by address only (no DNS in the lab): skip the NameNode's reverse lookup.
        ['dfs.namenode.datanode.registration.ip-hostname-check', false],
        ['dfs.permissions.enabled', false],
        // A fresh benchmark file system: no 30 s wait in safe mode after a restart.
        ['dfs.namenode.safemode.extension', 0],
        // A lost DataNode (issue 28): readers and writers avoid it once it is stale, and it is dead (its blocks
        // re-replicated from their other copies) after 2 x recheck + 10 heartbeats (3 s each) = hdfsDeadAfterS.
        ['dfs.namenode.avoid.read.stale.datanode', true],
        ['dfs.namenode.avoid.write.stale.datanode', true],
        ['dfs.namenode.stale.datanode.interval', staleMs(h)],
        ['dfs.namenode.heartbeat.recheck-interval', recheckMs(h)],
      ]),
    },
    {
      name: 'mapred-site.xml',
      content: siteXml([
        ['mapreduce.framework.name', 'yarn'],
        ['yarn.app.mapreduce.am.env', mrEnv],
        ['mapreduce.map.env', mrEnv],
        ['mapreduce.reduce.env', mrEnv],
        ['yarn.app.mapreduce.am.resource.mb', h.amMemoryMiB],
        ['mapreduce.map.memory.mb', h.mapMemoryMiB],
        ['mapreduce.reduce.memory.mb', h.reduceMemoryMiB],
        ['mapreduce.map.java.opts', heap(h.mapMemoryMiB)],
        ['mapreduce.reduce.java.opts', heap(h.reduceMemoryMiB)],
        ['mapreduce.shuffle.port', p.shuffle],
        // A benchmark times one attempt per task: speculative copies (seen killed in real runs here) add work and noise.
        ['mapreduce.map.speculative', false],
        ['mapreduce.reduce.speculative', false],
        // A task whose node is lost is re-run by the ApplicationMaster (its attempt KILLED, or FAILED after too
        // many fetch failures of its output): Hadoop's defaults, written out because the lost-node runs rely on
        // them. Killed attempts do not count against maxattempts; an AM on a lost node gets a second attempt.
        ['mapreduce.map.maxattempts', 4],
        ['mapreduce.reduce.maxattempts', 4],
        ['mapreduce.am.max-attempts', 2],
      ]),
    },
    {
      name: 'yarn-site.xml',
      content: siteXml([
        ['yarn.resourcemanager.hostname', master],
        ['yarn.resourcemanager.address', `${master}:${p.rm}`],
        ['yarn.resourcemanager.scheduler.address', `${master}:${p.rmScheduler}`],
        ['yarn.resourcemanager.resource-tracker.address', `${master}:${p.rmTracker}`],
        ['yarn.resourcemanager.admin.address', `${master}:${p.rmAdmin}`],
        ['yarn.resourcemanager.webapp.address', `${master}:${p.rmWebapp}`],
        ['yarn.resourcemanager.bind-host', master],
        ['yarn.nodemanager.hostname', me],
        ['yarn.nodemanager.bind-host', me],
        ['yarn.nodemanager.webapp.address', `${me}:${p.nmWebapp}`],
        ['yarn.nodemanager.localizer.address', `${me}:${p.nmLocalizer}`],
        ['yarn.nodemanager.aux-services', 'mapreduce_shuffle'],
        ['yarn.nodemanager.resource.memory-mb', h.nodeMemoryMiB],
        ['yarn.nodemanager.resource.cpu-vcores', h.nodeVcores],
        ['yarn.scheduler.maximum-allocation-mb', h.nodeMemoryMiB],
        ['yarn.scheduler.maximum-allocation-vcores', h.nodeVcores],
        ['yarn.nodemanager.local-dirs', d.nmLocal],
        ['yarn.nodemanager.log-dirs', d.nmLogs],
        // Virtual memory of a JVM routinely exceeds 2.1 x its heap: without this, containers are killed (exit 143).
        ['yarn.nodemanager.vmem-check-enabled', false],
        // Lab nodes share the host's disk: a disk over 90% full must not make every NodeManager "unhealthy".
        ['yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage', 100],
        // A lost worker (issue 28): LOST after lostNodeAfterS without a heartbeat (Hadoop's default: 10 min), so
        // its containers are re-run on the survivors within the run. The AM gets a second attempt elsewhere.
        ['yarn.nm.liveness-monitor.expiry-interval-ms', h.lostNodeAfterS * 1000],
        ['yarn.resourcemanager.am.max-attempts', 2],
        // The ApplicationMaster stops a lost node's containers before it re-runs their attempts, and keeps trying
        // to reach that NodeManager for max-wait (Hadoop's default: 3 min, seen here holding a killed map in
        // KILL_CONTAINER_CLEANUP for 181 s after its node was LOST). A live NodeManager answers at once.
        ['yarn.client.nodemanager-connect.max-wait-ms', h.lostNodeAfterS * 1000],
        ['yarn.client.nodemanager-connect.retry-interval-ms', Math.min(10, Math.max(1, Math.floor(h.lostNodeAfterS / 3))) * 1000],
      ]),
    },
    {
      // The CapacityScheduler (YARN's default) needs its queues: Hadoop's tarball ships this file in
      // etc/hadoop, but the generated configuration directory replaces that one. One queue, all capacity;
      // ApplicationMasters may take half of it, so a stream of small jobs is not held back by AM limits.
      name: 'capacity-scheduler.xml',
      content: siteXml([
        ['yarn.scheduler.capacity.root.queues', 'default'],
        ['yarn.scheduler.capacity.root.default.capacity', 100],
        ['yarn.scheduler.capacity.root.default.maximum-capacity', 100],
        ['yarn.scheduler.capacity.maximum-am-resource-percent', 0.5],
        ['yarn.scheduler.capacity.maximum-applications', 1000],
      ]),
    },
    { name: 'workers', content: cluster.map((n) => n.address).join('\n') + '\n' },
    {
      name: 'hadoop-env.sh',
      content: [
        '# generated by intercloud-bench',
        `export JAVA_HOME=${shellQuote(h.javaHome)}`,
        `export HADOOP_HOME=${shellQuote(h.hadoopHome)}`,
        `export HADOOP_CONF_DIR=${shellQuote(d.conf)}`,
        `export HADOOP_LOG_DIR=${shellQuote(d.logs)}`,
        `export HADOOP_PID_DIR=${shellQuote(d.pids)}`,
        `export HADOOP_HEAPSIZE_MAX=${h.daemonHeapMiB}`,
        '',
      ].join('\n'),
    },
  ];
}
