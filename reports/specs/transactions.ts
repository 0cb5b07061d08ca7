/**
 * Fig. 3 analogue: pgbench transactions per second with client and server at the same site vs
 * across the WAN, per script (rows with param `script`); TPS against the WAN RTT when rows
 * come from several RTTs (param `rtt_ms`); latency avg/p99 by path in a table.
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, numParam, pathLabel, textParam, siteOrder, sortLabels, type Section } from './common.js';
import { compareSequential, designOf, type Comparison } from './stats.js';
import { rttReference } from './reference.js';

export interface TpsGroup {
  script: string;
  label: string;
  path: string;
  mean: number;
  min: number;
  max: number;
  n: number;
}
export interface TpsSample {
  script: string;
  label: string;
  value: number;
  src: string;
  repetition: number;
  rtt_ms: number | null;
}
/** Inter-site loss of TPS for one script and server site: (same - inter) / same * 100, on means. */
export interface TpsDrop {
  /** The headline comparison's stable key (adaptive repetitions, run.json adaptive.comparisons). */
  key: string;
  script: string;
  site: string;
  same_mean: number;
  inter_mean: number;
  drop_pct: number;
  n_same: number;
  n_inter: number;
  /** Inter-site against same-site runs (medians): whether the difference is beyond the noise. */
  comparison: Comparison;
}
export interface RttPoint {
  script: string;
  kind: 'same-site' | 'inter-site';
  series: string;
  rtt_ms: number;
  mean: number;
  n: number;
}
export interface LatencyRow {
  script: string;
  label: string;
  rtt_ms: number | null;
  avg: number;
  p99: number | null;
  n: number;
}
export interface TransactionsSummary {
  /** RTT of the rows in the bars (null when rows carry no rtt_ms param). */
  barRtt: number | null;
  rtts: number[];
  groups: TpsGroup[];
  samples: TpsSample[];
  drops: TpsDrop[];
  byRtt: RttPoint[];
  latency: LatencyRow[];
  failed: number;
}

const scriptOf = (r: Measurement) => textParam(r, 'script') ?? 'unknown script';
const rttOf = (r: Measurement): number | null => numParam(r, 'rtt_ms');
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const okOf = (rows: Measurement[], metric: string) =>
  rows.filter((r) => r.benchmark === 'pgbench' && r.metric === metric && r.status === 'ok' && r.value !== null);

