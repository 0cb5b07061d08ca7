/**
 * The run's cells in one attempt (issue 28): which nodes are lost (found gone by a probe over
 * their command channel), which cells this attempt runs (a fill: only those not ok before), and
 * the ledger entries it writes. Runners go through runners/cells.ts (inCell), not this directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../infra/exec.js';
import type { TestbedNode } from '../infra/testbed.js';
import { appendLedger, type CellEntry, type CellId, type Incarnation, type LostEntry, type StandInEntry } from '../measurements/ledger.js';

type BenchNode = TestbedNode;

/** Why a node does not answer (its probe's error), or null when it does. */
export type NodeProbe = (node: BenchNode) => Promise<string | null>;

/** A probe that does not answer within this long (and a control on this machine does) counts as no answer. */
const PROBE_MS = 10_000;
/** The control (`true` run the same way on this machine) must answer within this long for a silent node to count as gone. */
const CONTROL_MS = 2_000;

/**
 * The no-op over the node's command channel, tried twice (0.5 s apart), 10 s each. An error from
 * the channel (lxc-attach's "Failed to get init pid", nsenter's missing namespace, ssh refused) is
 * conclusive. Silence is only when this machine itself answers: a control `true` run the same way
 * here must finish within 2 s, else the machine is stalled (seen: every command here blocked for
 * 10+ s while another job held a lock its shell start-up waits on) and the node is not declared lost.
 */
export const channelProbe: NodeProbe = async (node) => {
  let why = '';
  for (let i = 0; i < 2; i++) {
    if (i) await sleep(500);
    const r = await run(node.exec.wrap(['true']), { timeoutMs: PROBE_MS });
    if (r.ok) return null;
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter(Boolean).slice(-2).join(' | ');
    if (r.durationMs < PROBE_MS) return `${node.exec.where}: exit ${r.exitCode}${tail ? `: ${tail}` : ''}`;
    const control = await run(['true'], { timeoutMs: PROBE_MS });
    if (!control.ok || control.durationMs > CONTROL_MS) return null; // this machine is stalled: no verdict on the node
    why = `no answer over ${node.exec.where} within ${PROBE_MS / 1000} s (this machine answered in ${Math.round(control.durationMs)} ms)`;
  }
  return why;
};

export interface CellsOptions {
  runDir: string;
  /** 1: the run itself; 2+: a fill. */
  attempt: number;
  /** Each node's incarnation in this attempt. */
  incarnations: ReadonlyMap<string, Incarnation>;
  /** A fill: the keys of the cells ok in an earlier attempt (every other cell is run, also one the ledger never saw, e.g. after Ctrl-C); null: run every cell. */
  done: ReadonlySet<string> | null;
  probe?: NodeProbe;
  /** Told when a node is found gone (a progress warning). */
  onLost?: (l: LostEntry) => void;
  /** Spare nodes (--spares): up but in no cell until a lost node of their site hands its role to one. */
  spares?: readonly BenchNode[];
  /** Told when a lost node's role moves to a spare. */
  onStandIn?: (s: StandInEntry) => void;
}

/** Where a node of a cell stands now: the node itself, a spare in its place, or lost with no spare left. */
export type Standing = { node: BenchNode; for?: string } | { lost: LostEntry };

/** The run's cells: what was lost, and the ledger entries written in this attempt. */
export class Cells {
  readonly attempt: number;
  private readonly lost = new Map<string, LostEntry>();
  private readonly probing = new Map<string, Promise<LostEntry | null>>();
  /** The cell entries this attempt wrote, in order. */
  readonly written: CellEntry[] = [];
  /** Cells a fill left alone because an earlier attempt has them ok. */
  skipped = 0;
  /** Spares not yet standing in for anyone, in order. */
  private readonly freeSpares: BenchNode[];
  /** node -> the spare that took its role over (a spare lost in its turn has its own entry). */
  private readonly standIns = new Map<string, BenchNode>();

  constructor(private readonly o: CellsOptions) {
    this.attempt = o.attempt;
    this.freeSpares = [...(o.spares ?? [])];
  }

  /** The spare nodes of this attempt (--spares), free or standing in. */
  spareNodes(): readonly BenchNode[] {
    return this.o.spares ?? [];
  }

  /** True for a spare node of this attempt. */
  isSpare(node: string): boolean {
    return (this.o.spares ?? []).some((s) => s.name === node);
  }

  /** The role moves made so far: { lost node: spare }. */
  standInsSoFar(): Record<string, string> {
    return Object.fromEntries([...this.standIns].map(([k, v]) => [k, v.name]));
  }

