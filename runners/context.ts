/** What every runner gets: where nodes are, where results go, how to report progress. */
import { join } from 'node:path';
import type { ShipFiles, TestbedNode } from '../infra/testbed.js';
import type { Progress } from '../infra/progress.js';
import type { WanemStats } from '../infra/wan/wanem-stats.js';
import type { ResultStore } from '../measurements/store.js';
import type { Measurement, Params, SampleContext } from '../measurements/measurement.js';
import type { Pair } from './pairs.js';
import type { Cells } from './cell-book.js';

/** A node a benchmark runs on: the testbed's node (name, site, host, virt, address, exec). */
export type BenchNode = TestbedNode;

/**
 * Seconds added to a command's deadline on `node` for reaching it: 90 on a Xen guest (ssh into its
 * dom0, then ssh into the guest: on the nested Xen hosts here, both under QEMU TCG, a new guest
 * connection took up to a minute on a busy machine), 0 elsewhere.
 */
export const reachAllowanceS = (node: { virt: string }): number => (node.virt === 'xen' ? 90 : 0);

/** The run's TCP congestion control (runners/tcp.ts makes it from the testbed's facts). */
export interface TcpContext {
  /** --tcp-cc's algorithm, set on every node and given to iperf3 (-C); null: each kernel's own. */
  chosen: string | null;
  /** Each node's, as read from it after stand-up (null: not readable). */
  of: Readonly<Record<string, string | null>>;
}

export interface RunContext {
  runId: string;
  scenario: string;
  store: ResultStore;
  progress: Progress;
  nodes: BenchNode[];
  /** Latest WAN emulator counters by site pair (lab only). */
  emulatorStats?: () => Record<string, WanemStats>;
  /** Why the WAN emulator is not running (it died mid-run), or null; samples across the WAN fail with it. */
  emulatorFailure?: () => string | null;
  /**
   * The run's scratch directory on this machine (removed at teardown). Lab nodes of every virt
   * type see it at the same path, so runners keep per-node files under `${workDir}/nodes/<node>`.
   */
  workDir: string;
  /** Parameters added to every row recorded while set, e.g. { rtt_ms: 40 } while the WAN RTT is changed. */
  params?: Params;
  /** Set when the run is being interrupted: runners stop between samples. */
  signal: AbortSignal;
  /** The congestion control of every node (absent: not known, e.g. a testbed that does not read it). */
  tcp?: TcpContext;
  /** Ships files a benchmark needs to nodes that do not share this machine's (real hosts); absent: they do. */
  ship?: ShipFiles;
  /** The run's cells and lost nodes, written to its ledger (runners/cells.ts); absent: no ledger (bench scripts, unit tests). */
  cells?: Cells;
  /** Set inside one cell (runners/cells.ts inCell): its rows carry this key and attempt. */
  cell?: { key: string; attempt: number };
}

/** A node's scratch dir as the node sees it: its own (real hosts), or `${workDir}/nodes/<node>` on this machine. */
export function nodeDir(ctx: Pick<RunContext, 'workDir'>, node: Pick<BenchNode, 'name' | 'workDir'>): string {
  return node.workDir ?? join(ctx.workDir, 'nodes', node.name);
}

/**
 * The dirs from the run's own dir down to a node's scratch dir (nodeDir), outermost first: what a
 * service running as another user (PostgreSQL) must be able to traverse (chmod o+x) to reach it.
 */
export function nodeDirChain(ctx: Pick<RunContext, 'workDir'>, node: Pick<BenchNode, 'name' | 'workDir' | 'workRoot'>): string[] {
  const dir = nodeDir(ctx, node);
  const root = node.workDir ? (node.workRoot ?? dir) : ctx.workDir;
  if (dir !== root && !dir.startsWith(`${root}/`)) throw new Error(`node ${node.name}: its dir ${dir} is not under its run's dir ${root}`);
  const parts = dir.slice(root.length).split('/').filter(Boolean);
  return [root, ...parts.map((_, i) => `${root}/${parts.slice(0, i + 1).join('/')}`)];
}

export function sampleContext(ctx: RunContext, benchmark: string, pair: Pair<BenchNode>, repetition: number, startedAt: Date): SampleContext {
  return {
    run_id: ctx.runId,
    scenario: ctx.scenario,
    benchmark,
    src_site: pair.src.site,
    src_node: pair.src.name,
    dst_site: pair.dst.site,
    dst_node: pair.dst.name,
    path: pair.path,
    virt: pair.src.virt === pair.dst.virt ? pair.src.virt : `${pair.src.virt}/${pair.dst.virt}`,
    nodes: ctx.nodes.length,
    repetition,
    started_at: startedAt.toISOString(),
  };
}

export function record(ctx: RunContext, rows: Measurement[]): Measurement[] {
  if (ctx.params) for (const r of rows) r.params = { ...ctx.params, ...r.params };
  if (ctx.cell)
    for (const r of rows) {
      r.cell = ctx.cell.key;
      r.cell_attempt = ctx.cell.attempt;
    }
  ctx.store.add(rows);
  return rows;
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

export function checkAbort(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new Interrupted();
}