export function transactionsSummary(rows: Measurement[], meta: RunMeta): TransactionsSummary {
  const order = siteOrder(rows, meta);
  const tps = okOf(rows, 'tps');
  const rtts = [...new Set(tps.map(rttOf).filter((v): v is number => v !== null))].sort((a, b) => a - b);
  // Bars show one RTT: the configured one if it was measured, else the largest.
  const configured = meta.wan[0]?.rtt_ms;
  const barRtt = rtts.length === 0 ? null : configured !== undefined && rtts.includes(configured) ? configured : rtts[rtts.length - 1];
  const inBars = (r: Measurement) => rttOf(r) === null || rttOf(r) === barRtt;
  const scripts = [...new Set(tps.map(scriptOf))].sort();
  const samples: TpsSample[] = tps.filter(inBars).map((r) => ({
    script: scriptOf(r),
    label: pathLabel(r, order),
    value: r.value as number,
    src: `${r.src_site}/${r.src_node}`,
    repetition: r.repetition,
    rtt_ms: rttOf(r),
  }));
  const groups: TpsGroup[] = scripts.flatMap((script) =>
    sortLabels(
      samples.filter((s) => s.script === script).map((s) => s.label),
      order,
    ).map((label) => {
      const v = samples.filter((s) => s.script === script && s.label === label).map((s) => s.value);
      return { script, label, path: label.split(' ')[0], mean: mean(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
    }),
  );
  const drops: TpsDrop[] = [];
  for (const script of scripts)
    for (const site of order) {
      const mine = tps.filter((r) => inBars(r) && scriptOf(r) === script && r.dst_site === site);
      const same = mine.filter((r) => r.path !== 'inter-site').map((r) => r.value as number);
      const inter = mine.filter((r) => r.path === 'inter-site').map((r) => r.value as number);
      if (!same.length || !inter.length) continue;
      const [sm, im] = [mean(same), mean(inter)];
      const key = `tps|${script}|${site}`;
      drops.push({
        key,
        script,
        site,
        same_mean: sm,
        inter_mean: im,
        drop_pct: ((sm - im) / sm) * 100,
        n_same: same.length,
        n_inter: inter.length,
        comparison: compareSequential(same, inter, designOf(meta, key)),
      });
    }
  const byRtt: RttPoint[] = [];
  if (rtts.length >= 2)
    for (const script of scripts)
      for (const kind of ['same-site', 'inter-site'] as const)
        for (const rtt of rtts) {
          const v = tps
            .filter((r) => scriptOf(r) === script && rttOf(r) === rtt && (r.path === 'inter-site') === (kind === 'inter-site'))
            .map((r) => r.value as number);
          if (v.length) byRtt.push({ script, kind, series: `${script}, ${kind}`, rtt_ms: rtt, mean: mean(v), n: v.length });
        }
  const avg = okOf(rows, 'latency_avg'),
    p99 = okOf(rows, 'latency_p99');
  const key = (r: Measurement) => `${scriptOf(r)}|${pathLabel(r, order)}|${rttOf(r)}`;
  const latency: LatencyRow[] = [];
  for (const k of [...new Set(avg.map(key))]) {
    const a = avg.filter((r) => key(r) === k),
      p = p99.filter((r) => key(r) === k);
    latency.push({
      script: scriptOf(a[0]),
      label: pathLabel(a[0], order),
      rtt_ms: rttOf(a[0]),
      avg: mean(a.map((r) => r.value as number)),
      p99: p.length ? mean(p.map((r) => r.value as number)) : null,
      n: a.length,
    });
  }
  const rank = sortLabels(
    latency.map((l) => l.label),
    order,
  );
  latency.sort((x, y) => x.script.localeCompare(y.script) || (x.rtt_ms ?? -1) - (y.rtt_ms ?? -1) || rank.indexOf(x.label) - rank.indexOf(y.label));
  const failed = rows.filter((r) => r.benchmark === 'pgbench' && r.metric === 'tps' && r.status !== 'ok').length;
  return { barRtt, rtts, groups, samples, drops, byRtt, latency, failed };
}

/** The key sentences: the inter-site drop per script and server site. */
export function dropLines(s: TransactionsSummary): string[] {
  const at = s.barRtt === null ? '' : ` at WAN RTT ${fmt(s.barRtt)} ms`;
  return s.drops.map(
    (d) =>
      `${d.script}: inter-site TPS ${d.drop_pct >= 0 ? '−' : '+'}${fmt(Math.abs(d.drop_pct))}% vs same-site (mean ${fmt(d.inter_mean)} vs ${fmt(d.same_mean)} tx/s, n=${d.n_inter}/${d.n_same} runs, ${d.comparison.clear ? 'beyond the noise' : 'not beyond the noise at this n'}, server at ${d.site}${at})`,
  );
}

/**
 * Whether the inter-site drop is what the emulated RTT explains: the extra latency of an
 * inter-site client over a same-site one, in WAN round trips (select-only: one query per
 * transaction, so about 1; tpcb-like: 7 statements, so about 7, more when clients wait on locks).
 */
export interface RttExplained {
  script: string;
  rtt_ms: number;
  same_ms: number;
  inter_ms: number;
  round_trips: number;
}

export function rttExplained(s: TransactionsSummary, meta: RunMeta): RttExplained[] {
  const out: RttExplained[] = [];
  // Rows without an rtt_ms param ran at the run's WAN: its configured RTT, or on real sites the measured baseline.
  const w = meta.wan[0];
  const fallback = w ? (rttReference(meta, w.a, w.b)?.value ?? null) : null;
  for (const script of [...new Set(s.latency.map((l) => l.script))]) {
    for (const rtt of [...new Set(s.latency.filter((l) => l.script === script).map((l) => l.rtt_ms ?? fallback))]) {
      if (rtt === null || !(rtt > 0)) continue;
      const at = s.latency.filter((l) => l.script === script && (l.rtt_ms ?? fallback) === rtt);
      const same = at.filter((l) => !l.label.startsWith('inter-site')),
        inter = at.filter((l) => l.label.startsWith('inter-site'));
      if (!same.length || !inter.length) continue;
      const [sm, im] = [mean(same.map((l) => l.avg)), mean(inter.map((l) => l.avg))];
      out.push({ script, rtt_ms: rtt, same_ms: sm, inter_ms: im, round_trips: (im - sm) / rtt });
    }
  }
  return out;
}

export function rttLines(e: RttExplained[]): string[] {
  return e.map(
    (x) =>
      `${x.script} at ${fmt(x.rtt_ms, x.rtt_ms < 1 ? 2 : 1)} ms RTT: inter-site latency ${fmt(x.inter_ms, 2)} ms = same-site ${fmt(x.same_ms, 2)} ms + ${fmt(x.round_trips, 2)} WAN round trips per transaction`,
  );
}

function barPanel(s: TransactionsSummary, script: string): object {
  const groups = s.groups.filter((g) => g.script === script);
  const labels = groups.map((g) => g.label);
  const x = { field: 'label', type: 'nominal', sort: labels, title: 'Client path to the server', axis: { labelAngle: 0, labelLimit: 200 } };
  const y = { type: 'quantitative', title: 'Transactions per second' };
  const tip = [
    { field: 'label', title: 'path' },
    { field: 'mean', format: ',.1f', title: 'mean tx/s' },
    { field: 'min', format: ',.1f' },
    { field: 'max', format: ',.1f' },
    { field: 'n', title: 'runs' },
  ];
  return {
    title: script,
    width: Math.max(200, 120 * labels.length),
    height: 300,
    layer: [
      { data: { values: groups }, mark: { type: 'bar', width: { band: 0.6 }, color: '#9ecae1' }, encoding: { x, y: { field: 'mean', ...y }, tooltip: tip } },
      { data: { values: groups }, mark: { type: 'rule', color: '#333' }, encoding: { x, y: { field: 'min', ...y }, y2: { field: 'max' } } },
      {
        data: { values: s.samples.filter((p) => p.script === script) },
        mark: { type: 'point', filled: true, size: 45, color: '#08519c' },
        encoding: {
          x,
          y: { field: 'value', ...y },
          tooltip: [
            { field: 'label', title: 'path' },
            { field: 'value', format: ',.1f', title: 'tx/s' },
            { field: 'src', title: 'client' },
            { field: 'repetition' },
          ],
        },
      },
      {
        data: { values: groups },
        mark: { type: 'text', align: 'left', dx: 12, fontWeight: 'bold' },
        encoding: { x, y: { field: 'mean', ...y }, text: { field: 'mean', type: 'quantitative', format: ',.0f' } },
      },
    ],
  };
}

function rttPanel(s: TransactionsSummary): object {
  const log = s.byRtt.every((p) => p.mean > 0);
  const enc = {
    x: { field: 'rtt_ms', type: 'quantitative', title: 'WAN round-trip time (ms)' },
    y: {
      field: 'mean',
      type: 'quantitative',
      title: log ? 'Mean transactions per second (log scale)' : 'Mean transactions per second',
      scale: log ? { type: 'log' } : {},
    },
    color: { field: 'series', type: 'nominal', title: 'script, client path', legend: { orient: 'right', labelLimit: 300 } },
    strokeDash: {
      field: 'kind',
      type: 'nominal',
      title: null,
      scale: {
        domain: ['same-site', 'inter-site'],
        range: [
          [1, 0],
          [6, 4],
        ],
      },
      legend: null,
    },
    tooltip: [{ field: 'series' }, { field: 'rtt_ms', title: 'RTT ms' }, { field: 'mean', format: ',.1f', title: 'mean tx/s' }, { field: 'n', title: 'runs' }],
  };
  return {
    title: 'TPS against WAN RTT (same-site clients do not cross the WAN)',
    width: 420,
    height: 300,
    data: { values: s.byRtt },
    mark: { type: 'line', point: true },
    encoding: enc,
  };
}

export function transactionsSpec(s: TransactionsSummary, meta: RunMeta): Record<string, unknown> {
  const scripts = [...new Set(s.groups.map((g) => g.script))];
  const bars = { hconcat: scripts.map((sc) => barPanel(s, sc)), spacing: 40 };
  const at = s.barRtt === null ? '' : `, WAN RTT ${fmt(s.barRtt)} ms`;
  return {
    title: {
      text: `Transactions per second by path (pgbench, ${meta.run_id}${at})`,
      subtitle: [...dropLines(s), 'bar: mean; line: min–max; points: each run'],
      anchor: 'start',
      subtitleColor: '#333',
      subtitleFontSize: 12,
      fontSize: 15,
    },
    vconcat: s.byRtt.length ? [bars, rttPanel(s)] : [bars],
    spacing: 30,
  };
}

function latencyTable(s: TransactionsSummary): string {
  const rtt = s.rtts.length > 0;
  const tr = s.latency.map(
    (l) =>
      `<tr><td>${escapeHtml(l.script)}</td><td>${escapeHtml(l.label)}</td>${rtt ? `<td class="num">${fmt(l.rtt_ms)}</td>` : ''}<td class="num">${fmt(l.avg, 3)}</td><td class="num">${fmt(l.p99, 3)}</td><td class="num">${l.n}</td></tr>`,
  );
  return `<table><tr><th>script</th><th>path</th>${rtt ? '<th>WAN RTT ms</th>' : ''}<th>latency avg ms</th><th>latency p99 ms</th><th>runs</th></tr>${tr.join('')}</table>`;
}

export function transactionsSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = transactionsSummary(rows, meta);
  if (!s.samples.length) return null;
  const lines = [...dropLines(s), ...rttLines(rttExplained(s, meta))].map((l) => `<li>${escapeHtml(l)}</li>`).join('');
  const failed = s.failed ? `<p class="bad">${s.failed} pgbench run(s) failed; see "Failed samples".</p>` : '';
  return {
    heading: 'Transactions by path (Fig. 3 analogue)',
    html: `<p class="note">pgbench against one PostgreSQL server; bars: mean TPS of the runs per client path, line: min–max, points: each run. Percentages are (same-site mean − inter-site mean) / same-site mean. Latency p99 comes from pgbench's per-transaction log (type-7 percentile), averaged over runs; "–" where it was not logged.</p><ul class="key">${lines}</ul>${failed}${latencyTable(s)}`,
    spec: transactionsSpec(s, meta),
  };
}
