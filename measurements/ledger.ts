/**
 * The run's ledger (`<run>/ledger.jsonl`): one JSON object per line, appended and fsynced, never
 * rewritten. It says what each cell of the run (benchmark, source, destination, parameters,
 * repetition) came to in each attempt, which node incarnations ran it, and which nodes were lost
 * when and why. The run itself is attempt 1; each `icbench fill` adds the next attempt.
 *
 *   attempt  an attempt began: kind run|fill, when, harness version
 *   node     a node incarnation: the node, when its testbed came up, the event that made it
 *   lost     a node was found gone: when, why (what its liveness probe said)
 *   stand-in a lost node's role moved to a spare node of the same site (--spares): which, when
 *   cell     a cell's state in this attempt: ok | failed (reason) | missing (node, when, why)
 *
 * The latest entry of a cell is its state; a cell never seen in the ledger was not planned.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Params } from './measurement.js';

export const LEDGER_FILE = 'ledger.jsonl';

export type CellState = 'ok' | 'failed' | 'missing';

/** A node as it ran one attempt: `id` is "<node>@<attempt>". */
export interface Incarnation {
  id: string;
  node: string;
  /** When its testbed was up (ISO 8601). */
  started_at: string;
  /** The testbed event that made it, e.g. "testbed up (lab, lxc) for run <id>, attempt 1". */
  event: string;
}

export interface AttemptEntry {
  type: 'attempt';
  attempt: number;
  kind: 'run' | 'fill';
  at: string;
  harness: string;
  /** Cells this attempt was asked to run (fill: those not ok before it); absent for the run itself. */
  todo?: number;
}
export interface NodeEntry {
  type: 'node';
  attempt: number;
  incarnation: Incarnation;
}
export interface LostEntry {
  type: 'lost';
  attempt: number;
  node: string;
  incarnation: string;
  at: string;
  why: string;
}
/** A lost node's role moved to a spare node of its site (`--spares`): its later cells run on the spare. */
export interface StandInEntry {
  type: 'stand-in';
  attempt: number;
  /** The node whose role moves (the lost node, or a spare lost in its turn). */
  node: string;
  /** The spare node that takes it over, and its incarnation. */
  spare: string;
  incarnation: string;
  at: string;
}
export interface CellEntry {
  type: 'cell';
  attempt: number;
  key: string;
  benchmark: string;
  src: string;
  dst: string;
  repetition: number;
  params: Params;
  state: CellState;
  /** failed: the rows' reason; missing: why the node is gone. */
  reason?: string;
  /** missing: the lost node and when it was found gone. */
  node?: string;
  when?: string;
  /** The incarnations of the nodes that ran it (source, destination, members); missing cells: those they would have used. */
  lineage: string[];
  /** Nodes of the cell that a spare stood in for: { node: spare } (--spares); absent when none did. */
  stand_in?: Record<string, string>;
  /** A Hadoop cell: what YARN did in each of its jobs (task attempts re-run, NodeManagers lost). */
  yarn?: YarnJob[];
  at: string;
}

/**
 * One Hadoop job of a cell as YARN ran it: its task attempts by the job's own counters (null when
 * the client printed none) and the NodeManagers the ResourceManager declared LOST while it ran
 * (the cluster's node names).
 */
export interface YarnJob {
  /** teragen | terasort | teravalidate */
  job: string;
  id?: string;
  state: 'succeeded' | 'failed' | 'killed' | 'unknown';
  maps_launched: number | null;
  maps_failed: number | null;
  maps_killed: number | null;
  reduces_launched: number | null;
  reduces_failed: number | null;
  reduces_killed: number | null;
  /** Attempts failed or killed (each run again when the job succeeded). */
  reran: number | null;
  /** NodeManagers newly LOST by the job's end; null when the ResourceManager could not be asked. */
  lost_nodes: string[] | null;
}
export type LedgerEntry = AttemptEntry | NodeEntry | LostEntry | StandInEntry | CellEntry;

/** What identifies a cell within a run. */
export interface CellId {
  benchmark: string;
  src: string;
  dst: string;
  repetition: number;
  /** The parameters that make it another cell (e.g. rtt_ms while the WAN RTT is changed, script). */
  params: Params;
}

/** A cell's stable key: "<benchmark>|<src>><dst>|r<rep>|<params as sorted JSON>". */
export function cellKey(c: CellId): string {
  const keys = Object.keys(c.params).sort();
  const p = keys.length ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, c.params[k]]))) : '';
  return `${c.benchmark}|${c.src}>${c.dst}|r${c.repetition}|${p}`;
}

/** Appends one entry and fsyncs it before returning (the file is created 0600). */
export function appendLedger(runDir: string, e: LedgerEntry): void {
  const fd = openSync(join(runDir, LEDGER_FILE), 'a', 0o600);
  try {
    const b = Buffer.from(`${JSON.stringify(e)}\n`);
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads a run's ledger ([] when it has none); a torn last line (a crash mid-append) is dropped. */
export function readLedger(runDir: string): LedgerEntry[] {
  const file = join(runDir, LEDGER_FILE);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: LedgerEntry[] = [];
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push(JSON.parse(l) as LedgerEntry);
    } catch (e) {
      if (i < lines.length - 1 && lines.slice(i + 1).some((x) => x.trim())) throw new Error(`${file}:${i + 1}: not a JSON object: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Each cell's latest entry, in the order cells first appeared. */
export function latestCells(entries: readonly LedgerEntry[]): CellEntry[] {
  const m = new Map<string, CellEntry>();
  for (const e of entries) if (e.type === 'cell') m.set(e.key, e);
  return [...m.values()];
}

export interface Coverage {
  cells: number;
  ok: number;
  failed: number;
  missing: number;
  /** Attempts in the ledger (1: the run only). */
  attempts: number;
  /** Lost nodes with when and why, in order. */
  lost: LostEntry[];
  /** Roles moved to spare nodes (--spares), in order; absent when none. */
  stand_ins?: { node: string; spare: string; at: string; attempt: number }[];
}

export function coverageOf(entries: readonly LedgerEntry[]): Coverage {
  const cells = latestCells(entries);
  const standIns = entries.filter((e): e is StandInEntry => e.type === 'stand-in');
  return {
    cells: cells.length,
    ok: cells.filter((c) => c.state === 'ok').length,
    failed: cells.filter((c) => c.state === 'failed').length,
    missing: cells.filter((c) => c.state === 'missing').length,
    attempts: Math.max(0, ...entries.filter((e) => e.type === 'attempt' || e.type === 'cell').map((e) => e.attempt)),
    lost: entries.filter((e): e is LostEntry => e.type === 'lost'),
    ...(standIns.length ? { stand_ins: standIns.map((e) => ({ node: e.node, spare: e.spare, at: e.at, attempt: e.attempt })) } : {}),
  };
}

/** "56 cells: 40 ok, 16 missing (node nii-h1-n2 lost at ...: why)". */
export function coverageLine(c: Coverage): string {
  const parts = [`${c.ok} ok`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.missing) parts.push(`${c.missing} missing`);
  const lost = c.lost.map((l) => `${l.node} lost at ${l.at} (attempt ${l.attempt}): ${l.why}`).join('; ');
  const spares = (c.stand_ins ?? []).map((s) => `${s.node}'s role moved to spare ${s.spare}`).join('; ');
  return `coverage: ${c.cells} cells: ${parts.join(', ')}${c.attempts > 1 ? `, over ${c.attempts} attempts` : ''}${lost ? `; ${lost}` : ''}${spares ? `; ${spares}` : ''}`;
}
