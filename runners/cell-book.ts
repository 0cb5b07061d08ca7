/**
 * The run's cells in one attempt (issue 28): which nodes are lost (found gone by a probe over
 * their command channel), which cells this attempt runs (a fill: only those not ok before), and
 * the ledger entries it writes. Runners go through runners/cells.ts (inCell), not this directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../infra/exec.js';
import type { TestbedNode } from '../infra/testbed.js';
import { appendLedger, type CellEntry, type CellId, type Incarnation, type LostEntry } from '../measurements/ledger.js';

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

  /** Writes a cell's state to the ledger; `members`: every node the cell ran on (default its source and destination). */
  write(
    id: CellId,
    key: string,
    state: CellEntry['state'],
    extra: Pick<CellEntry, 'reason' | 'node' | 'when' | 'yarn'> = {},
    members?: readonly string[],
  ): CellEntry {
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
      lineage: [...new Set(members ?? [id.src, id.dst])].filter(Boolean).map((n) => this.incarnation(n)),
      at: new Date().toISOString(),
    };
    appendLedger(this.o.runDir, e);
    this.written.push(e);
    return e;
  }

  /** A cell not run (or not finished) because `l.node` is gone. */
  missing(id: CellId, key: string, l: LostEntry, extra: Pick<CellEntry, 'yarn'> = {}, members?: readonly string[]): CellEntry {
    return this.write(id, key, 'missing', { node: l.node, when: l.at, reason: `node ${l.node} lost: ${l.why}`, ...extra }, members);
  }
}
