/**
 * The session's side of cells and the ledger (issue 28): open the ledger for an attempt (the run
 * itself, or a fill), and what the attempt's cells make of the run's status and run.json.
 *
 * A fill is the same scenario started again (`icbench fill <run>` starts the recorded script and
 * options with ICBENCH_FILL=<run dir>): the session then brings up a testbed of the same shape,
 * writes into the same run folder, and the cells gate (runners/cells.ts) runs only the cells that
 * are not ok; run.json keeps the run's own record and gets the fill in `fills[]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { appendLedger, coverageLine, coverageOf, latestCells, readLedger, type Incarnation, type LedgerEntry } from '../measurements/ledger.js';
import { parseRunMeta } from '../measurements/reader.js';
import type { FillMeta, RunMeta } from '../measurements/run-meta.js';
import type { Progress } from '../infra/progress.js';
import { stateDir } from '../infra/journal.js';
import type { TeardownReport, TestbedNode } from '../infra/testbed.js';
import { ConfigError } from '../infra/units.js';
import { Cells, type NodeProbe } from '../runners/cells.js';
import { cleanRun, liveOwner, RunIsLive } from './clean.js';

export const FILL_ENV = 'ICBENCH_FILL';

/** A run to fill: its folder, its run.json, its ledger, the cells not ok and the attempt the fill is. */
export interface FillTarget {
  dir: string;
  /** The results root holding it. */
  root: string;
  meta: RunMeta;
  entries: LedgerEntry[];
  todo: Set<string>;
  /** The cells ok in an earlier attempt: the fill runs every other cell of the scenario. */
  done: Set<string>;
  attempt: number;
}

/** Reads a run folder to fill; ConfigError (field `field`) when it is not one, or has nothing to fill. */
export function loadFillTarget(dirGiven: string, field = FILL_ENV): FillTarget {
  const dir = resolve(dirGiven);
  const metaFile = `${dir}/run.json`;
  if (!existsSync(metaFile)) throw new ConfigError(field, 'a run folder holding run.json and ledger.jsonl', dirGiven);
  const meta = parseRunMeta(readFileSync(metaFile, 'utf8'), metaFile);
  const entries = readLedger(dir);
  if (!entries.some((e) => e.type === 'cell'))
    throw new ConfigError(field, 'a run with a ledger of cells (ledger.jsonl; runs made before issue 28 have none)', dirGiven);
  if (basename(dir) !== meta.run_id) throw new ConfigError(field, `a run folder named by its run id (${meta.run_id})`, dirGiven);
  if (meta.status === 'running') throw new ConfigError(field, 'a finished run (this one is still running or was killed: icbench clean it first)', dirGiven);
  const todo = new Set(
    latestCells(entries)
      .filter((c) => c.state !== 'ok')
      .map((c) => c.key),
  );
  const attempt = 1 + Math.max(1, ...entries.filter((e) => e.type === 'attempt').map((e) => e.attempt));
  const done = new Set(
    latestCells(entries)
      .filter((c) => c.state === 'ok')
      .map((c) => c.key),
  );
  return { dir, root: dirname(dir), meta, entries, todo, done, attempt };
}

/** The run to fill named by ICBENCH_FILL, or null. */
export function fillTargetFromEnv(env: NodeJS.ProcessEnv = process.env): FillTarget | null {
  const v = env[FILL_ENV];
  return v ? loadFillTarget(v) : null;
}

/** Keys of run.json params the session adds (testbed timings, VM facts): not the scenario's parameters. */
const ADDED = /^(testbed_|vm_)/;

/**
 * Refuses a fill whose cells would not be comparable with the run's: another harness version or
 * commit, or scenario parameters that differ (e.g. a default changed since).
 */
