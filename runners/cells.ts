/**
 * Cells of a run and lost nodes (issue 28): a runner measures each cell (benchmark, source,
 * destination, parameters, repetition) through `inCell`, which
 *   - skips a cell that an earlier attempt already has ok (a fill runs only the holes);
 *   - writes a cell touching a node found gone as `missing` (node, when, why) without running it,
 *     so a lost node costs its cells, not every sample sent to it one by one;
 *   - runs the others with the cell's key and attempt on every row, and writes the outcome to the
 *     ledger: `ok`, `failed` (the rows' reason) or, when a row failed and a liveness probe of the
 *     cell's nodes finds one gone, `missing` (and the node lost for the rest of the run).
 * The probe is a no-op command (`true`) over the node's own command channel (lxc-attach,
 * nsenter, the VM's channel, ssh), run only after a failure; it is tried twice before a node is
 * declared gone. Without `ctx.cells` (bench scripts, unit tests) a cell just runs.
 */
import { cellKey, type CellEntry, type CellId } from '../measurements/ledger.js';
import type { Measurement, Params } from '../measurements/measurement.js';
import type { BenchNode, RunContext } from './context.js';
import type { Pair } from './pairs.js';

export { Cells, channelProbe, type CellsOptions, type NodeProbe } from './cell-book.js';

/** A cell as a runner names it: its benchmark, node pair, repetition and the parameters that make it another cell. */
export interface CellSpec {
  benchmark: string;
  pair: Pick<Pair<BenchNode>, 'src' | 'dst'>;
  repetition: number;
  /** Besides ctx.params (e.g. rtt_ms while the WAN RTT is changed): e.g. { script }. */
  params?: Params;
  /** Every node the cell needs (a cluster job's members); default its source and destination. */
  members?: readonly BenchNode[];
}

export function cellIdOf(ctx: Pick<RunContext, 'params'>, c: CellSpec): CellId {
  return { benchmark: c.benchmark, src: c.pair.src.name, dst: c.pair.dst.name, repetition: c.repetition, params: { ...ctx.params, ...c.params } };
}

/** What a runner adds to its cell's ledger entry while measuring it (a Hadoop cell: what YARN did). */
export type CellNote = Pick<CellEntry, 'yarn'>;

const membersOf = (c: CellSpec): readonly BenchNode[] => c.members ?? (c.pair.src === c.pair.dst ? [c.pair.src] : [c.pair.src, c.pair.dst]);

/**
 * Runs one cell: `measure` gets a context whose recorded rows carry the cell's key and attempt,
 * and a note it may fill for the cell's ledger entry; it returns the rows. Returns null when the
 * cell was not run (done before, or a node is lost).
 */
export async function inCell(
  ctx: RunContext,
  c: CellSpec,
  measure: (cctx: RunContext, note: CellNote) => Promise<Measurement[]>,
): Promise<Measurement[] | null> {
  const cells = ctx.cells;
  const note: CellNote = {};
  if (!cells) return measure(ctx, note);
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return null;
  }
  const members = membersOf(c);
  const names = members.map((n) => n.name);
  const gone = members.map((n) => cells.isLost(n.name)).find(Boolean);
  if (gone) {
    cells.missing(id, key, gone, {}, names);
    return null;
  }
  const rows = await measure({ ...ctx, cell: { key, attempt: cells.attempt } }, note);
  const bad = rows.find((r) => r.status !== 'ok');
  if (!bad && rows.length) {
    cells.write(id, key, 'ok', { ...note }, names);
    return rows;
  }
  // A failure: is one of its nodes gone? (An interrupted run does not probe: its samples end on purpose.)
  if (!ctx.signal.aborted)
    for (const n of members) {
      const l = await cells.check(n);
      if (l) {
        cells.missing(id, key, l, note, names);
        return rows;
      }
    }
  cells.write(id, key, 'failed', { reason: bad?.reason || (rows.length ? 'failed' : 'no rows'), ...note }, names);
  return rows;
}

/**
 * A cell whose nodes cannot all take part (e.g. a cluster job with a member lost before it
 * starts): recorded `missing` without running it, naming the lost node. Returns true when it was
 * recorded (or is not this attempt's to run), false when the cell should run.
 */
export function missingIfLost(ctx: RunContext, c: CellSpec, nodes: readonly BenchNode[]): boolean {
  const cells = ctx.cells;
  if (!cells) return false;
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return true;
  }
  const gone = nodes.map((n) => cells.isLost(n.name)).find(Boolean);
  if (!gone) return false;
  cells.missing(
    id,
    key,
    gone,
    {},
    membersOf(c).map((n) => n.name),
  );
  return true;
}

/**
 * A cell that cannot run as planned for a reason of the runner's own, though its nodes answer
 * (e.g. a Hadoop cluster whose NodeManager on `node` was declared LOST: the later jobs would run
 * on a smaller cluster, another cell): recorded `missing` with that reason. Returns true when
 * recorded (or not this attempt's to run); false without a ledger (the caller reports it itself).
 */
export function missingBecause(ctx: RunContext, c: CellSpec, node: string, when: string, reason: string): boolean {
  const cells = ctx.cells;
  if (!cells) return false;
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return true;
  }
  cells.write(
    id,
    key,
    'missing',
    { node, when, reason },
    membersOf(c).map((n) => n.name),
  );
  return true;
}
