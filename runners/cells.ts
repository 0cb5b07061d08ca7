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
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../infra/exec.js';
import { appendLedger, cellKey, type CellEntry, type CellId, type Incarnation, type LostEntry } from '../measurements/ledger.js';
import type { Measurement, Params } from '../measurements/measurement.js';
import type { BenchNode, RunContext } from './context.js';
import type { Pair } from './pairs.js';

/** Why a node does not answer (its probe's error), or null when it does. */
export type NodeProbe = (node: BenchNode) => Promise<string | null>;

/** The no-op over the node's command channel, tried twice (0.5 s apart), 10 s each. */
export const channelProbe: NodeProbe = async (node) => {
  let why = '';
  for (let i = 0; i < 2; i++) {
    if (i) await sleep(500);
    const r = await run(node.exec.wrap(['true']), { timeoutMs: 10000 });
    if (r.ok) return null;
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean).slice(-2).join(' | ');
    why = r.durationMs >= 10000 ? `no answer over ${node.exec.where} within 10 s` : `${node.exec.where}: exit ${r.exitCode}${tail ? `: ${tail}` : ''}`;
  }
  return why;
};

export interface CellsOptions {
  runDir: string;
  /** 1: the run itself; 2+: a fill. */
  attempt: number;
  /** Each node's incarnation in this attempt. */
  incarnations: ReadonlyMap<string, Incarnation>;
  /** A fill: the keys of the cells still to run (not ok in any earlier attempt); null: run every cell. */
  todo: ReadonlySet<string> | null;
  probe?: NodeProbe;
  /** Told when a node is found gone (a progress warning). */
  onLost?: (l: LostEntry) => void;
}

/** The run's cells: what was lost, and the ledger entries written in this attempt. */
export class Cells {
  readonly attempt: number;
  private readonly lost = new Map<string, LostEntry>();
  private readonly probing = new Map<string, Promise<LostEntry | null>>();
  /** The cell entries this attempt wrote, in order. */
  readonly written: CellEntry[] = [];
  /** Cells a fill left alone because an earlier attempt has them ok. */
  skipped = 0;

  constructor(private readonly o: CellsOptions) {
    this.attempt = o.attempt;
  }

  lostNodes(): LostEntry[] {
    return [...this.lost.values()];
  }

  isLost(node: string): LostEntry | undefined {
    return this.lost.get(node);
  }

  /** Does this attempt run the cell (a fill runs only the ones still to do)? */
  wanted(key: string): boolean {
    return this.o.todo === null || this.o.todo.has(key);
  }

  /** Probes `node` once at a time; records it lost (ledger, warning) when it does not answer. */
  async check(node: BenchNode): Promise<LostEntry | null> {
    const known = this.lost.get(node.name);
    if (known) return known;
    let p = this.probing.get(node.name);
    if (!p) {
      p = (async () => {
        const why = await (this.o.probe ?? channelProbe)(node);
        if (why === null) return null;
        return this.markLost(node.name, why);
      })().finally(() => this.probing.delete(node.name));
      this.probing.set(node.name, p);
    }
    return p;
  }

  /** Records `node` as lost now (idempotent). */
  markLost(node: string, why: string): LostEntry {
    const known = this.lost.get(node);
    if (known) return known;
    const l: LostEntry = { type: 'lost', attempt: this.attempt, node, incarnation: this.incarnation(node), at: new Date().toISOString(), why };
    this.lost.set(node, l);
    appendLedger(this.o.runDir, l);
    this.o.onLost?.(l);
    return l;
  }

  private incarnation(node: string): string {
    return this.o.incarnations.get(node)?.id ?? `${node}@${this.attempt}`;
  }

  /** Writes a cell's state to the ledger. */
  write(id: CellId, key: string, state: CellEntry['state'], extra: Pick<CellEntry, 'reason' | 'node' | 'when'> = {}): CellEntry {
    const e: CellEntry = {
      type: 'cell',
      attempt: this.attempt,
      key,
      benchmark: id.benchmark,
      src: id.src,
      dst: id.dst,
      repetition: id.repetition,
      params: id.params,
      state,
      ...extra,
      lineage: [...new Set([id.src, id.dst])].filter(Boolean).map((n) => this.incarnation(n)),
      at: new Date().toISOString(),
    };
    appendLedger(this.o.runDir, e);
    this.written.push(e);
    return e;
  }

  /** A cell not run because `l.node` is gone. */
  missing(id: CellId, key: string, l: LostEntry): CellEntry {
    return this.write(id, key, 'missing', { node: l.node, when: l.at, reason: `node ${l.node} lost: ${l.why}` });
  }
}

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

/**
 * Runs one cell: `measure` gets a context whose recorded rows carry the cell's key and attempt,
 * and returns the rows. Returns null when the cell was not run (done before, or a node is lost).
 */
export async function inCell(ctx: RunContext, c: CellSpec, measure: (cctx: RunContext) => Promise<Measurement[]>): Promise<Measurement[] | null> {
  const cells = ctx.cells;
  if (!cells) return measure(ctx);
  const id = cellIdOf(ctx, c);
  const key = cellKey(id);
  if (!cells.wanted(key)) {
    cells.skipped++;
    return null;
  }
  const members = c.members ?? (c.pair.src === c.pair.dst ? [c.pair.src] : [c.pair.src, c.pair.dst]);
  const gone = members.map((n) => cells.isLost(n.name)).find(Boolean);
  if (gone) {
    cells.missing(id, key, gone);
    return null;
  }
  const rows = await measure({ ...ctx, cell: { key, attempt: cells.attempt } });
  const bad = rows.find((r) => r.status !== 'ok');
  if (!bad && rows.length) {
    cells.write(id, key, 'ok');
    return rows;
  }
  // A failure: is one of its nodes gone? (An interrupted run does not probe: its samples end on purpose.)
  if (!ctx.signal.aborted)
    for (const n of members) {
      const l = await cells.check(n);
      if (l) {
        cells.missing(id, key, l);
        return rows;
      }
    }
  cells.write(id, key, 'failed', { reason: bad?.reason || (rows.length ? 'failed' : 'no rows') });
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
  cells.missing(id, key, gone);
  return true;
}
