/**
 * Where a Hadoop cluster's files are on its nodes: the distribution (HADOOP_HOME), the JDK
 * (JAVA_HOME) and each node's run directory (configuration, HDFS blocks, logs, pid files).
 *
 * - Nodes that share this machine's files (the lab): the installed distribution
 *   (infra/hadoop/install.ts), the run's dirs under `${workDir}/nodes/<node>/hadoop`.
 * - Nodes on real hosts (the testbed ships files): unless the scenario names a `hadoopHome` (a
 *   distribution installed on every host at that path, the usual way on a real site), the
 *   controller's installed distribution is shipped to the hosts' content-addressed cache
 *   (infra/remote/ship.ts: once per host, reused by later runs, `clean --purge-cache` removes it)
 *   and run from there; JAVA_HOME is Debian's Java 17 (the host prerequisite `hadoop`), not the
 *   controller's; each node's dir is its own on its host (nodeDir).
 * Resolved before anything is created on a node; shipping is the first thing done on the hosts.
 */
import { existsSync } from 'node:fs';
import { treeBundle, type Bundle } from '../infra/bundle.js';
import { absPath, resolveHadoopOptions, type HadoopOptions, type ResolvedHadoop } from '../infra/hadoop/config.js';
import { DEBIAN_JAVA_HOME, defaultHadoopHome, defaultJavaHome } from '../infra/hadoop/install.js';
import { ConfigError } from '../infra/units.js';
import { nodeDir, type BenchNode, type RunContext } from './context.js';

export interface HadoopPlacement {
  h: ResolvedHadoop;
  dataDirOf: (n: { name: string }) => string;
  /** Set when the distribution is shipped to the hosts: the bundle to ship before the first step. */
  ship?: Bundle;
}

/** One bundle per distribution and process: reading ~100 MB and hashing it once is enough. */
const bundles = new Map<string, Bundle>();
export function hadoopBundle(home: string): Bundle {
  let b = bundles.get(home);
  if (!b) {
    if (!existsSync(`${home}/bin/hadoop`)) throw new Error(`hadoop: ${home}/bin/hadoop is missing: no Hadoop distribution to ship from this machine`);
    b = treeBundle('hadoop', home);
    bundles.set(home, b);
  }
  return b;
}

/**
 * Resolves the options and where things are (pure but for reading the installed distribution when
 * it is to be shipped). `field` names the options in errors (`hadoop`, `hadoopElastic.hadoop`).
 */
export function placeHadoop(
  ctx: Pick<RunContext, 'runId' | 'workDir' | 'ship'>,
  nodes: readonly Pick<BenchNode, 'name' | 'workDir'>[],
  e: Partial<HadoopOptions> & { dataRoot?: string },
  field: string,
): HadoopPlacement {
  const remote = ctx.ship !== undefined;
  let hadoopHome = e.hadoopHome;
  let ship: Bundle | undefined;
  if (hadoopHome === undefined) {
    const local = defaultHadoopHome();
    if (!local)
      throw new ConfigError(`${field}.hadoopHome`, 'a Hadoop distribution (HADOOP_HOME, or `bash scripts/install-hadoop.sh` on this machine)', hadoopHome);
    if (remote) ship = hadoopBundle(local);
    hadoopHome = local;
  }
  const javaHome = e.javaHome ?? (remote ? DEBIAN_JAVA_HOME : defaultJavaHome());
  const h = resolveHadoopOptions({ ...e, hadoopHome, javaHome } as HadoopOptions, field);
  const root = e.dataRoot === undefined ? undefined : absPath(e.dataRoot, `${field}.dataRoot`);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const dataDirOf = (n: { name: string }) => {
    if (root) return `${root === '/' ? '' : root}/icbench-hadoop-${ctx.runId}-${n.name}`;
    const node = byName.get(n.name);
    if (!node) throw new Error(`hadoop: ${n.name} is not a node of the cluster`);
    return `${nodeDir(ctx, node)}/hadoop`;
  };
  return { h, dataDirOf, ship };
}

/**
 * Ships the distribution to the cluster's hosts when placeHadoop said so, and returns the
 * placement with HADOOP_HOME at the shipped copy (the same path on every host: the cache is
 * content-addressed). What shipping did goes to raw/ (`rawName`).
 */
export async function shipHadoop(ctx: RunContext, p: HadoopPlacement, cluster: readonly BenchNode[], rawName: string): Promise<HadoopPlacement> {
  if (!p.ship || !ctx.ship) return p;
  const shipped = await ctx.ship.ship(p.ship, cluster);
  ctx.store.raw(rawName, `${JSON.stringify(shipped.hosts, null, 2)}\n`);
  const dirs = new Set(cluster.map((n) => shipped.dirs.get(n.name)));
  if (dirs.size !== 1 || dirs.has(undefined)) throw new Error(`hadoop: the distribution was not shipped to one path on every node (${[...dirs].join(', ')})`);
  return { ...p, h: { ...p.h, hadoopHome: [...dirs][0] as string } };
}
