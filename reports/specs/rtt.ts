/**
 * RTT distribution per path: boxplot of per-packet ping RTTs, with the inter-site pairs' reference
 * as a tick: the configured WAN RTT where the WAN was emulated, the measured baseline on real sites.
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, median, pairLabel, pathLabel, siteOrder, sortLabels, type Section } from './common.js';
import { percentile } from '../../measurements/stats.js';
import { cdfPoints, cdfSpec } from './cdf.js';
import { isSuperseded } from '../../measurements/retries.js';
import { referenceText, referenceWord, rttReference, type Reference } from './reference.js';

export interface RttGroup {
  label: string;
  packets: number;
  median: number;
  p99: number;
  max: number;
  /** Mean of the per-run loss % that ping itself reported (metric 'loss'), null if none. */
  loss_pct: number | null;
  /** Ping runs of this path that failed (no rtt). */
  failed_runs: number;
  /** The scenario's WAN RTT for inter-site pairs (emulated or only expected), null for other paths. */
  configured_ms: number | null;
  /** What the path is compared with: configured (emulated WAN) or measured baseline (real sites); null: nothing. */
  reference: Reference | null;
}

export interface RttSummary {
  groups: RttGroup[];
  packets: { label: string; rtt: number }[];
}

export function rttSummary(rows: Measurement[], meta: RunMeta): RttSummary {
  const order = siteOrder(rows, meta);
  const ping = rows.filter((r) => r.benchmark === 'ping' && !isSuperseded(r)); // a retried sample counts once, with its last try
  const packets = ping
    .filter((r) => r.metric === 'rtt' && r.status === 'ok' && r.value !== null)
    .map((r) => ({ label: pathLabel(r, order), rtt: r.value as number }));
  const groups = sortLabels(
    packets.map((p) => p.label),
    order,
  ).map((label) => {
    const v = packets.filter((p) => p.label === label).map((p) => p.rtt);
    const mine = ping.filter((r) => pathLabel(r, order) === label);
    const loss = mine.filter((r) => r.metric === 'loss' && r.status === 'ok').map((r) => r.value as number);
    const profile = meta.wan.find((w) => label === `inter-site ${pairLabel(w.a, w.b, order)}`);
    return {
      label,
      packets: v.length,
      median: median(v),
      p99: percentile(v, 99),
      max: Math.max(...v),
      loss_pct: loss.length ? loss.reduce((a, b) => a + b, 0) / loss.length : null,
      failed_runs: new Set(mine.filter((r) => r.status !== 'ok').map((r) => `${r.src_node}>${r.dst_node}#${r.repetition}`)).size,
      configured_ms: profile ? profile.rtt_ms : null,
      reference: profile ? rttReference(meta, profile.a, profile.b) : null,
    };
  });
  return { groups, packets };
}

type Rule = { label: string; rtt: number; text: string };

/** Boxplot of per-packet RTTs for `labels`, median labels, reference RTT ticks beside them. */
function panel(s: RttSummary, labels: string[], rules: Rule[], log: boolean, title: string): object {
  const x = { field: 'label', type: 'nominal', sort: labels, title: 'Path (site or site pair)', axis: { labelAngle: 0, labelLimit: 200 } };
  const y = { type: 'quantitative', title: log ? 'Round-trip time (ms, log scale)' : 'Round-trip time (ms)', scale: log ? { type: 'log' } : { zero: false } };
  return {
    title,
    width: Math.max(200, 130 * labels.length),
    height: 300,
    layer: [
      // The reference RTT as a short red tick left of its path's box: a full-width line at the same
      // height would cover a narrow box (a WAN RTT with little spread draws as a flat box).
      ...(rules.length
        ? [
            {
              data: { values: rules.filter((r) => labels.includes(r.label)) },
              mark: { type: 'tick', orient: 'horizontal', color: '#d62728', thickness: 3, size: 22, xOffset: -36 },
              encoding: { x, y: { field: 'rtt', ...y }, tooltip: [{ field: 'text', title: 'compared with' }] },
            },
          ]
        : []),
      {
        data: { values: s.packets.filter((p) => labels.includes(p.label)) },
        mark: { type: 'boxplot', extent: 'min-max', size: 40, median: { color: 'black' } },
        encoding: { x, y: { field: 'rtt', ...y }, color: { value: '#6baed6' } },
      },
      {
        data: { values: s.groups.filter((g) => labels.includes(g.label)) },
        mark: { type: 'text', dx: 26, align: 'left', fontSize: 11 },
        encoding: { x, y: { field: 'median', ...y }, text: { field: 'median', type: 'quantitative', format: '.4~g' } },
      },
    ],
  };
}

