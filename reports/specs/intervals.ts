/**
 * iperf3 throughput over time per sample, from the raw client JSON (raw/iperf3/rep<r>-<src>--<dst>[.try<n>].client.json),
 * with the retransmits of each interval: the CSV keeps only each sample's summary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, hasFlag, pathLabel, siteOrder, sortLabels, type Section } from './common.js';
import { attemptOf, EMULATOR_SATURATED } from '../../measurements/retries.js';

export interface IntervalPoint {
  label: string;
  sample: string;
  t: number;
  mbit: number;
  retransmits: number | null;
  saturated: boolean;
}

/** The raw file of a throughput row, by the naming the iperf3 runner uses (a retry's ends `.try<n>.client.json`). */
export function rawIperf3File(runDir: string, r: Measurement): string {
  const a = attemptOf(r);
  return join(runDir, 'raw', 'iperf3', `rep${r.repetition}-${r.src_node}--${r.dst_node}${a > 1 ? `.try${a}` : ''}.client.json`);
}

interface Iperf3Json {
  intervals?: { sum?: { end?: number; bits_per_second?: number; retransmits?: number; omitted?: boolean } }[];
}

/** Per-interval points of every ok throughput row whose raw JSON is there; rows without one are skipped. */
export function loadIntervals(runDir: string, rows: Measurement[], meta: RunMeta): IntervalPoint[] {
  const order = siteOrder(rows, meta);
  const out: IntervalPoint[] = [];
  for (const r of rows) {
    if (r.benchmark !== 'iperf3' || r.metric !== 'throughput' || r.status !== 'ok') continue;
    const file = rawIperf3File(runDir, r);
    if (!existsSync(file)) continue;
    let j: Iperf3Json;
    try {
      j = JSON.parse(readFileSync(file, 'utf8')) as Iperf3Json;
    } catch {
      continue; // a damaged raw file: the summary row still stands
    }
    const a = attemptOf(r);
    const sample = `${r.src_node} → ${r.dst_node} rep ${r.repetition}${a > 1 ? ` try ${a}` : ''}`;
    for (const i of j.intervals ?? []) {
      const s = i.sum;
      if (!s || s.omitted || typeof s.end !== 'number' || typeof s.bits_per_second !== 'number') continue;
      out.push({
        label: pathLabel(r, order),
        sample,
        t: Math.round(s.end * 1000) / 1000,
        mbit: s.bits_per_second / 1e6,
        retransmits: typeof s.retransmits === 'number' ? s.retransmits : null,
        saturated: hasFlag(r, EMULATOR_SATURATED),
      });
    }
  }
  return out;
}

export function intervalsSection(points: IntervalPoint[], rows: Measurement[], meta: RunMeta): Section | null {
  if (!points.length) return null;
  const labels = sortLabels(
    points.map((p) => p.label),
    siteOrder(rows, meta),
  );
  const samples = [...new Set(points.map((p) => `${p.label}|${p.sample}`))];
  const tr = samples.map((k) => {
    const [label, sample] = k.split('|');
    const mine = points.filter((p) => p.label === label && p.sample === sample);
    const re = mine.map((p) => p.retransmits).filter((x): x is number => x !== null);
    const v = mine.map((p) => p.mbit);
    return `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(sample)}${mine[0].saturated ? ' <span class="warn">(emulator-saturated)</span>' : ''}</td><td class="num">${mine.length}</td><td class="num">${fmt(Math.min(...v))}</td><td class="num">${fmt(Math.max(...v))}</td><td class="num">${re.length ? re.reduce((a, b) => a + b, 0) : '–'}</td></tr>`;
  });
  const x = { field: 't', type: 'quantitative', title: 'time since the start of the sample (s)' };
  const filter = (label: string) => ({ filter: { field: 'label', equal: label } });
  const panel = (label: string) => ({
    title: label,
    vconcat: [
      {
        width: 260,
        height: 170,
        transform: [filter(label)],
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x,
          y: { field: 'mbit', type: 'quantitative', title: 'Mbit/s', scale: { zero: true } },
          color: { field: 'sample', type: 'nominal', legend: null },
          tooltip: [{ field: 'sample' }, { field: 't', title: 's' }, { field: 'mbit', format: ',.1f', title: 'Mbit/s' }, { field: 'retransmits' }],
        },
      },
      {
        width: 260,
        height: 60,
        transform: [filter(label), { filter: 'isValid(datum.retransmits)' }],
        mark: { type: 'bar', color: '#d62728' },
        encoding: {
          x,
          y: { field: 'retransmits', type: 'quantitative', aggregate: 'sum', title: 'retransmits', axis: { format: 'd', tickMinStep: 1 } },
          tooltip: [
            { field: 't', title: 's' },
            { field: 'retransmits', aggregate: 'sum', title: 'retransmits' },
          ],
        },
      },
    ],
  });
  return {
    heading: 'Throughput over time (iperf3 intervals)',
    html:
      '<p class="note">Each line is one iperf3 sample, one point per reporting interval (from raw/iperf3/*.client.json); the lower panel shows the TCP retransmits in each interval. A line that dips or saw-tooths shows where the path, not the average, lost throughput.</p>' +
      `<table><tr><th>path</th><th>sample</th><th>intervals</th><th>min Mbit/s</th><th>max Mbit/s</th><th>retransmits</th></tr>${tr.join('')}</table>`,
    spec: {
      title: { text: 'iperf3 throughput per interval, by path (upper: Mbit/s per sample, lower: retransmits)', anchor: 'start' },
      data: { values: points },
      // Three paths per row, so the chart stays within the page.
      vconcat: Array.from({ length: Math.ceil(labels.length / 3) }, (_, i) => ({
        hconcat: labels.slice(i * 3, i * 3 + 3).map((label) => panel(label)),
      })),
    },
  };
}
