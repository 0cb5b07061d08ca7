/**
 * Indexes one run folder in the history database and runs the regression detection on each of
 * its series. Idempotent: indexing a run again replaces what it had. Detection sees only the
 * runs that started before this one (and this one), so the order of indexing does not matter
 * as long as runs are indexed oldest first (rebuild does so).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Measurement } from '../measurement.js';
import { loadRun } from '../reader.js';
import type { RunMeta } from '../run-meta.js';
import { writeFileAtomic } from '../../base/atomic-file.js';
import type { HistoryDb } from './db.js';
import { DEFAULT_DETECT, type DetectOptions, detect, type SeriesPoint, shiftIsRegression } from './detect.js';
import { type ChangePointFinding, type GuardFinding, type Origin, REGRESSIONS_SCHEMA, type RegressionFinding, type RegressionsFile } from './regressions.js';
import { hostFingerprint, paramsHash, runParams, runSeries, type SeriesSummary, seriesLabel } from './series.js';

export const REGRESSIONS_FILE = 'regressions.json';

/** A run folder read and summarised, ready to index (done before the database lock is taken). */
export interface PreparedRun {
  runDir: string;
  meta: RunMeta;
  series: SeriesSummary[];
  warnings: string[];
}

export async function prepareRun(runDir: string): Promise<PreparedRun> {
  const warnings: string[] = [];
  const { rows, meta } = await loadRun(runDir, warnings);
  return { runDir, meta, series: runSeries(rows as Measurement[], meta), warnings };
}

/** The origin kept in an earlier regressions.json of the folder (rebuild keeps it), else manual. */
export function storedOrigin(runDir: string): Origin {
  try {
    const f = JSON.parse(readFileSync(join(runDir, REGRESSIONS_FILE), 'utf8')) as Partial<RegressionsFile>;
    const o = f.origin;
    if (o && o.kind === 'nightly' && typeof o.entry === 'string' && typeof o.slot === 'string') return { kind: 'nightly', entry: o.entry, slot: o.slot };
  } catch {
    /* none yet */
  }
  return { kind: 'manual' };
}

/**
 * Absolute checks of emulated paths against the configured WAN. A NOT OK validation that names
 * its limit (this machine's ceiling, a saturated emulator) is a limit of the harness, not a
 * regression of the path, and is left out.
 */
export function wanGuards(meta: RunMeta, series: SeriesSummary[]): GuardFinding[] {
  const out: GuardFinding[] = [];
  for (const v of [...meta.validation, ...(meta.wan_changes ?? []).flatMap((c) => c.validation)]) {
    if (v.ok || v.baseline || v.limit) continue;
    out.push({
      kind: 'guard',
      check: `validation ${v.check}`,
      a: v.a,
      b: v.b,
      configured: v.configured,
      measured: v.measured,
      unit: v.unit,
      what: v.note || 'NOT OK',
      series: null,
    });
  }
  for (const w of meta.wan) {
    if (w.enforced_by === 'none') continue;
    const pair = (s: SeriesSummary) =>
      s.key.path === 'inter-site' && ((s.key.src_site === w.a && s.key.dst_site === w.b) || (s.key.src_site === w.b && s.key.dst_site === w.a));
    for (const s of series.filter(pair)) {
      const rp = s.key.row_params ? (JSON.parse(s.key.row_params) as Record<string, unknown>) : {};
      if (s.key.benchmark === 'ping' && (s.key.metric === 'rtt' || s.key.metric === 'rtt_median')) {
        const rtt = typeof rp.rtt_ms === 'number' ? rp.rtt_ms : w.rtt_ms;
        const lo = 0.9 * rtt - 0.5;
        const hi = 1.2 * rtt + 2;
        if (s.median < lo || s.median > hi)
          out.push({
            kind: 'guard',
            check: 'rtt',
            a: s.key.src_site,
            b: s.key.dst_site,
            configured: rtt,
            measured: s.median,
            unit: 'ms',
            what: `median ${s.key.metric} outside [${lo.toFixed(1)}, ${hi.toFixed(1)}] ms of the configured RTT`,
            series: s.id,
          });
      }
      if (s.key.benchmark === 'iperf3' && s.key.metric === 'throughput' && w.rate_mbit !== null && s.key.unit === 'Mbit/s' && s.median > 1.05 * w.rate_mbit)
        out.push({
          kind: 'guard',
          check: 'rate',
          a: s.key.src_site,
          b: s.key.dst_site,
          configured: w.rate_mbit,
          measured: s.median,
          unit: 'Mbit/s',
          what: 'median throughput above 1.05 × the configured rate: the emulation did not limit it',
          series: s.id,
        });
    }
  }
  return out;
}

