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
 * declared gone. With spare nodes (--spares) a lost node's role moves to a spare of its site:
 * the cell in flight runs again on the spare, and later cells run on it, instead of being missing
 * (the ledger names the spare in the cell's lineage and `stand_in`). Without `ctx.cells` (bench
 * scripts, unit tests) a cell just runs.
 */
import { cellKey, type CellEntry, type CellId, type LostEntry } from '../measurements/ledger.js';
import type { Measurement, Params, PathKind } from '../measurements/measurement.js';
import type { BenchNode, RunContext } from './context.js';
import { pathOf, type Pair } from './pairs.js';

export { Cells, channelProbe, type CellsOptions, type NodeProbe, type Standing } from './cell-book.js';

/** A cell as a runner names it: its benchmark, node pair, repetition and the parameters that make it another cell. */
export interface CellSpec {
  benchmark: string;
  pair: Pick<Pair<BenchNode>, 'src' | 'dst'> & { path?: PathKind };
  repetition: number;
  /** Besides ctx.params (e.g. rtt_ms while the WAN RTT is changed): e.g. { script }. */
  params?: Params;
  /** Every node the cell needs (a cluster job's members); default its source and destination. */
  members?: readonly BenchNode[];
  /** false: no spare may take the place of a node of this cell (e.g. the VM a migration moves); a lost node makes it missing. */
  standIn?: false;
  /**
   * Probe the members after the cell even when its rows are ok: for a job that can outlive a member
   * (Hadoop re-runs a lost worker's tasks), so that a member gone during it still makes it missing.
   */
  probeAfter?: boolean;
  /**
   * The nodes probed after a failure (default every member, as it ran): a runner that finds out
   * itself whether a node is gone (vm-migration boots its VM again, and only a VM that cannot be
   * booted is lost) leaves that node out.
   */
  probe?: readonly BenchNode[];
  /** false: a node found gone after the cell ran makes it missing even when a spare could take its place (the cell is not run again within the attempt). */
  again?: false;
}

/**
 * The nodes a cell runs on: its pair and members (in the cell's order), each lost node replaced by
 * the spare standing in for it. A runner that puts another node in a member's place mid-cell
 * writes it into `members`, so that the ledger names the node that ran it.
 */
export interface CellNodes {
  pair: Pair<BenchNode>;
  members: BenchNode[];
}

export function cellIdOf(ctx: Pick<RunContext, 'params'>, c: CellSpec): CellId {
  return { benchmark: c.benchmark, src: c.pair.src.name, dst: c.pair.dst.name, repetition: c.repetition, params: { ...ctx.params, ...c.params } };
}

/** What a runner adds to its cell's ledger entry while measuring it (a Hadoop cell: what YARN did). */
export type CellNote = Pick<CellEntry, 'yarn'>;

const membersOf = (c: CellSpec): readonly BenchNode[] => c.members ?? (c.pair.src === c.pair.dst ? [c.pair.src] : [c.pair.src, c.pair.dst]);

/** The cell's nodes as given (no ledger, or nothing lost). */
const asGiven = (c: CellSpec): CellNodes => ({
  pair: { src: c.pair.src, dst: c.pair.dst, path: c.pair.path ?? pathOf(c.pair.src, c.pair.dst) },
  members: [...membersOf(c)],
});

/** Each loss can send the cell to a spare once; at most this many runs of one cell in an attempt. */
const MAX_RUNS = 3;

/**
 * Runs one cell: `measure` gets a context whose recorded rows carry the cell's key and attempt, and
 * the nodes to run it on (spares in place of lost nodes), and returns the rows. Returns null when
 * the cell was not run (done before, or a node is lost with no spare); else every row it recorded
 * (with a spare, also those of the run that failed when the node went). `note`: what the runner
 * adds to the cell's ledger entry (a Hadoop cell: what YARN did).
 */
export async function inCell(
  ctx: RunContext,
  c: CellSpec,
  measure: (cctx: RunContext, at: CellNodes, note: CellNote) => Promise<Measurement[]>,
): Promise<Measurement[] | null> {
  const cells = ctx.cells;
  const note: CellNote = {};
  if (!cells) return measure(ctx, asGiven(c), note);
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return null;
  }
  const members = membersOf(c);
  cells.see([c.pair.src, c.pair.dst, ...members]);
  const rows: Measurement[] = [];
  for (let runs = 0; ; runs++) {
    const st = members.map((m) => (c.standIn === false ? (cells.isLost(m.name) ? { lost: cells.isLost(m.name)! } : { node: m }) : cells.standing(m)));
    const ran = st.map((s, i) => ('node' in s ? { node: s.node.name, ...(s.for ? { for: s.for } : {}) } : { node: members[i].name }));
    const gone = st.find((s): s is { lost: LostEntry } => 'lost' in s);
    if (gone) {
      cells.missing(id, key, gone.lost, {}, ran);
      return runs ? rows : null;
    }
    const at = nodesAt(c, members, st as { node: BenchNode }[]);
    const got = await measure({ ...ctx, cell: { key, attempt: cells.attempt } }, at, note);
    rows.push(...got);
    // The nodes it ran on (a runner may put a spare in place of a member it found gone mid-cell, in at.members).
    const ranOn = members.map((m, i) => {
      const n = at.members[i] ?? m;
      return n === m ? { node: m.name } : { node: n.name, for: m.name };
    });
    const bad = got.find((r) => r.status !== 'ok');
    const okRows = !bad && got.length > 0;
    if ((okRows && !c.probeAfter) || ctx.signal.aborted) {
      // An interrupted run does not probe: its samples end on purpose.
      cells.write(id, key, okRows ? 'ok' : 'failed', okRows ? { ...note } : { reason: bad?.reason || 'no rows', ...note }, ranOn);
      return rows;
    }
    // A failure (or a job that may have outlived a member): is one of its nodes gone?
    let lost: LostEntry | null = null;
    const probed = c.probe ? at.members.filter((_, i) => c.probe!.includes(members[i])) : at.members;
    for (const n of probed) if ((lost = await cells.check(n))) break;
    if (!lost) {
      cells.write(id, key, okRows ? 'ok' : 'failed', okRows ? { ...note } : { reason: bad?.reason || (got.length ? 'failed' : 'no rows'), ...note }, ranOn);
      return rows;
    }
    // The node is gone: the loop runs the cell again on the spare that took its role (if any), else writes it missing.
    if (runs + 1 >= MAX_RUNS || c.standIn === false || c.again === false) {
      cells.missing(id, key, lost, note, ranOn);
      return rows;
    }
  }
}

