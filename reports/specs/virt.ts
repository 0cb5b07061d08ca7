/**
 * Virtualization types compared on the same paths (Docker vs Rumprun style): iperf3 throughput,
 * ping RTT and HTTP requests/s per path, one bar per `virt`; plus how long a node of each type
 * takes to start (rows benchmark 'node-start', metric 'start_time', written by the lab).
 * A path appears only when at least two types were measured on it. With one type in the rows
 * only the start-time chart is shown (if there are start times), else no section.
 */
import { isSuperseded } from '../../measurements/retries.js';
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, median, textParam, pathLabel, siteOrder, sortLabels, type Section } from './common.js';
import { sizeOf, sizeText } from './http.js';
import { compareGroups } from './stats.js';

export interface VirtMeasure {
  key: string;
  benchmark: string;
  metric: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  /** What else must match for two rows to be comparable (HTTP: the same server and file). */
  variant?: (r: Measurement) => string;
}

export const VIRT_MEASURES: VirtMeasure[] = [
  { key: 'bandwidth', benchmark: 'iperf3', metric: 'throughput', title: 'Bandwidth (iperf3)', unit: 'Mbit/s', higherIsBetter: true },
  { key: 'rtt', benchmark: 'ping', metric: 'rtt', title: 'RTT (ping, per packet)', unit: 'ms', higherIsBetter: false },
  {
    key: 'http',
    benchmark: 'http',
    metric: 'requests_per_s',
    title: 'HTTP requests/s (wrk)',
    unit: 'req/s',
    higherIsBetter: true,
    variant: (r) => `${textParam(r, 'server') ?? 'unknown'} ${sizeText(sizeOf(r))}`,
  },
];