/**
 * Points of a series the detector sees at indexing: the newest this many (two months of nightly
 * runs; the baseline window is 10). Change points over the whole history are drawn by the trend report.
 */
export const HISTORY_POINTS = 60;

function points(db: HistoryDb, seriesKey: string, meta: RunMeta): SeriesPoint[] {
  return db
    .all<{
      run_id: string;
      started_at: string;
      status: string;
      median: number;
      values_json: string;
      finding: string | null;
      by_started: string | null;
      by_id: string | null;
    }>(
      `SELECT s.run_id, r.started_at, r.status, s.median, s.values_json, f.kind AS finding, b.started_at AS by_started, b.run_id AS by_id
       FROM summaries s JOIN runs r ON r.run_id = s.run_id
       LEFT JOIN findings f ON f.run_id = s.run_id AND f.series_key = s.series_key AND f.kind IN ('suspect', 'confirmed')
       LEFT JOIN runs b ON b.run_id = f.confirmed_by
       WHERE s.series_key = ? AND (r.started_at < ? OR (r.started_at = ? AND r.run_id <= ?))
       ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?`,
      [seriesKey, meta.started_at, meta.started_at, meta.run_id, HISTORY_POINTS],
    )
    .reverse()
    .map((r) => {
      // As the history stood when this run came: a confirmation by this run or a later one did not exist yet.
      const later =
        r.by_id !== null && r.by_started !== null && (r.by_started > meta.started_at || (r.by_started === meta.started_at && r.by_id >= meta.run_id));
      const finding = r.finding === 'confirmed' && later ? 'suspect' : r.finding;
      let values: number[] | null = null;
      return {
        runId: r.run_id,
        startedAt: r.started_at,
        status: r.status,
        median: r.median,
        // Parsed when the detector needs them (the baseline and the newest point only).
        get values(): number[] {
          values ??= JSON.parse(r.values_json) as number[];
          return values;
        },
        finding: finding === 'suspect' || finding === 'confirmed' ? finding : null,
      };
    });
}

/** A regressions.json to (re)write once the database is committed. */
export interface PendingFile {
  path: string;
  content: RegressionsFile;
}

export interface IndexResult {
  file: RegressionsFile;
  /** This run's regressions.json and those of earlier suspects it confirmed. */
  writes: PendingFile[];
}