/** The cell's pair and members with each node replaced by where it stands (a spare keeps the pair's path only when it is on the same host). */
function nodesAt(c: CellSpec, members: readonly BenchNode[], st: readonly { node: BenchNode }[]): CellNodes {
  const by = new Map(members.map((m, i) => [m.name, st[i].node]));
  const src = by.get(c.pair.src.name) ?? c.pair.src;
  const dst = by.get(c.pair.dst.name) ?? c.pair.dst;
  const same = src === c.pair.src && dst === c.pair.dst;
  return { pair: { src, dst, path: same && c.pair.path ? c.pair.path : pathOf(src, dst) }, members: st.map((s) => s.node) };
}

/**
 * A cell whose nodes cannot all take part (e.g. a cluster job with a member lost before it
 * starts, and no spare in its place): recorded `missing` without running it, naming the lost
 * node. Returns true when it was recorded (or is not this attempt's to run), false when the cell
 * should run.
 */
export function missingIfLost(ctx: RunContext, c: CellSpec, nodes: readonly BenchNode[]): boolean {
  const at = ledgerPlace(ctx, c);
  if (at === null) return false;
  if (at === 'skip') return true;
  const { cells, id, key } = at;
  const gone = nodes.map((n) => (c.standIn === false ? cells.isLost(n.name) : ((s) => ('lost' in s ? s.lost : undefined))(cells.standing(n)))).find(Boolean);
  if (!gone) return false;
  cells.missing(id, key, gone, {}, ranAsGiven(c));
  return true;
}

/**
 * A cell that cannot run as planned for a reason of the runner's own, though its nodes answer
 * (e.g. a Hadoop cluster whose NodeManager on `node` was declared LOST: the later jobs would run
 * on a smaller cluster, another cell): recorded `missing` with that reason. Returns true when
 * recorded (or not this attempt's to run); false without a ledger (the caller reports it itself).
 */
export function missingBecause(ctx: RunContext, c: CellSpec, node: string, when: string, reason: string): boolean {
  const at = ledgerPlace(ctx, c);
  if (at === null) return false;
  if (at === 'skip') return true;
  at.cells.write(at.id, at.key, 'missing', { node, when, reason }, ranAsGiven(c));
  return true;
}

/** The cell's nodes as the ledger names them when it did not run: its members as given. */
const ranAsGiven = (c: CellSpec) => membersOf(c).map((n) => ({ node: n.name }));

/**
 * Where this attempt's ledger keeps the cell: null without a ledger; 'skip' (and counted as
 * skipped) when the cell is not this attempt's to run (a fill that has it ok already).
 */
function ledgerPlace(ctx: RunContext, c: CellSpec): { cells: NonNullable<RunContext['cells']>; id: CellId; key: string } | 'skip' | null {
  const cells = ctx.cells;
  if (!cells) return null;
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return 'skip';
  }
  return { cells, id, key };
}

/** True when at least one of these cells is this attempt's to run (a fill: not ok before); without a ledger, always. */
export function anyWanted(ctx: RunContext, specs: readonly CellSpec[]): boolean {
  const cells = ctx.cells;
  return !cells || specs.some((c) => cells.wanted(cellKey(cellIdOf(ctx, c))));
}

/** Where a node stands (itself, or the spare in its place), or null when it is lost with no spare; without a ledger, itself. */
export function standingNode(ctx: RunContext, node: BenchNode): BenchNode | null {
  if (!ctx.cells) return node;
  const s = ctx.cells.standing(node);
  return 'node' in s ? s.node : null;
}

/** " [on spare s for n]" when a cell's last row was measured by a spare in place of its source or destination, else "" (progress lines). */
export function spareNote(rows: readonly Measurement[], pair: { src: { name: string }; dst: { name: string } }): string {
  const last = rows[rows.length - 1];
  if (!last) return '';
  const on = [
    ...(last.src_node && last.src_node !== pair.src.name && last.src_node !== pair.dst.name ? [`${last.src_node} for ${pair.src.name}`] : []),
    ...(last.dst_node && last.dst_node !== pair.dst.name && last.dst_node !== pair.src.name ? [`${last.dst_node} for ${pair.dst.name}`] : []),
  ];
  return on.length ? ` [on spare ${on.join(', ')}]` : '';
}