export function checkComparable(t: FillTarget, params: Record<string, unknown>, harness: RunMeta['harness']): void {
  const h = t.meta.harness;
  if (h.version !== harness.version || h.commit !== harness.commit)
    throw new ConfigError(
      FILL_ENV,
      `the harness that made the run (${h.version} at ${h.commit}) so that filled cells are comparable (start a new run instead)`,
      `${harness.version} at ${harness.commit}`,
    );
  const mine = JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
  const theirs = Object.fromEntries(Object.entries(t.meta.params).filter(([k]) => !ADDED.test(k)));
  for (const k of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
    if (k === 'dry-run') continue;
    if (JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]))
      throw new ConfigError(`--${k}`, `the run's own value ${JSON.stringify(theirs[k])} when filling it (start a new run to change it)`, mine[k]);
  }
}

/** Opens this attempt's cells: writes the attempt and each node's incarnation to the ledger. */
export function openCells(o: {
  runDir: string;
  runId: string;
  attempt: number;
  kind: 'run' | 'fill';
  harness: string;
  testbed: string;
  nodes: readonly TestbedNode[];
  todo: Set<string> | null;
  done: Set<string> | null;
  progress: Progress;
  probe?: NodeProbe;
  /** Spare nodes (--spares), among `nodes`. */
  spares?: readonly TestbedNode[];
}): Cells {
  const at = new Date().toISOString();
  appendLedger(o.runDir, { type: 'attempt', attempt: o.attempt, kind: o.kind, at, harness: o.harness, ...(o.todo ? { todo: o.todo.size } : {}) });
  const incarnations = new Map<string, Incarnation>();
  for (const n of o.nodes) {
    const inc: Incarnation = {
      id: `${n.name}@${o.attempt}`,
      node: n.name,
      started_at: at,
      event: `testbed up (${o.testbed}, ${n.spare ? 'spare ' : ''}${n.virt} on ${n.host}) for run ${o.runId}, attempt ${o.attempt}${o.kind === 'fill' ? ' (fill)' : ''}`,
    };
    incarnations.set(n.name, inc);
    appendLedger(o.runDir, { type: 'node', attempt: o.attempt, incarnation: inc });
  }
  return new Cells({
    runDir: o.runDir,
    attempt: o.attempt,
    incarnations,
    done: o.done,
    probe: o.probe,
    spares: o.spares,
    onLost: (l) =>
      o.progress.warn(
        `node ${l.node} lost at ${l.at}: ${l.why}; ${o.spares?.length ? 'its role moves to a spare of its site if one is left, else its' : 'its'} cells are missing from here on (icbench fill ${o.runId} runs them later)`,
      ),
    onStandIn: (e) => o.progress.warn(`node ${e.node}: its role moved to spare ${e.spare} (${e.incarnation}); its cells run there from here on`),
  });
}

/** After the benchmarks: a run with missing cells is degraded, the lost nodes named in `failures`; run.json gets `coverage`. */
export function settleCells(meta: RunMeta, cells: Cells, runDir: string, fillOf?: string): void {
  const lost = cells.lostNodes();
  const missing = cells.written.filter((c) => c.state === 'missing').length;
  meta.coverage = coverageOf(readLedger(runDir));
  // Lost nodes whose roles all moved to spares (or lost spares), no cell missing: every cell was measured; coverage says where.
  const replaced = cells.standInsSoFar();
  if (!missing && lost.every((l) => replaced[l.node] || cells.isSpare(l.node))) return;
  if (meta.status === 'ok') meta.status = 'degraded';
  // Cells missing for a reason of their runner's own while their nodes answer (a Hadoop NodeManager LOST): named too.
  const lostNames = new Set(lost.map((l) => l.node));
  const other = [
    ...new Set(cells.written.filter((c) => c.state === 'missing' && c.node !== undefined && !lostNames.has(c.node)).map((c) => c.reason ?? `node ${c.node}`)),
  ];
  meta.failures.push({
    stage: 'nodes',
    what: lost.length ? `${lost.length} node(s) lost` : `${missing} cell(s) missing`,
    error: `${[...lost.map((l) => `${l.node} at ${l.at}: ${l.why}`), ...other].join('; ')}; ${missing} cell(s) missing (icbench fill ${fillOf ?? meta.run_id} runs them)`,
  });
}

/** The coverage line of the run's summary, or null without a ledger. */
export function coverageSummary(runDir: string): string | null {
  const e = readLedger(runDir);
  return e.some((x) => x.type === 'cell') ? coverageLine(coverageOf(e)) : null;
}