  /**
   * Where `node` stands now: itself while it is not known lost; once lost, the spare that took its
   * role over (following the chain when that spare was lost too), or the loss when no spare is left.
   */
  standing(node: BenchNode): Standing {
    let cur = node;
    for (let hops = 0; hops <= this.standIns.size; hops++) {
      const l = this.lost.get(cur.name);
      if (!l) return cur === node ? { node } : { node: cur, for: node.name };
      const next = this.standIns.get(cur.name);
      if (!next) return { lost: l };
      cur = next;
    }
    throw new Error(`stand-in chain of ${node.name} loops`);
  }

  lostNodes(): LostEntry[] {
    return [...this.lost.values()];
  }

  isLost(node: string): LostEntry | undefined {
    return this.lost.get(node);
  }

  /** True in a fill: only the cells still to do are run. */
  get filling(): boolean {
    return this.o.done !== null;
  }

  /** Does this attempt run the cell (a fill runs only the ones still to do)? */
  wanted(key: string): boolean {
    return this.o.done === null || !this.o.done.has(key);
  }

  /** Probes `node` once at a time; records it lost (ledger, warning) when it does not answer. */
  async check(node: BenchNode): Promise<LostEntry | null> {
    const known = this.lost.get(node.name);
    if (known) return known;
    this.see([node]);
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
    this.handOver(node);
    return l;
  }

  /**
   * A lost node's role moves to a free spare of its site (one on the same host first, so that its
   * pairs keep their path), recorded in the ledger; a lost spare that stood in for nobody leaves the pool.
   */
  private handOver(node: string): void {
    const i = this.freeSpares.findIndex((s) => s.name === node);
    if (i >= 0) {
      this.freeSpares.splice(i, 1);
      return;
    }
    const me = this.nodeNamed(node);
    if (!me) return;
    const same = (s: BenchNode) => s.site === me.site && s.virt === me.virt;
    const k = this.freeSpares.findIndex((s) => same(s) && s.host === me.host);
    const pick = k >= 0 ? k : this.freeSpares.findIndex(same);
    if (pick < 0) return;
    const [spare] = this.freeSpares.splice(pick, 1);
    this.standIns.set(node, spare);
    const e: StandInEntry = {
      type: 'stand-in',
      attempt: this.attempt,
      node,
      spare: spare.name,
      incarnation: this.incarnation(spare.name),
      at: new Date().toISOString(),
    };
    appendLedger(this.o.runDir, e);
    this.o.onStandIn?.(e);
  }

  /** A node known to this attempt by name: a spare, one a spare stands in for, or one seen in a cell. */
  private nodeNamed(name: string): BenchNode | undefined {
    return this.seen.get(name) ?? (this.o.spares ?? []).find((s) => s.name === name);
  }

  /** Nodes seen in cells (their site, host and virt choose a spare when they are lost). */
  private readonly seen = new Map<string, BenchNode>();

  /** Remembers the nodes a cell names (inCell does). */
  see(nodes: readonly BenchNode[]): void {
    for (const n of nodes) if (!this.seen.has(n.name)) this.seen.set(n.name, n);
  }

  private incarnation(node: string): string {
    return this.o.incarnations.get(node)?.id ?? `${node}@${this.attempt}`;
  }

  /**
   * Writes a cell's state to the ledger. `ran`: the nodes of the cell as they ran it (every member
   * of a cluster job, with spares in place, `for` naming whose role a spare took); default the
   * source and destination.
   */
  write(
    id: CellId,
    key: string,
    state: CellEntry['state'],
    extra: Pick<CellEntry, 'reason' | 'node' | 'when' | 'yarn'> = {},
    ran?: readonly { node: string; for?: string }[],
  ): CellEntry {
    const used: readonly { node: string; for?: string }[] = ran ?? [...new Set([id.src, id.dst])].filter(Boolean).map((node) => ({ node }));
    const stand = used.filter((u) => u.for);
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
      lineage: [...new Set(used.map((u) => this.incarnation(u.node)))],
      ...(stand.length ? { stand_in: Object.fromEntries(stand.map((u) => [u.for!, u.node])) } : {}),
      at: new Date().toISOString(),
    };
    appendLedger(this.o.runDir, e);
    this.written.push(e);
    return e;
  }

  /** A cell not run (or not finished) because `l.node` is gone. */
  missing(id: CellId, key: string, l: LostEntry, extra: Pick<CellEntry, 'yarn'> = {}, ran?: readonly { node: string; for?: string }[]): CellEntry {
    return this.write(id, key, 'missing', { node: l.node, when: l.at, reason: `node ${l.node} lost: ${l.why}`, ...extra }, ran);
  }
}
