/**
 * Terasort: one life cycle (teragen -> terasort -> teravalidate) behind one interface, with two
 * engines: `lab` (built in, engines/terasort, runs on the lab's nodes) and `hadoop` (a real
 * Hadoop installation on real nodes). Both produce the same rows, so reports do not care which.
 *
 * Rows (benchmark 'terasort', one set per repetition):
 *   metric teragen_elapsed | terasort_elapsed | teravalidate_elapsed   unit s
 *   metric teragen_throughput | terasort_throughput                    unit MB/s (1 MB = 1e6 bytes of records)
 *   metric wan_bytes                                                   unit bytes (shuffle bytes crossing sites)
 *   metric validate                                                    unit count (1 = valid; failed row otherwise)
 *   metric checksum is kept in raw/ output, not as a number row.
 * Context: src_site/dst_site = first/last site of the cluster, src_node/dst_node = first/last node,
 * path 'intra-site' when the cluster is inside one site, 'inter-site' when it spans sites,
 * nodes = cluster size.
 */
import type { Measurement } from '../measurements/measurement.js';
import type { BenchNode, RunContext } from './context.js';

export interface TerasortOptions {
  /** Rows of 100 bytes to generate. */
  rows: number;
  /** First row number (gensort -b), default 0. */
  startRow?: number;
  /** Map tasks (hadoop) / generator tasks per node (lab); default: one per node. */
  maps?: number;
  /** Reduce tasks (hadoop) / partitions (lab); default: one per node. */
  reducers?: number;
  /** Sort memory per worker in MiB before spilling (lab engine). Default 256. */
  memoryMiB?: number;
  repetitions?: number;
  /** Number of the first repetition (adaptive repetitions continue the numbering). Default 1. */
  firstRepetition?: number;
  /**
   * Lab engine: nodes served by one worker process (engines/terasort/group-worker.ts; netns nodes
   * only). 1 = a process per node. Default: 1 up to 48 nodes, 100 above. With groups, memoryMiB
   * is shared by the nodes of a group.
   */
  groupSize?: number;
  /** Label of this cluster in rows/progress, e.g. 'one-site' or 'spanning'. */
  label?: string;
}

export interface TerasortEngine {
  readonly name: 'lab' | 'hadoop';
  /** Runs teragen, terasort and teravalidate on `cluster` (first node = master/coordinator). */
  run(ctx: RunContext, cluster: BenchNode[], o: TerasortOptions): Promise<Measurement[]>;
}
