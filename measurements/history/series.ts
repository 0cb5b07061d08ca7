/**
 * Series of the history: only like is compared with like. A series key is (scenario, benchmark,
 * metric, path, site pair, row parameters, scenario parameters, testbed kind, virt, host
 * fingerprint); one run gives each of its series one summary of its ok values. Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import { type Measurement, paramsJson } from '../measurement.js';
import type { RunMeta } from '../run-meta.js';
import { percentile } from '../stats.js';
import { ATTEMPT, isSuperseded } from '../retries.js';

/** Which way is better. */
export type Direction = 'higher' | 'lower' | 'none';

export interface SeriesKey {
  scenario: string;
  benchmark: string;
  metric: string;
  unit: string;
  path: string;
  src_site: string;
  dst_site: string;
  /** The rows' typed params as sorted JSON (script, rtt_ms, streams, ...). */
  row_params: string;
  /** Hash of the scenario parameters (runParams). */
  params_hash: string;
  testbed: string;
  virt: string;
  host_fp: string;
}

export interface SeriesSummary {
  key: SeriesKey;
  id: string;
  direction: Direction;
  n: number;
  median: number;
  p05: number;
  q1: number;
  q3: number;
  p95: number;
  min: number;
  max: number;
  /** Median absolute deviation (raw, not scaled by 1.4826). */
  mad: number;
  iqr: number;
  values: number[];
}

/** Benchmarks whose rows are not performance series (checks of the testbed). */
const NOT_SERIES = new Set(['validation']);
/** At most this many values of one run's series are kept for the significance test (evenly thinned). */
export const MAX_VALUES = 200;

const sha = (s: string, n = 16): string => createHash('sha256').update(s).digest('hex').slice(0, n);

function sortedJson(v: Record<string, unknown>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, v[k]]),
    ),
  );
}

/** Scenario parameters that name the run, not the experiment: left out of the parameters hash. */
const RUN_ONLY = /^(testbed_|results$|run_id$|run-id$|dry_run$|dry-run$|report$|sweep_)/;

/** The scenario parameters that define the experiment, as sorted JSON. */
export function runParams(meta: RunMeta): string {
  return sortedJson(Object.fromEntries(Object.entries(meta.params ?? {}).filter(([k]) => !RUN_ONLY.test(k))));
}

export function paramsHash(meta: RunMeta): string {
  return sha(runParams(meta), 12);
}

/**
 * Host fingerprint: the machine(s) that measured. Hostname, CPU count and memory of the harness
 * host, and the remote hosts' names on real sites. The kernel is left out on purpose: a kernel
 * update is a change the history should show, not a new series.
 */
export function hostFingerprint(meta: RunMeta): string {
  const remote = (meta.remote_hosts ?? []).map((h) => String((h as Record<string, unknown>).hostname ?? (h as Record<string, unknown>).name ?? '')).sort();
  return sha(JSON.stringify([meta.host?.hostname ?? '', meta.host?.cpus ?? 0, meta.host?.memory_mb ?? 0, remote]), 12);
}

/** Which way is better for a metric, from its unit and name. */
export function directionOf(metric: string, unit: string): Direction {
  const m = metric.toLowerCase();
  if (/throughput|tps|bandwidth|rate|ops|requests/.test(m) || /\/s$/.test(unit)) return 'higher';
  if (['ms', 's', 'us', 'µs', 'ns', 'min'].includes(unit)) return 'lower';
  if (/rtt|latency|time|elapsed|loss|retrans|errors?$|jitter/.test(m)) return 'lower';
  return 'none';
}

export function seriesId(k: SeriesKey): string {
  return sha(
    JSON.stringify([k.scenario, k.benchmark, k.metric, k.unit, k.path, k.src_site, k.dst_site, k.row_params, k.params_hash, k.testbed, k.virt, k.host_fp]),
    20,
  );
}

/** A short human label: "iperf3 throughput inter-site NII→Hokudai [streams=4] (netns)". */
export function seriesLabel(k: SeriesKey): string {
  const p = k.row_params
    ? ` [${Object.entries(JSON.parse(k.row_params) as Record<string, unknown>)
        .map(([a, b]) => `${a}=${b}`)
        .join(' ')}]`
    : '';
  const pair = k.src_site === k.dst_site ? k.src_site : `${k.src_site}→${k.dst_site}`;
  return `${k.benchmark} ${k.metric} ${k.path || '-'} ${pair}${p} (${k.virt})`;
}

function thin(values: number[]): number[] {
  if (values.length <= MAX_VALUES) return values;
  const step = values.length / MAX_VALUES;
  return Array.from({ length: MAX_VALUES }, (_, i) => values[Math.floor(i * step)]);
}

/** Summary statistics of one series' values (n >= 1). */
export function summarize(values: number[]): Omit<SeriesSummary, 'key' | 'id' | 'direction'> {
  const med = percentile(values, 50);
  const dev = values.map((v) => Math.abs(v - med));
  const q1 = percentile(values, 25);
  const q3 = percentile(values, 75);
  return {
    n: values.length,
    median: med,
    p05: percentile(values, 5),
    q1,
    q3,
    p95: percentile(values, 95),
    min: Math.min(...values),
    max: Math.max(...values),
    mad: percentile(dev, 50),
    iqr: q3 - q1,
    values: thin(values),
  };
}

/** A row's params that make its series: which try of a sample it was (`attempt`) does not. */
function seriesParams(p: Measurement['params']): Measurement['params'] {
  const { [ATTEMPT]: _attempt, ...rest } = p;
  return rest;
}

/** Every series of a run with its summary (ok rows with a value only; validation rows left out). */
export function runSeries(rows: Measurement[], meta: RunMeta): SeriesSummary[] {
  const fp = hostFingerprint(meta);
  const ph = paramsHash(meta);
  const groups = new Map<string, { key: SeriesKey; values: number[] }>();
  for (const r of rows) {
    // A sample tried again because the WAN emulator limited it counts once, with its last try.
    if (r.status !== 'ok' || r.value === null || NOT_SERIES.has(r.benchmark) || isSuperseded(r)) continue;
    const key: SeriesKey = {
      scenario: meta.scenario,
      benchmark: r.benchmark,
      metric: r.metric,
      unit: r.unit,
      path: r.path,
      src_site: r.src_site,
      dst_site: r.dst_site,
      row_params: paramsJson(seriesParams(r.params)),
      params_hash: ph,
      testbed: meta.testbed,
      virt: r.virt,
      host_fp: fp,
    };
    const text = `${r.benchmark}\u0000${r.metric}\u0000${r.unit}\u0000${r.path}\u0000${r.src_site}\u0000${r.dst_site}\u0000${key.row_params}\u0000${r.virt}`;
    const g = groups.get(text) ?? { key, values: [] };
    g.values.push(r.value);
    groups.set(text, g);
  }
  return [...groups.values()].map((g) => ({ key: g.key, id: seriesId(g.key), direction: directionOf(g.key.metric, g.key.unit), ...summarize(g.values) }));
}
