/**
 * One-way UDP loss per direction (benchmark 'udp-loss'): per direction and path, the median loss %
 * with its interval and n, the datagrams judged, and how many samples the receiving host's own
 * socket drops touched (counted out of the loss: they are not the path's). A dot per sample.
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, hasFlag, numParam, type Section } from './common.js';
import { intervalCell, spread, type Spread } from './stats.js';

export interface UdpLossGroup {
  /** e.g. "inter-site NII→Hokudai". */
  label: string;
  loss: Spread;
  /** Datagrams judged in all ok samples. */
  judged: number;
  /** Samples where the receiving host dropped datagrams itself. */
  hostDropSamples: number;
  failed: number;
}

/** The direction of a row: its path and sites, e.g. "inter-site NII→Hokudai" or "local NII". */
const direction = (r: Measurement) => `${r.path} ${r.src_site === r.dst_site ? r.src_site : `${r.src_site}→${r.dst_site}`}`;

export function udpLossSummary(rows: Measurement[]): UdpLossGroup[] {
  const mine = rows.filter((r) => r.benchmark === 'udp-loss' && r.metric === 'udp_loss');
  const labels = [...new Set(mine.map((r) => direction(r)))].sort();
  const groups: UdpLossGroup[] = [];
  for (const label of labels) {
    const of = mine.filter((r) => direction(r) === label);
    const ok = of.filter((r) => r.status === 'ok' && r.value !== null);
    if (!ok.length) continue;
    groups.push({
      label,
      loss: spread(ok.map((r) => r.value as number)),
      judged: ok.reduce((s, r) => s + (numParam(r, 'judged') ?? 0), 0),
      hostDropSamples: ok.filter((r) => hasFlag(r, 'receiver-host-drops')).length,
      failed: of.length - ok.length,
    });
  }
  return groups;
}

export function udpLossSection(rows: Measurement[], _meta?: RunMeta): Section | null {
  const groups = udpLossSummary(rows);
  if (!groups.length) return null;
  const points = rows
    .filter((r) => r.benchmark === 'udp-loss' && r.metric === 'udp_loss' && r.status === 'ok' && r.value !== null)
    .map((r) => ({ direction: direction(r), loss_pct: r.value, src: r.src_node, dst: r.dst_node, repetition: r.repetition }));
  const tr = groups
    .map(
      (g) =>
        `<tr><td>${escapeHtml(g.label)}</td><td class="num">${g.loss.n}</td><td class="num">${fmt(g.loss.median, 3)}</td><td>${escapeHtml(intervalCell(g.loss, 3))}</td>` +
        `<td class="num">${g.judged}</td><td class="num">${g.hostDropSamples}</td><td class="num">${g.failed}</td></tr>`,
    )
    .join('');
  return {
    heading: 'UDP loss per direction',
    html:
      '<table><tr><th>direction</th><th>n</th><th>median loss %</th><th>interval</th><th>datagrams judged</th><th>samples with receiver drops (counted out)</th><th>failed</th></tr>' +
      `${tr}</table><p class="note">A bidirectional iperf3 UDP flood per sample; loss counted from sequence gaps, minus the receiving host's own socket drops.</p>`,
    spec: {
      title: { text: 'UDP loss per sample and direction', anchor: 'start' },
      width: 560,
      data: { values: points },
      mark: { type: 'point', filled: true, tooltip: true },
      encoding: {
        y: { field: 'direction', type: 'nominal', title: null, sort: groups.map((g) => g.label) },
        x: { field: 'loss_pct', type: 'quantitative', title: 'UDP loss (%)', scale: { domainMin: 0 } },
      },
    },
  };
}
