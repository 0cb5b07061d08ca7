/** Small helpers shared by the per-benchmark spec builders. */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { percentile } from '../../measurements/stats.js';

/** One report section: a heading, optional HTML (already escaped) and an optional Vega-Lite spec. */
export interface Section {
  heading: string;
  html?: string;
  spec?: Record<string, unknown>;
}

/** Builds a section (or several) from a run's rows; null or [] when there is nothing to show. */
/** `runDir`: the run folder, for sections drawn from raw tool output (absent: such sections are left out). */
export type SectionBuilder = (rows: Measurement[], meta: RunMeta, runDir?: string) => Section | Section[] | null;

/** Median (mean of the two middle values for even n): measurements/stats percentile(v, 50). NaN for an empty list. */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Quantile with q in [0, 1]: measurements/stats percentile(v, q * 100). NaN for an empty list. */
export function quantile(values: number[], q: number): number {
  return values.length === 0 ? NaN : percentile(values, q * 100);
}

/** Sites in topology order, then any other site seen in the rows. */
export function siteOrder(rows: Measurement[], meta: RunMeta): string[] {
  const out = meta.topology.sites.map((s) => s.name);
  for (const r of rows) for (const s of [r.src_site, r.dst_site]) if (s && !out.includes(s)) out.push(s);
  return out;
}

/** Unordered site pair as shown in labels, in topology order: "NII–Hokudai". */
export function pairLabel(a: string, b: string, order: string[]): string {
  const [x, y] = [a, b].sort((p, q) => order.indexOf(p) - order.indexOf(q));
  return `${x}–${y}`;
}

/** Label of the group a row belongs to: "local NII", "intra-site Hokudai", "inter-site NII–Hokudai". */
export function pathLabel(r: Measurement, order: string[]): string {
  if (r.path === 'inter-site') return `inter-site ${pairLabel(r.src_site, r.dst_site, order)}`;
  if (r.path === 'local' || r.path === 'intra-site') return `${r.path} ${r.src_site}`;
  return r.path || 'unknown path';
}

/** Display order of labels: local, intra-site (site order), inter-site, then anything else. */
export function sortLabels(labels: Iterable<string>, order: string[]): string[] {
  const rank = (l: string): number => {
    const kind = ['local', 'intra-site', 'inter-site'].findIndex((k) => l.startsWith(k + ' '));
    const site = order.findIndex((s) => l.endsWith(' ' + s) || l.includes(' ' + s + '–'));
    return (kind < 0 ? 3 : kind) * 1000 + (site < 0 ? 999 : site);
  };
  return [...new Set(labels)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A number for display: thousands separators, `digits` decimals; "–" for null/NaN. */
export function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A row's text parameter (params column), or null. */
export function textParam(r: Measurement, key: string): string | null {
  const v = r.params[key];
  return v === undefined ? null : String(v);
}

/** A row's numeric parameter (params column), or null when absent or not a number. */
export function numParam(r: Measurement, key: string): number | null {
  const v = r.params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function hasFlag(r: Measurement, flag: string): boolean {
  return r.flags
    .split(';')
    .map((f) => f.trim())
    .includes(flag);
}