/**
 * What run.json holds during and after a fill: the run's own record, its coverage over every
 * attempt, and this fill (`m`, the fill session's own meta) in `fills[]`. The status is the run's
 * own without the lost nodes' degradation once every cell is ok, degraded while cells are missing.
 */
export function mergeFill(t: FillTarget, m: RunMeta, runDir: string, cells: Cells | null): RunMeta {
  const cov = coverageOf(readLedger(runDir));
  const mine = cells?.written.filter((c) => c.attempt === t.attempt) ?? [];
  const fill: FillMeta = {
    attempt: t.attempt,
    started_at: m.started_at,
    ended_at: m.ended_at,
    status: m.status,
    todo: t.todo.size,
    ok: mine.filter((c) => c.state === 'ok').length,
    failed: mine.filter((c) => c.state === 'failed').length,
    missing: mine.filter((c) => c.state === 'missing').length,
    harness: m.harness,
    validation: m.validation,
    failures: m.failures,
    params: Object.fromEntries(Object.entries(m.params).filter(([k]) => ADDED.test(k))),
  };
  const complete = cov.missing === 0;
  const failures = complete ? t.meta.failures.filter((f) => f.stage !== 'nodes') : t.meta.failures;
  let status = t.meta.status;
  if (complete && status === 'degraded' && failures.length === 0) status = 'ok';
  if (!complete && status === 'ok') status = 'degraded';
  return { ...t.meta, status, failures, coverage: cov, fills: [...(t.meta.fills ?? []), fill] };
}

type Failure = RunMeta['failures'][number];

/**
 * What the teardown could not remove because the host it is on was unreachable after its nodes
 * were lost (a host that stopped answering, e.g. its sshd gone): part of losing those nodes, not a
 * teardown failure of the run. Returns the leftovers that stay teardown failures (`left`), and a
 * `nodes` failure naming the lost hosts' part (kept journaled: `icbench clean` once they are back;
 * `icbench fill` does that first), or null.
 */
export function lostHostLeftovers(
  down: Pick<TeardownReport, 'left' | 'unreachable'>,
  lostNodes: readonly string[],
  nodes: readonly Pick<TestbedNode, 'name' | 'host'>[],
  runId: string,
): { left: string[]; lost: Failure | null } {
  const hosts = new Set(lostNodes.map((n) => nodes.find((x) => x.name === n)?.host).filter((h): h is string => h !== undefined));
  const excused = (down.unreachable ?? []).filter((u) => hosts.has(u.host));
  if (!excused.length) return { left: down.left, lost: null };
  return {
    left: down.left.filter((l) => !excused.some((u) => u.what === l)),
    lost: {
      stage: 'nodes',
      what: `${excused.length} lost host(s) not torn down`,
      error: `${excused.map((u) => `${u.host}: unreachable (${u.error})`).join('; ')}; what the run made there stays journaled: icbench clean ${runId} once the host is back (icbench fill ${runId} does that first)`,
    },
  };
}

/**
 * A fill runs under the run's own id, so what the run still has journaled (the part of a host that
 * was unreachable at its teardown) would clash with the fill's testbed: it is removed first, as
 * `icbench clean <run>` does. If some of it still cannot be removed, the fill stops here, before
 * anything is created. Throws RunIsLive for a run whose process still runs.
 */
export async function clearRunLeftovers(runId: string, progress: Progress): Promise<void> {
  if (!existsSync(join(stateDir(), `${runId}.journal`))) return;
  const owner = liveOwner(runId);
  if (owner) throw new RunIsLive(runId, owner.pid, owner.pidStart, 'wait for it to end before filling it');
  progress.stage('fill', `run ${runId} still has resources journaled: removing them first (as icbench clean ${runId})`);
  const left = await cleanRun(runId, { log: (l) => progress.info(l) });
  if (left.length)
    throw new Error(
      `fill: run ${runId} still has resources that cannot be removed, so its testbed cannot be made again under its id: ${left.join('; ')}; nothing was created (bring the host back, then fill again)`,
    );
  progress.info(`fill: what run ${runId} still had is removed`);
}
