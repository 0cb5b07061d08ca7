/**
 * What iperf3 says about TCP besides throughput, per path: retransmits, the sender's mean TCP RTT
 * (smoothed RTT from the kernel, so it includes queueing under the test's own load) and CPU use
 * of both ends. From the rows collectors/iperf3 writes (retransmits, rtt_mean, cpu_host, cpu_remote).
 */
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { escapeHtml } from '../escape.js';
import { fmt, median, pathLabel, siteOrder, sortLabels, type Section } from './common.js';
import { isSuperseded } from '../../measurements/retries.js';

const METRICS = ['retransmits', 'rtt_mean', 'cpu_host', 'cpu_remote'] as const;

export interface TcpGroup {
  label: string;
  /** Per metric: median, min, max and n over the samples of the path. */
  stats: Record<(typeof METRICS)[number], { median: number; min: number; max: number; n: number }>;
}

export function tcpSummary(rows: Measurement[], meta: RunMeta): TcpGroup[] {
  const order = siteOrder(rows, meta);
  const ok = rows.filter(
    (r) => r.benchmark === 'iperf3' && r.status === 'ok' && r.value !== null && !isSuperseded(r) && (METRICS as readonly string[]).includes(r.metric),
  );
  return sortLabels(
    ok.map((r) => pathLabel(r, order)),
    order,
  ).map((label) => {
    const stats = {} as TcpGroup['stats'];
    for (const m of METRICS) {
      const v = ok.filter((r) => r.metric === m && pathLabel(r, order) === label).map((r) => r.value as number);
      stats[m] = { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, n: v.length };
    }
    return { label, stats };
  });
}

export function tcpSection(rows: Measurement[], meta: RunMeta): Section | null {
  const g = tcpSummary(rows, meta);
  if (!g.length) return null;
  const cell = (s: TcpGroup['stats'][keyof TcpGroup['stats']], d: number) =>
    s.n ? `${fmt(s.median, d)} <span class="note">(${fmt(s.min, d)}–${fmt(s.max, d)})</span>` : '–';
  const tr = g.map(
    (x) =>
      `<tr><td>${escapeHtml(x.label)}</td><td class="num">${x.stats.retransmits.n || x.stats.rtt_mean.n}</td><td class="num">${cell(x.stats.retransmits, 0)}</td><td class="num">${cell(x.stats.rtt_mean, 2)}</td><td class="num">${cell(x.stats.cpu_host, 1)}</td><td class="num">${cell(x.stats.cpu_remote, 1)}</td></tr>`,
  );
  return {
    heading: 'TCP retransmits, TCP RTT and CPU by path (iperf3)',
    html:
      '<p class="note">Per path, over its iperf3 samples (of a sample tried again because the WAN emulator limited it, its last try): median (min–max). Retransmits: segments the sender sent again in the whole sample. TCP RTT: the mean of the sender\'s smoothed RTT during the test, so it includes the queueing the test itself causes (compare with the idle ping RTT). CPU: the iperf3 process at the sender (client) and the receiver (server), user + system time over the duration of the test (100% = one core busy).</p>' +
      `<table><tr><th>path</th><th>samples</th><th>retransmits</th><th>TCP RTT ms</th><th>CPU sender %</th><th>CPU receiver %</th></tr>${tr.join('')}</table>`,
  };
}