/** Indexes a prepared run inside an open transaction. */
export function indexRun(db: HistoryDb, resultsRoot: string, run: PreparedRun, origin: Origin, opts: DetectOptions = DEFAULT_DETECT): IndexResult {
  const { meta } = run;
  const rel = relative(resultsRoot, run.runDir) || '.';
  const report = existsSync(join(run.runDir, 'report.html')) ? join(rel, 'report.html') : null;
  db.run('DELETE FROM findings WHERE run_id = ?', [meta.run_id]);
  db.run('DELETE FROM summaries WHERE run_id = ?', [meta.run_id]);
  db.run(
    `INSERT OR REPLACE INTO runs (run_id, run_dir, scenario, params_json, params_hash, testbed, host_fp, harness_commit, started_at, ended_at, status,
       origin, origin_entry, origin_slot, report_path, suspect, confirmed, regressions_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL)`,
    [
      meta.run_id,
      rel,
      meta.scenario,
      runParams(meta),
      paramsHash(meta),
      meta.testbed,
      hostFingerprint(meta),
      meta.harness?.commit ?? '',
      meta.started_at,
      meta.ended_at,
      meta.status,
      origin.kind,
      origin.kind === 'nightly' ? origin.entry : null,
      origin.kind === 'nightly' ? origin.slot : null,
      report,
    ],
  );
  for (const s of run.series) {
    const k = s.key;
    db.run(
      `INSERT OR IGNORE INTO series (series_key, scenario, benchmark, metric, unit, path, src_site, dst_site, row_params, params_hash, testbed, virt, host_fp, direction)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [s.id, k.scenario, k.benchmark, k.metric, k.unit, k.path, k.src_site, k.dst_site, k.row_params, k.params_hash, k.testbed, k.virt, k.host_fp, s.direction],
    );
    db.run(
      `INSERT INTO summaries (run_id, series_key, n, median, p05, q1, q3, p95, min, max, mad, iqr, values_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [meta.run_id, s.id, s.n, s.median, s.p05, s.q1, s.q3, s.p95, s.min, s.max, s.mad, s.iqr, JSON.stringify(s.values)],
    );
  }
  const findings: RegressionFinding[] = [];
  const cps: ChangePointFinding[] = [];
  const writes: PendingFile[] = [];
  let compared = 0;
  for (const s of run.series) {
    const d = detect(points(db, s.id, meta), s.direction, opts);
    const label = seriesLabel(s.key);
    for (const c of d.newChangePoints) {
      cps.push({
        series: s.id,
        label,
        run_id: c.runId,
        before: c.before,
        after: c.after,
        pct: c.pct,
        p: c.p,
        regression: shiftIsRegression(c, s.direction, opts),
      });
      db.run('INSERT OR REPLACE INTO findings (run_id, series_key, kind, detail_json) VALUES (?, ?, ?, ?)', [
        meta.run_id,
        s.id,
        'change-point',
        JSON.stringify(c),
      ]);
    }
    if (d.baseline) compared++;
    db.run('UPDATE summaries SET verdict = ?, base_median = ?, base_lo = ?, base_hi = ? WHERE run_id = ? AND series_key = ?', [
      d.verdict,
      d.baseline?.median ?? null,
      d.baseline?.lo ?? null,
      d.baseline?.hi ?? null,
      meta.run_id,
      s.id,
    ]);
    if (d.verdict === 'no-baseline' || d.verdict === 'within-noise' || !d.baseline || d.deltaPct === null || d.thresholdPct === null) continue;
    const f: RegressionFinding = {
      kind: d.verdict,
      series: s.id,
      label,
      key: s.key,
      direction: s.direction,
      unit: s.key.unit,
      value: d.value,
      n: d.n,
      baseline: {
        median: d.baseline.median,
        runs: d.baseline.runs,
        n_runs: d.baseline.runs.length,
        n_values: d.baseline.n,
        cv_pct: d.baseline.cv * 100,
        lo: d.baseline.lo,
        hi: d.baseline.hi,
      },
      delta_pct: d.deltaPct,
      threshold_pct: d.thresholdPct,
      p: d.p,
      confirms: d.confirms,
    };
    findings.push(f);
    db.run('INSERT OR REPLACE INTO findings (run_id, series_key, kind, detail_json) VALUES (?, ?, ?, ?)', [meta.run_id, s.id, f.kind, JSON.stringify(f)]);
    if (d.verdict === 'confirmed' && d.confirms) {
      db.run("UPDATE findings SET kind = 'confirmed', confirmed_by = ? WHERE run_id = ? AND series_key = ? AND kind = 'suspect'", [
        meta.run_id,
        d.confirms,
        s.id,
      ]);
      db.run("UPDATE summaries SET verdict = 'confirmed' WHERE run_id = ? AND series_key = ? AND verdict = 'suspect'", [d.confirms, s.id]);
      const w = promoteSuspect(db, resultsRoot, d.confirms, s.id, meta.run_id);
      if (w) writes.push(w);
    }
  }
  const guards = wanGuards(meta, run.series);
  const count = (k: RegressionFinding['kind']) => findings.filter((f) => f.kind === k).length;
  const file: RegressionsFile = {
    schema: REGRESSIONS_SCHEMA,
    run_id: meta.run_id,
    scenario: meta.scenario,
    status: meta.status,
    origin,
    method: {
      window: opts.window,
      min_baseline: opts.minBaseline,
      min_pct: opts.minPct * 100,
      k_cv: opts.k,
      alpha: opts.alpha,
      change_point: 'e-divisive means, Mann-Whitney p < 0.01, segments >= 4 runs, change >= 2%; a regression when worse by >= max(2%, k x robust CV before)',
    },
    counts: {
      series: run.series.length,
      compared,
      no_baseline: run.series.length - compared,
      suspect: count('suspect'),
      confirmed: count('confirmed') + guards.length + cps.filter((c) => c.regression).length,
      guard: guards.length,
      shift: cps.filter((c) => c.regression).length,
      improvement: count('improvement'),
      changed: count('changed'),
    },
    findings,
    guards,
    change_points: cps,
  };
  saveRegressions(db, file);
  writes.unshift({ path: join(run.runDir, REGRESSIONS_FILE), content: file });
  return { file, writes };
}

function saveRegressions(db: HistoryDb, file: RegressionsFile): void {
  db.run('UPDATE runs SET suspect = ?, confirmed = ?, regressions_json = ? WHERE run_id = ?', [
    file.counts.suspect,
    file.counts.confirmed,
    JSON.stringify(file),
    file.run_id,
  ]);
}

/** An earlier run's suspect on `series` is confirmed by `by`: its stored regressions.json says so too. */
function promoteSuspect(db: HistoryDb, resultsRoot: string, runId: string, series: string, by: string): PendingFile | null {
  const r = db.get<{ regressions_json: string | null; run_dir: string }>('SELECT regressions_json, run_dir FROM runs WHERE run_id = ?', [runId]);
  if (!r?.regressions_json) return null;
  const file = JSON.parse(r.regressions_json) as RegressionsFile;
  let changed = false;
  for (const f of file.findings)
    if (f.series === series && f.kind === 'suspect') {
      f.kind = 'confirmed';
      f.confirms = `confirmed by ${by}`;
      changed = true;
    }
  if (!changed) return null;
  file.counts.suspect = file.findings.filter((f) => f.kind === 'suspect').length;
  file.counts.confirmed = file.findings.filter((f) => f.kind === 'confirmed').length + file.guards.length + file.counts.shift;
  saveRegressions(db, file);
  return { path: join(resultsRoot, r.run_dir, REGRESSIONS_FILE), content: file };
}

/** Writes the regressions.json files of an index result (after the database is committed). */
export function writeRegressions(writes: PendingFile[]): void {
  for (const w of writes) if (existsSync(join(w.path, '..'))) writeFileAtomic(w.path, `${JSON.stringify(w.content, null, 2)}\n`);
}

/** Run folders under the results directory (and inside sweep folders), oldest first by started_at. */
export function findRunDirs(resultsRoot: string): string[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  };
  const out: string[] = [];
  const isRun = (d: string) => existsSync(join(d, 'run.json')) && existsSync(join(d, 'measurements.csv'));
  for (const name of list(resultsRoot)) {
    const d = join(resultsRoot, name);
    if (isRun(d)) out.push(d);
    else if (existsSync(join(d, 'sweep.json'))) for (const sub of list(d)) if (isRun(join(d, sub))) out.push(join(d, sub));
  }
  return out;
}