/** Display order of virt types: as in the config's list, then anything else (mixed pairs like "netns/docker"). */
const KNOWN = ['netns', 'lxc', 'docker', 'xen', 'rumprun', 'qemu'];
export function virtOrder(virts: Iterable<string>): string[] {
  const rank = (v: string) => (KNOWN.includes(v) ? KNOWN.indexOf(v) : KNOWN.length);
  return [...new Set(virts)].filter(Boolean).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface VirtGroup {
  measure: string;
  label: string;
  virt: string;
  median: number;
  n: number;
  values: number[];
}
export interface StartGroup {
  virt: string;
  median: number;
  min: number;
  max: number;
  n: number;
}
export interface VirtSummary {
  virts: string[];
  groups: VirtGroup[];
  /** Paths (labels) per measure where at least two virt types were measured. */
  paths: Record<string, string[]>;
  start: StartGroup[];
  startPoints: { virt: string; node: string; value: number }[];
}

const isOk = (r: Measurement) => r.status === 'ok' && r.value !== null && Number.isFinite(r.value);

export function virtSummary(rows: Measurement[], meta: RunMeta): VirtSummary {
  const order = siteOrder(rows, meta);
  // A sample tried again because the WAN emulator limited it counts once, with its last try.
  const measured = rows.filter((r) => VIRT_MEASURES.some((m) => m.benchmark === r.benchmark && m.metric === r.metric) && isOk(r) && !isSuperseded(r));
  const virts = virtOrder(measured.map((r) => r.virt));
  const groups: VirtGroup[] = [];
  const paths: Record<string, string[]> = {};
  for (const m of VIRT_MEASURES) {
    const mine = measured.filter((r) => r.benchmark === m.benchmark && r.metric === m.metric);
    const labelOf = (r: Measurement) => (m.variant ? `${pathLabel(r, order)} · ${m.variant(r)}` : pathLabel(r, order));
    const labels = sortLabels(mine.map(labelOf), order);
    paths[m.key] = [];
    for (const label of labels) {
      const here = mine.filter((r) => labelOf(r) === label);
      const vs = virtOrder(here.map((r) => r.virt));
      if (vs.length < 2) continue; // the same path under one type only: nothing to compare
      paths[m.key].push(label);
      for (const virt of vs) {
        const v = here.filter((r) => r.virt === virt).map((r) => r.value as number);
        groups.push({ measure: m.key, label, virt, median: median(v), n: v.length, values: v });
      }
    }
  }
  const starts = rows.filter((r) => r.benchmark === 'node-start' && r.metric === 'start_time' && isOk(r));
  const start = virtOrder(starts.map((r) => r.virt)).map((virt) => {
    const v = starts.filter((r) => r.virt === virt).map((r) => r.value as number);
    return { virt, median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
  });
  const startPoints = starts.map((r) => ({ virt: r.virt, node: `${r.src_site}/${r.src_node}`, value: r.value as number }));
  return { virts, groups, paths, start, startPoints };
}

/** One sentence per compared path: every type's median, and each against the first type. */
export function virtLines(s: VirtSummary): string[] {
  const lines: string[] = [];
  for (const m of VIRT_MEASURES)
    for (const label of s.paths[m.key] ?? []) {
      const gs = s.groups.filter((g) => g.measure === m.key && g.label === label);
      const base = gs[0];
      const rest = gs.slice(1).map((g) => {
        const c = compareGroups(base.values, g.values);
        return `${g.virt} ${fmt(g.median, 2)} ${m.unit} (n=${g.n}; vs ${base.virt}: ${c.text})`;
      });
      lines.push(`${m.title}, ${label}: ${base.virt} ${fmt(base.median, 2)} ${m.unit} (n=${base.n}), ${rest.join(', ')}`);
    }
  if (s.start.length) lines.push('Node start time (median): ' + s.start.map((g) => `${g.virt} ${fmt(g.median, 0)} ms (n=${g.n})`).join(', '));
  return lines;
}

function measurePanel(s: VirtSummary, m: VirtMeasure): object {
  const labels = s.paths[m.key];
  // Two-line labels: the path, then the variant (server and file) if any.
  const x = {
    field: 'label',
    type: 'nominal',
    sort: labels,
    title: 'Path (site or site pair)',
    axis: { labelAngle: 0, labelLimit: 200, labelExpr: "split(datum.label, ' · ')" },
  };
  return {
    title: `${m.title}: median by virtualization type (${m.higherIsBetter ? 'higher' : 'lower'} is better)`,
    width: Math.max(220, Math.max(140, 45 * s.virts.length) * labels.length),
    height: 220,
    data: { values: s.groups.filter((g) => g.measure === m.key) },
    mark: { type: 'bar' },
    encoding: {
      x,
      xOffset: { field: 'virt', sort: s.virts },
      y: { field: 'median', type: 'quantitative', title: `median ${m.unit}`, stack: null },
      color: { field: 'virt', type: 'nominal', sort: s.virts, title: 'virt' },
      tooltip: [
        { field: 'label', title: 'path' },
        { field: 'virt' },
        { field: 'median', format: ',.3f', title: `median ${m.unit}` },
        { field: 'n', title: 'samples' },
      ],
    },
  };
}

function startPanel(s: VirtSummary): object {
  const x = { field: 'virt', type: 'nominal', sort: s.start.map((g) => g.virt), title: 'Virtualization type', axis: { labelAngle: 0 } };
  const y = { type: 'quantitative', title: 'node start time (ms)' };
  return {
    title: 'Node start time by virtualization type (bar: median; points: nodes)',
    width: Math.max(160, 90 * s.start.length),
    height: 220,
    layer: [
      {
        data: { values: s.start },
        mark: { type: 'bar', color: '#9ecae1', width: { band: 0.6 } },
        encoding: {
          x,
          y: { field: 'median', ...y },
          tooltip: [
            { field: 'virt' },
            { field: 'median', format: ',.0f', title: 'median ms' },
            { field: 'min' },
            { field: 'max' },
            { field: 'n', title: 'nodes' },
          ],
        },
      },
      {
        data: { values: s.startPoints },
        mark: { type: 'point', filled: true, color: '#08519c', size: 40 },
        encoding: { x, y: { field: 'value', ...y }, tooltip: [{ field: 'node' }, { field: 'virt' }, { field: 'value', format: ',.1f', title: 'ms' }] },
      },
    ],
  };
}

export function virtSpec(s: VirtSummary, meta: RunMeta): Record<string, unknown> {
  const panels = [...VIRT_MEASURES.filter((m) => s.paths[m.key]?.length).map((m) => measurePanel(s, m)), ...(s.start.length ? [startPanel(s)] : [])];
  return {
    title: {
      text: `Virtualization types on the same paths (${meta.run_id})`,
      subtitle: virtLines(s),
      anchor: 'start',
      subtitleColor: '#333',
      subtitleFontSize: 12,
      fontSize: 15,
    },
    // Each panel has its own paths, so its own band widths: the per-virt offset must not be shared.
    vconcat: panels,
    spacing: 30,
    resolve: { scale: { x: 'independent', xOffset: 'independent' } },
  };
}

export function virtSection(rows: Measurement[], meta: RunMeta): Section | null {
  const s = virtSummary(rows, meta);
  const compared = Object.values(s.paths).some((p) => p.length > 0);
  if (!compared && !s.start.length) return null;
  const note = compared
    ? 'Each path is shown only where at least two virtualization types were measured on it; percentages compare each type with the first one.'
    : `Only one virtualization type (${virtOrder([...s.virts, ...s.start.map((g) => g.virt)]).join(', ')}) was measured on any path, so only node start times are shown.`;
  const lines = virtLines(s)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join('');
  const tr = s.groups.map(
    (g) =>
      `<tr><td>${escapeHtml(VIRT_MEASURES.find((m) => m.key === g.measure)!.title)}</td><td>${escapeHtml(g.label)}</td><td>${escapeHtml(g.virt)}</td><td class="num">${fmt(g.median, 3)}</td><td class="num">${g.n}</td></tr>`,
  );
  const table = tr.length ? `<table><tr><th>measure</th><th>path</th><th>virt</th><th>median</th><th>samples</th></tr>${tr.join('')}</table>` : '';
  return {
    // One virt type only: nothing is compared, and the heading says what is there.
    heading: compared ? 'Virtualization types compared' : 'Node start times',
    html: `<p class="note">${escapeHtml(note)}</p><ul class="key">${lines}</ul>${table}`,
    spec: virtSpec(s, meta),
  };
}
