/** Typed reads of the history database: the run list, missed slots, and series over time. */
import type { HistoryDb } from './db.js';
import type { Direction, SeriesKey } from './series.js';

export interface HistoryRun {
  run_id: string;
  run_dir: string;
  scenario: string;
  params_hash: string;
  testbed: string;
  host_fp: string;
  harness_commit: string;
  started_at: string;
  ended_at: string | null;
  status: string;
  origin: string;
  origin_entry: string | null;
  origin_slot: string | null;
  report_path: string | null;
  suspect: number;
  confirmed: number;
}

export interface MissedSlot {
  entry: string;
  slot: string;
  scenario: string;
  reason: string;
  recorded_at: string;
}

export function listRuns(db: HistoryDb, scenario?: string): HistoryRun[] {
  return db.all<HistoryRun>(
    `SELECT run_id, run_dir, scenario, params_hash, testbed, host_fp, harness_commit, started_at, ended_at, status, origin, origin_entry, origin_slot,
       report_path, suspect, confirmed FROM runs ${scenario ? 'WHERE scenario = ?' : ''} ORDER BY started_at, run_id`,
    scenario ? [scenario] : [],
  );
}

export function listMissed(db: HistoryDb, scenario?: string): MissedSlot[] {
  return db.all<MissedSlot>(
    `SELECT entry, slot, scenario, reason, recorded_at FROM missed ${scenario ? 'WHERE scenario = ?' : ''} ORDER BY slot`,
    scenario ? [scenario] : [],
  );
}

export interface TrendPoint {
  run_id: string;
  started_at: string;
  status: string;
  n: number;
  median: number;
  q1: number;
  q3: number;
  verdict: string;
  base_median: number | null;
  base_lo: number | null;
  base_hi: number | null;
  report_path: string | null;
}

export interface TrendSeries {
  id: string;
  key: SeriesKey;
  direction: Direction;
  points: TrendPoint[];
}

/** Every series (optionally of one scenario and/or benchmark) with its points, oldest first. */
export function trendSeries(db: HistoryDb, filter: { scenario?: string; benchmark?: string } = {}): TrendSeries[] {
  const where: string[] = [];
  const args: string[] = [];
  if (filter.scenario) {
    where.push('scenario = ?');
    args.push(filter.scenario);
  }
  if (filter.benchmark) {
    where.push('benchmark = ?');
    args.push(filter.benchmark);
  }
  const series = db.all<SeriesKey & { series_key: string; direction: Direction }>(
    `SELECT * FROM series ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY scenario, benchmark, metric, path, src_site, dst_site, row_params, virt, series_key`,
    args,
  );
  const byKey = new Map<string, TrendPoint[]>(series.map((s) => [s.series_key, []]));
  const rows = db.all<TrendPoint & { series_key: string }>(
    `SELECT s.series_key, s.run_id, r.started_at, r.status, s.n, s.median, s.q1, s.q3, s.verdict, s.base_median, s.base_lo, s.base_hi, r.report_path
     FROM summaries s JOIN runs r ON r.run_id = s.run_id ORDER BY r.started_at, r.run_id`,
  );
  for (const r of rows) {
    const list = byKey.get(r.series_key);
    if (!list) continue;
    const { series_key: _k, ...p } = r;
    list.push(p);
  }
  return series.map((s) => {
    const { series_key, direction, ...key } = s;
    return { id: series_key, key: key as SeriesKey, direction, points: byKey.get(series_key) ?? [] };
  });
}
