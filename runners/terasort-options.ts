/**
 * Terasort options as a session passes them: engine ('lab' | 'hadoop'), which nodes form the
 * cluster (chooseCluster against the testbed's nodes) and that engine's limits, resolved once
 * before anything is created.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { resolveHadoopOptions, type HadoopOptions } from '../infra/hadoop/config.js';
import { chooseCluster, type ClusterChoice } from './clusters.js';
import { isObject, refuseXenNodes } from './options-checks.js';
import type { TerasortOptions } from './terasort.js';
import { checkTerasortOptions, type HadoopEngineOptions } from './terasort-hadoop.js';
import { checkLabTerasortOptions } from './terasort-lab.js';

export interface SessionTerasortOptions extends TerasortOptions {
  engine?: 'lab' | 'hadoop';
  /** Settings of the hadoop engine (hadoopHome, javaHome, dataRoot, memory, ports). */
  hadoop?: HadoopEngineOptions;
  /** Which nodes form the cluster; default all nodes. */
  cluster?: ClusterChoice;
  /** Why this size, shown in the plan (e.g. terasortAutoRows(wanRate).why). */
  rowsWhy?: string;
}

export const TERASORT_ENGINES = ['lab', 'hadoop'] as const;
export const TERASORT_DEFAULTS = { engine: 'lab', cluster: { kind: 'all' } as ClusterChoice, repetitions: 1 } as const;

export interface ResolvedTerasortOptions<N extends NodeSpec = NodeSpec> extends SessionTerasortOptions {
  engine: 'lab' | 'hadoop';
  cluster: ClusterChoice;
  repetitions: number;
  /** The cluster's nodes, first = master/coordinator. */
  nodes: N[];
}

/** Engine, cluster and that engine's limits: the one check of terasort options. */
export function resolveTerasortOptions<N extends NodeSpec>(o: SessionTerasortOptions, nodes: readonly N[], field = 'terasort'): ResolvedTerasortOptions<N> {
  isObject(o, field);
  const engine = o.engine ?? TERASORT_DEFAULTS.engine;
  if (!TERASORT_ENGINES.includes(engine)) throw new ConfigError(`${field}.engine`, `one of ${TERASORT_ENGINES.join(', ')}`, o.engine);
  const cluster = o.cluster ?? TERASORT_DEFAULTS.cluster;
  const members = chooseCluster(nodes, cluster, `${field}.cluster`);
  refuseXenNodes(members, field, engine === 'lab' ? 'terasort-lab' : 'hadoop');
  if (engine === 'lab') checkLabTerasortOptions(o, members, field);
  else {
    checkTerasortOptions(o, field);
    // The engine's numbers (replication, memory, lostNodeAfterS, ports) before anything is created; paths are resolved at run time.
    if (o.hadoop !== undefined) {
      isObject(o.hadoop, `${field}.hadoop`);
      const given = Object.fromEntries(Object.entries(o.hadoop).filter(([, v]) => v !== undefined));
      resolveHadoopOptions({ hadoopHome: '/', javaHome: '/', ...given } as HadoopOptions, `${field}.hadoop`);
    }
  }
  return { ...o, engine, cluster, repetitions: o.repetitions ?? TERASORT_DEFAULTS.repetitions, nodes: members };
}