/** All paths on a log scale (local RTTs are ~1000x below the WAN's); inter-site alone on a linear one. */
export function rttSpec(s: RttSummary, meta: RunMeta, order: string[]): Record<string, unknown> {
  const labels = s.groups.map((g) => g.label);
  const rules = s.groups.flatMap((g) =>
    g.reference
      ? [
          {
            label: g.label,
            rtt: g.reference.value,
            text: `${referenceWord(g.reference.kind)} RTT ${g.label.replace(/^inter-site /, '')}: ${fmt(g.reference.value, 2)} ms`,
          },
        ]
      : [],
  );
  const inter = s.groups.filter((g) => g.configured_ms !== null);
  const lines = inter.map(
    (g) => `${g.label}: median ${fmt(g.median, 2)} ms, p99 ${fmt(g.p99, 2)} ms${g.reference ? ` (${referenceText(g.reference, 'ms', 2)})` : ''}`,
  );
  const log = s.packets.every((p) => p.rtt > 0); // a log scale cannot show 0
  const panels = [panel(s, labels, rules, log, log ? 'All paths (log scale)' : 'All paths')];
  if (inter.length && inter.length < labels.length) {
    const il = inter.map((g) => g.label);
    panels.push(
      panel(
        s,
        il,
        rules.filter((r) => il.includes(r.label)),
        false,
        'Inter-site (linear scale)',
      ),
    );
  }
  return {
    title: {
      text: 'Round-trip time by path (ping, per packet)',
      subtitle: [...lines, `box: quartiles, whiskers: min–max, number: median${rules.length ? `; red tick left of a box: ${tickMeaning(s)}` : ''}`],
      anchor: 'start',
      subtitleColor: '#333',
      subtitleFontSize: 12,
      fontSize: 15,
    },
    hconcat: panels,
    spacing: 40,
  };
}

export function rttSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = rttSummary(rows, meta);
  if (!s.packets.length) return null;
  const order = siteOrder(rows, meta);
  const tr = s.groups.map(
    (g) =>
      `<tr><td>${escapeHtml(g.label)}</td><td class="num">${g.packets}</td><td class="num">${fmt(g.median, 3)}</td><td class="num">${fmt(g.p99, 3)}</td><td class="num">${fmt(g.max, 3)}</td><td class="num">${fmt(g.loss_pct, 2)}</td><td class="num">${g.failed_runs || ''}</td><td class="num">${fmt(g.reference?.value, g.reference?.kind === 'baseline' ? 3 : 1)}</td></tr>`,
  );
  const kinds = new Set(s.groups.flatMap((g) => (g.reference ? [g.reference.kind] : [])));
  const refHead = kinds.size === 1 ? `${referenceWord([...kinds][0])} RTT ms` : 'RTT compared with, ms';
  return {
    heading: 'Round-trip time by path',
    html:
      `<p class="note">Box: quartiles of every packet's RTT; whiskers: min–max; red tick left of a box: ${escapeHtml(tickMeaning(s))}. p99 by linear interpolation.</p>` +
      `<table><tr><th>path</th><th>packets</th><th>median ms</th><th>p99 ms</th><th>max ms</th><th>loss % (ping)</th><th>failed runs</th><th>${escapeHtml(refHead)}</th></tr>${tr.join('')}</table>`,
    spec: rttSpec(s, meta, order),
  };
}

/** What the red tick means: the configured RTT (emulated WAN), the baseline measured on the real network, or both. */
function tickMeaning(s: RttSummary): string {
  const kinds = new Set(s.groups.flatMap((g) => (g.reference ? [g.reference.kind] : [])));
  const says = [
    ...(kinds.has('configured') ? ['the RTT configured for the emulated WAN'] : []),
    ...(kinds.has('baseline') ? ['the baseline RTT validation measured on the real WAN (not emulated)'] : []),
  ];
  return says.length ? says.join('; ') : 'none (no reference for these paths)';
}

/** RTT CDF per path from the per-packet `rtt` rows of ping: the whole distribution, tails included. */
export function rttCdfSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = rttSummary(rows, meta);
  if (!s.packets.length) return null;
  const labels = s.groups.map((g) => g.label);
  const byLabel = new Map(labels.map((l) => [l, s.packets.filter((p) => p.label === l).map((p) => p.rtt)]));
  return {
    heading: 'Round-trip time distribution (CDF) by path',
    html: '<p class="note">Each line: the fraction of packets of a path whose RTT was at or below the value on the x axis (every packet of every ping run of the path; n in the table above).</p>',
    spec: cdfSpec(cdfPoints(byLabel), {
      title: 'RTT CDF by path (ping, per packet)',
      subtitle: s.groups.map((g) => `${g.label}: n=${g.packets}, median ${fmt(g.median, 3)} ms, p99 ${fmt(g.p99, 3)} ms`),
      groupTitle: 'path',
      order: labels,
    }),
  };
}
